"""``observe apply -f``: client-side apply, request for request what kubectl 1.20 sends.

For each object: ``GET`` it; if absent, ``POST`` the manifest carrying the
``kubectl.kubernetes.io/last-applied-configuration`` annotation (the manifest's own JSON,
namespace filled in); if present, compute the three-way strategic merge patch between the
last applied configuration, the new manifest and the live object, and ``PATCH`` it unless it
is empty. Prints ``deployment.apps/web created|configured|unchanged`` per object and goes on
after a failure, exiting 1 at the end, as kubectl does.
"""

from __future__ import annotations

import argparse
import copy
import json
from typing import Any

from observe.api.patch import json_merge_three_way, three_way_merge_patch
from observe.api.registry import ResourceType, default_registry
from observe.cli import flags
from observe.cli.encoding import compact_json
from observe.cli.errors import CliError, describe_failure
from observe.cli.manifests import Manifest
from observe.cli.resources import display_name, object_path, placed, resource_for
from observe.cli.session import Session
from observe.client.errors import ApiError, ConnectionFailed

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
FIELD_MANAGER = "kubectl-client-side-apply"
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("apply", parents=parents,
                              help="create or update objects from files (client-side apply)")
    flags.add_filename(p, "apply")
    add_dry_run(p)
    p.set_defaults(func=run)


def add_dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", nargs="?", const="client", default="none",
                        choices=("none", "client", "server"),
                        help="only show what would be done (server: let the server check)")


def dry_run_params(args: argparse.Namespace) -> dict[str, str]:
    return {"dryRun": "All"} if args.dry_run == "server" else {}


def dry_run_suffix(args: argparse.Namespace) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(args.dry_run, "")


def with_last_applied(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as apply sends it: annotated with its own JSON.

    The annotation is the object without that annotation, with ``annotations: {}`` kept
    when it had no others, keys sorted, and a newline, byte for byte what kubectl stores,
    so that a later ``kubectl apply`` sees the same "last applied" document.
    """
    bare = copy.deepcopy(obj)
    meta = bare.setdefault("metadata", {})
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k != LAST_APPLIED}
    meta["annotations"] = annotations
    annotated = copy.deepcopy(bare)
    annotated["metadata"]["annotations"] = {**annotations,
                                            LAST_APPLIED: compact_json(bare) + "\n"}
    return annotated


def patch_type(resource: ResourceType) -> str:
    """Strategic merge for the built-in kinds, JSON merge for anything else (as kubectl:
    only compiled-in types carry merge keys)."""
    if default_registry().by_kind(resource.group, resource.kind) is not None:
        return STRATEGIC
    return MERGE


def last_applied(current: dict[str, Any]) -> dict[str, Any] | None:
    text = ((current.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def run(session: Session, args: argparse.Namespace) -> int:
    if not args.filename:
        raise CliError("must specify one of -f and -k")
    failed = False
    for manifest in flags.manifests(session, args):
        try:
            outcome = apply_one(session, args, manifest)
        except (ApiError, CliError) as e:
            session.warn(describe_failure(e, session.server, _context(e, manifest)) + "\n")
            failed = True
            continue
        except ConnectionFailed:
            raise
        session.say(f"{outcome}{dry_run_suffix(args)}\n")
    return 1 if failed else 0


def _context(error: Exception, manifest: Manifest) -> str:
    step = getattr(error, "apply_step", "")
    return f'error when {step} "{manifest.source}": ' if step else ""


def apply_one(session: Session, args: argparse.Namespace, manifest: Manifest) -> str:
    """Apply one object and return kubectl's line for it (without the dry-run suffix)."""
    resource = resource_for(manifest, session.discovery)
    obj, namespace = placed(manifest, resource, session.namespace, session.namespace_explicit)
    name = obj["metadata"]["name"]
    modified = with_last_applied(obj)
    params = {"fieldManager": FIELD_MANAGER, **dry_run_params(args)}
    try:
        current = _step("retrieving current configuration of", session.get_json,
                        object_path(resource, namespace, name))
    except ApiError as e:
        if e.code != 404:
            raise
        if args.dry_run != "client":
            _step("creating", session.send_json, "POST", object_path(resource, namespace),
                  modified, params=params)
        return f"{display_name(resource, name)} created"
    original = last_applied(current)
    if original is None:
        session.warn(
            f"Warning: resource {resource.plural}/{name} is missing the {LAST_APPLIED} "
            "annotation which is required by kubectl apply. kubectl apply should only be "
            "used on resources created declaratively by either kubectl create --save-config "
            "or kubectl apply. The missing annotation will be patched automatically.\n")
    patch = _three_way(original, modified, current, resource)
    if not patch:
        return f"{display_name(resource, name)} unchanged"
    if args.dry_run != "client":
        _step("patching", session.send_json, "PATCH", object_path(resource, namespace, name),
              patch, params=params, content_type=patch_type(resource))
    return f"{display_name(resource, name)} configured"


def _three_way(original: dict[str, Any] | None, modified: dict[str, Any],
               current: dict[str, Any], resource: ResourceType) -> dict[str, Any]:
    if patch_type(resource) == STRATEGIC:
        return three_way_merge_patch(original, modified, current, resource.group,
                                     resource.kind)
    return json_merge_three_way(original, modified, current)


def _step(what: str, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one request, labelling an ApiError with the step for kubectl's error context."""
    try:
        return call(*args, **kwargs)
    except ApiError as e:
        e.apply_step = what  # type: ignore[attr-defined]
        raise

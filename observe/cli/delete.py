"""``observe delete``: delete objects by name, file, selector or ``--all``, then wait.

Each object gets ``DELETE`` with ``{"propagationPolicy": ...}`` (``--cascade``, default
Background) and ``gracePeriodSeconds`` when asked; ``deployment.apps "web" deleted`` is
printed at once, and then, like kubectl 1.32, the command waits until every deleted object
is really gone (``GET`` answers 404, or the name now belongs to a new object) unless
``--wait=false``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

from observe.api.registry import ResourceType
from observe.cli import flags
from observe.cli.errors import CliError, describe_failure
from observe.cli.resources import object_path, parse_targets, quoted_name, targets_from_manifests
from observe.cli.session import Session
from observe.client.errors import ApiError

NO_RESOURCES = (
    "You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n"
    "   '-f rsrc.yaml'\n"
    "   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n"
    "   '<resource>'"
)
CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}
# Deprecated boolean spellings kubectl still accepts, with the word it suggests instead.
CASCADE_BOOLEAN = {"true": "background", "false": "orphan"}
# kubectl's "no timeout": a week.
FOREVER = 7 * 24 * 3600.0


@dataclass
class Doomed:
    """One object to delete: where it is and the uid it had (to tell a successor apart)."""

    resource: ResourceType
    namespace: str | None
    name: str
    uid: str = ""


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("delete", parents=parents,
                              help="delete objects by name, file, selector or --all")
    p.add_argument("resources", nargs="*", metavar="TYPE [NAME...] | TYPE/NAME...")
    flags.add_filename(p, "delete")
    flags.add_selectors(p)
    flags.add_all_namespaces(p)
    p.add_argument("--all", action="store_true", help="delete every object of the types")
    p.add_argument("--cascade", default="background",
                   help="background (default), foreground or orphan")
    p.add_argument("--grace-period", type=int, default=-1,
                   help="seconds the object gets to terminate (-1: its own default)")
    p.add_argument("--now", action="store_true", help="the same as --grace-period=1")
    p.add_argument("--force", action="store_true",
                   help="with --grace-period=0: remove at once, without waiting for the node")
    p.add_argument("--wait", default="true", choices=("true", "false"), nargs="?",
                   const="true", help="wait until the objects are gone (default true)")
    p.add_argument("--timeout", type=flags.duration, default=0,
                   help="how long to wait before giving up, e.g. 60s (0: a week)")
    p.add_argument("--ignore-not-found", action="store_true",
                   help="an object that does not exist is not an error")
    p.set_defaults(func=run)


def propagation_policy(cascade: str, warn: Any) -> str:
    value = cascade.lower()
    if value in CASCADE_BOOLEAN:
        replacement = CASCADE_BOOLEAN[value]
        warn(f"warning: --cascade={value} is deprecated (boolean value) and can be replaced "
             f"with --cascade={replacement}.\n")
        value = replacement
    if value not in CASCADE:
        raise CliError(f'Invalid cascade value ({cascade}). Must be "background", '
                       '"foreground", or "orphan".')
    return CASCADE[value]


def grace_period(args: argparse.Namespace) -> int | None:
    if args.now:
        if args.grace_period >= 0:
            raise CliError("--now and --grace-period cannot be specified together")
        return 1
    if args.force and args.grace_period < 0:
        return 0
    return args.grace_period if args.grace_period >= 0 else None


def run(session: Session, args: argparse.Namespace) -> int:
    policy = propagation_policy(args.cascade, session.warn)
    grace = grace_period(args)
    doomed = _select(session, args)
    if doomed is None:
        return 0
    body: dict[str, Any] = {"propagationPolicy": policy}
    if grace is not None:
        body["gracePeriodSeconds"] = grace
    if args.force and grace == 0:
        session.warn("Warning: Immediate deletion does not wait for confirmation that the "
                     "running resource has been terminated. The resource may continue to run "
                     "on the cluster indefinitely.\n")
    verb = "force deleted" if args.force and grace == 0 else "deleted"
    errors: list[str] = []
    deleted: list[Doomed] = []
    for item in doomed:
        path = object_path(item.resource, item.namespace, item.name)
        try:
            answer = session.send_json("DELETE", path, body)
        except ApiError as e:
            if e.code == 404 and args.ignore_not_found:
                continue
            errors.append(describe_failure(e, session.server) + "\n")
            continue
        if answer.get("kind") != "Status":
            item.uid = (answer.get("metadata") or {}).get("uid", "") or item.uid
        session.say(f"{quoted_name(item.resource, item.name)} {verb}\n")
        deleted.append(item)
    if args.wait == "true" and deleted:
        wait_until_gone(session, deleted, args.timeout or FOREVER)
    # kubectl reports the objects it could not delete after the ones it did.
    session.warn("".join(errors))
    return 1 if errors else 0


def _select(session: Session, args: argparse.Namespace) -> list[Doomed] | None:
    """What to delete; ``None`` when a selection matched nothing (already reported)."""
    if args.filename:
        targets = targets_from_manifests(flags.manifests(session, args), session.discovery)
    elif args.resources:
        targets = parse_targets(args.resources, session.discovery)
    else:
        raise CliError(NO_RESOURCES)
    selecting = bool(args.all or args.selector or args.field_selector)
    doomed: list[Doomed] = []
    for target in targets.items:
        namespace = target.namespace or session.namespace
        if target.names:
            if selecting and not args.filename:
                raise CliError("name cannot be provided when a selector is specified")
            doomed.extend(Doomed(target.resource, namespace, name) for name in target.names)
            continue
        if not selecting:
            raise CliError("resource(s) were provided, but no name was specified")
        scope = None if args.all_namespaces else namespace
        path = object_path(target.resource, scope)
        for item in session.list_items(path, flags.selector_params(args)):
            meta = item.get("metadata") or {}
            doomed.append(Doomed(target.resource, meta.get("namespace") or namespace,
                                 meta.get("name", ""), meta.get("uid", "")))
    if not doomed:
        if not args.ignore_not_found:
            session.warn("No resources found\n")
        return None
    return doomed


def wait_until_gone(session: Session, doomed: list[Doomed], timeout: float,
                    poll: float = 0.2) -> None:
    """Poll each object until the server no longer has it (or has another object by that
    name), as kubectl 1.32 does after a delete."""
    deadline = time.monotonic() + timeout
    for item in doomed:
        path = object_path(item.resource, item.namespace, item.name)
        interval = poll
        while True:
            try:
                current = session.get_json(path)
            except ApiError as e:
                if e.code == 404:
                    break
                raise
            uid = (current.get("metadata") or {}).get("uid", "")
            if item.uid and uid and uid != item.uid:
                break
            if time.monotonic() >= deadline:
                raise CliError(f"timed out waiting for the condition on "
                               f"{item.resource.plural}/{item.name}")
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(interval * 2, 1.0)

"""``observe rollout status|history|undo|restart|pause|resume`` for Deployments.

- ``status`` lists the Deployment by ``metadata.name`` and watches it, printing kubectl's
  progress line on every change until the rollout is complete (or ``--timeout``).
- ``history`` reads the revisions off the ReplicaSets the Deployment controls.
- ``undo`` sends kubectl's JSON patch: the template of the ReplicaSet of the wanted
  revision (its ``pod-template-hash`` label removed) and the annotations rebuilt from it.

The decisions (status message, history rows, rollback patch) are pure functions of the
objects, so they are tested without a server.
"""

from __future__ import annotations

import argparse
import copy
import time
from datetime import UTC, datetime
from typing import Any

from observe.api.meta import rfc3339
from observe.api.registry import ResourceType
from observe.cli import flags
from observe.cli.apply import add_dry_run, dry_run_params, dry_run_suffix
from observe.cli.describers.containers import pod_template_text
from observe.cli.errors import CliError
from observe.cli.resources import display_name, object_path, parse_targets
from observe.cli.selectors import controlled_by, selector_string
from observe.cli.session import Session
from observe.cli.tabwriter import DESCRIBE, align
from observe.client.errors import ApiError

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
TEMPLATE_HASH = "pod-template-hash"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# Deployment annotations a rollback keeps from the Deployment rather than taking from the
# ReplicaSet: they describe the Deployment itself, not the template.
KEPT_ON_ROLLBACK = (
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
ACCEPT = "application/json, */*"


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("rollout", parents=parents,
                              help="manage the rollout of a Deployment")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    status = actions.add_parser("status", parents=parents, help="wait for a rollout")
    _target(status)
    status.add_argument("-w", "--watch", default="true", choices=("true", "false"),
                        nargs="?", const="true", help="keep watching until done")
    status.add_argument("--timeout", type=flags.duration, default=0,
                        help="how long to wait before giving up, e.g. 5m (0: forever)")
    status.add_argument("--revision", type=int, default=0,
                        help="fail unless the rollout is of this revision")
    status.set_defaults(func=run_status)
    history = actions.add_parser("history", parents=parents, help="list revisions")
    _target(history)
    history.add_argument("--revision", type=int, default=0,
                         help="show the pod template of this revision")
    history.set_defaults(func=run_history)
    undo = actions.add_parser("undo", parents=parents, help="roll back to a revision")
    _target(undo)
    undo.add_argument("--to-revision", type=int, default=0,
                      help="the revision to go back to (0: the previous one)")
    add_dry_run(undo)
    undo.set_defaults(func=run_undo)
    for name, func, text in (("restart", run_restart, "restart every pod"),
                             ("pause", run_pause, "stop rolling out template changes"),
                             ("resume", run_resume, "resume rolling out template changes")):
        action = actions.add_parser(name, parents=parents, help=text)
        _target(action)
        action.set_defaults(func=func)


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("resources", nargs="+", metavar="deployment/NAME | deployment NAME")


def _deployment(session: Session, args: argparse.Namespace
                ) -> tuple[ResourceType, dict[str, Any]]:
    targets = parse_targets(args.resources, session.discovery)
    if len(targets.items) != 1 or len(targets.items[0].names) != 1:
        raise CliError("rollout works on exactly one resource, e.g. deployment/web")
    target = targets.items[0]
    if (target.resource.group, target.resource.kind) != ("apps", "Deployment"):
        raise CliError(f"no rollout support has been implemented for "
                       f"{target.resource.kind.lower()}; only deployments are supported")
    path = object_path(target.resource, session.namespace, target.names[0])
    return target.resource, session.get_json(path, accept=ACCEPT)


# --- status ------------------------------------------------------------------------------


def deployment_status(deployment: dict[str, Any]) -> tuple[str, bool]:
    """kubectl's progress line for a Deployment and whether the rollout is complete."""
    name = deployment["metadata"]["name"]
    generation = deployment["metadata"].get("generation", 0)
    status = deployment.get("status") or {}
    if generation > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...\n", False
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and \
                condition.get("reason") == "ProgressDeadlineExceeded":
            raise CliError(f'deployment "{name}" exceeded its progress deadline')
    desired = (deployment.get("spec") or {}).get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    replicas = status.get("replicas", 0)
    available = status.get("availableReplicas", 0)
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < desired:
        return f"{waiting}{updated} out of {desired} new replicas have been updated...\n", False
    if replicas > updated:
        return f"{waiting}{replicas - updated} old replicas are pending termination...\n", False
    if available < updated:
        return f"{waiting}{available} of {updated} updated replicas are available...\n", False
    return f'deployment "{name}" successfully rolled out\n', True


def run_status(session: Session, args: argparse.Namespace) -> int:
    resource, deployment = _deployment(session, args)
    name = deployment["metadata"]["name"]
    if args.revision > 0:
        running = int((deployment["metadata"].get("annotations") or {}).get(REVISION, 0))
        if running != args.revision:
            raise CliError(f"desired revision ({args.revision}) is different from the running "
                           f"revision ({running})")
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    path = object_path(resource, session.namespace)
    selector = {"fieldSelector": f"metadata.name={name}"}
    listed = session.get_json(path, {**selector, "limit": 500, "resourceVersion": "0"})
    version = (listed.get("metadata") or {}).get("resourceVersion", "")
    for item in listed.get("items") or []:
        if _report(session, item, args):
            return 0
    while True:
        params: dict[str, Any] = {**selector, "allowWatchBookmarks": "true",
                                  "resourceVersion": version}
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CliError("timed out waiting for the condition")
            params["timeoutSeconds"] = max(1, int(remaining))
        for event in session.watch(path, params):
            obj = event.get("object") or {}
            kind = event.get("type")
            if kind == "ERROR":
                raise ApiError(obj)
            version = (obj.get("metadata") or {}).get("resourceVersion") or version
            if kind == "DELETED":
                raise CliError("object has been deleted")
            if kind in ("ADDED", "MODIFIED") and _report(session, obj, args):
                return 0


def _report(session: Session, deployment: dict[str, Any], args: argparse.Namespace) -> bool:
    message, done = deployment_status(deployment)
    session.say(message)
    return done or args.watch == "false"


# --- history -----------------------------------------------------------------------------


def _replicasets(session: Session, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The ReplicaSets this Deployment controls."""
    selector = selector_string((deployment.get("spec") or {}).get("selector"))
    namespace = deployment["metadata"].get("namespace") or session.namespace
    body = session.get_json(f"/apis/apps/v1/namespaces/{namespace}/replicasets",
                            {"labelSelector": selector}, accept=ACCEPT)
    return [rs for rs in body.get("items") or [] if controlled_by(rs, deployment)]


def revisions(replicasets: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """revision number -> ReplicaSet, for the ReplicaSets that carry one."""
    out = {}
    for rs in replicasets:
        text = ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION)
        try:
            out[int(text)] = rs
        except (TypeError, ValueError):
            continue
    return out


def history_text(name: str, by_revision: dict[int, dict[str, Any]]) -> str:
    """What ``rollout history`` prints for the Deployment ``name`` (``kind.group/name``)."""
    if not by_revision:
        return f"{name} \nNo rollout history found.\n"
    lines = ["REVISION\tCHANGE-CAUSE"]
    for number in sorted(by_revision):
        annotations = by_revision[number]["metadata"].get("annotations") or {}
        lines.append(f"{number}\t{annotations.get(CHANGE_CAUSE) or '<none>'}")
    table = align("\n".join(lines), DESCRIBE)
    return f"{name} \n{table}\n\n"


def run_history(session: Session, args: argparse.Namespace) -> int:
    resource, deployment = _deployment(session, args)
    by_revision = revisions(_replicasets(session, deployment))
    name = display_name(resource, deployment["metadata"]["name"])
    if args.revision > 0:
        rs = by_revision.get(args.revision)
        if rs is None:
            raise CliError("unable to find the specified revision")
        session.say(f"{name} with revision #{args.revision}\n"
                    f"{pod_template_text(rs['spec']['template'])}\n")
        return 0
    session.say(history_text(name, by_revision))
    return 0


# --- undo --------------------------------------------------------------------------------


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    template = copy.deepcopy(template)
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(TEMPLATE_HASH, None)
    return template


def rollback_patch(deployment: dict[str, Any], replicasets: list[dict[str, Any]],
                   to_revision: int) -> tuple[list[dict[str, Any]] | None, int]:
    """The JSON patch rolling ``deployment`` back, and the revision it goes back to.

    ``None`` means the Deployment already runs that template (kubectl "skips" then).
    """
    name = deployment["metadata"]["name"]
    if (deployment.get("spec") or {}).get("paused"):
        raise CliError("you cannot rollback a paused deployment; resume it first with "
                       f"'kubectl rollout resume deployment/{name}' and try again")
    by_revision = revisions(replicasets)
    if to_revision == 0:
        if len(by_revision) < 2:
            raise CliError(f'no rollout history found for deployment "{name}"')
        to_revision = sorted(by_revision)[-2]
    rs = by_revision.get(to_revision)
    if rs is None:
        raise CliError(f"unable to find specified revision {to_revision} in history")
    template = _without_hash(rs["spec"]["template"])
    if template == _without_hash((deployment.get("spec") or {}).get("template") or {}):
        return None, to_revision
    own = deployment["metadata"].get("annotations") or {}
    annotations = {k: own[k] for k in KEPT_ON_ROLLBACK if k in own}
    for key, value in ((rs.get("metadata") or {}).get("annotations") or {}).items():
        if key not in KEPT_ON_ROLLBACK:
            annotations[key] = value
    return [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ], to_revision


def run_undo(session: Session, args: argparse.Namespace) -> int:
    resource, deployment = _deployment(session, args)
    replicasets = _replicasets(session, deployment)
    patch, revision = rollback_patch(deployment, replicasets, args.to_revision)
    name = display_name(resource, deployment["metadata"]["name"])
    if patch is None:
        session.say(f"{name} skipped rollback (current template already matches revision "
                    f"{revision})\n")
        return 0
    if args.dry_run == "client":
        # kubectl shows the template it would roll back to instead of patching.
        template = revisions(replicasets)[revision]["spec"]["template"]
        session.say(f"{name} {pod_template_text(template)}{dry_run_suffix(args)}\n")
        return 0
    path = object_path(resource, session.namespace, deployment["metadata"]["name"])
    session.send_json("PATCH", path, patch, content_type=JSON_PATCH,
                      params=dry_run_params(args))
    session.say(f"{name} rolled back{dry_run_suffix(args)}\n")
    return 0


# --- restart / pause / resume ------------------------------------------------------------


def _patch_deployment(session: Session, args: argparse.Namespace, patch: dict[str, Any],
                      done: str, unchanged: Any = None) -> int:
    resource, deployment = _deployment(session, args)
    name = deployment["metadata"]["name"]
    if unchanged is not None and unchanged(deployment):
        raise CliError(f'{resource.plural}.{resource.group} "{name}" is already {done}')
    session.send_json("PATCH", object_path(resource, session.namespace, name), patch,
                      content_type=STRATEGIC)
    session.say(f"{display_name(resource, name)} {done}\n")
    return 0


def run_restart(session: Session, args: argparse.Namespace) -> int:
    now = rfc3339(datetime.now(UTC))
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}
    return _patch_deployment(session, args, patch, "restarted")


def run_pause(session: Session, args: argparse.Namespace) -> int:
    return _patch_deployment(session, args, {"spec": {"paused": True}}, "paused",
                             lambda d: bool((d.get("spec") or {}).get("paused")))


def run_resume(session: Session, args: argparse.Namespace) -> int:
    return _patch_deployment(session, args, {"spec": {"paused": None}}, "resumed",
                             lambda d: not (d.get("spec") or {}).get("paused"))

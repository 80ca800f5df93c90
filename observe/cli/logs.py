"""``observe logs POD | TYPE/NAME``: a container's log through ``pods/<name>/log``.

For a workload (``deploy/web``, ``rs/x``, ``sts/x``, ``job/x``, ``svc/x``) kubectl lists the
pods its selector matches, picks the one most worth reading (scheduled, running, ready,
longest ready, most restarted, oldest) and says ``Found 3 pods, using pod/...`` on stderr;
so does this. ``-f`` streams the log until the server ends it.
"""

from __future__ import annotations

import argparse
from typing import Any

from observe.api.meta import parse_time
from observe.cli.errors import CliError
from observe.cli.humanize import parse_duration
from observe.cli.resources import object_path
from observe.cli.selectors import selector_string
from observe.cli.session import Session
from observe.client.errors import ApiError

ACCEPT = "application/json, */*"
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
_PHASE_ORDER = {"Running": 0, "Unknown": 1, "Pending": 2}


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("logs", parents=parents, help="print a container's log")
    p.add_argument("target", metavar="POD | TYPE/NAME")
    p.add_argument("container_arg", nargs="?", metavar="CONTAINER")
    p.add_argument("-c", "--container", default="", help="the container (default: the pod's "
                   "default container)")
    p.add_argument("-f", "--follow", action="store_true", help="stream the log")
    p.add_argument("-p", "--previous", action="store_true",
                   help="the log of the previous, terminated instance of the container")
    p.add_argument("--timestamps", action="store_true", help="prefix lines with timestamps")
    p.add_argument("--tail", type=int, default=-1, help="only the last N lines")
    p.add_argument("--since", default="", help="only lines newer than this, e.g. 5s, 2m, 3h")
    p.add_argument("--since-time", default="", help="only lines after this RFC 3339 time")
    p.add_argument("--limit-bytes", type=int, default=0, help="at most this many bytes")
    p.set_defaults(func=run)


def log_params(args: argparse.Namespace, container: str) -> dict[str, Any]:
    """The query of the log request, as kubectl spells it."""
    if args.since and args.since_time:
        raise CliError("at most one of `sinceTime` or `sinceSeconds` may be specified")
    params: dict[str, Any] = {"container": container}
    if args.follow:
        params["follow"] = "true"
    if args.previous:
        params["previous"] = "true"
    if args.timestamps:
        params["timestamps"] = "true"
    if args.tail >= 0:
        params["tailLines"] = args.tail
    if args.limit_bytes > 0:
        params["limitBytes"] = args.limit_bytes
    if args.since:
        try:
            seconds = parse_duration(args.since)
        except ValueError as e:
            raise CliError(f'invalid argument "{args.since}" for "--since" flag: {e}') from e
        params["sinceSeconds"] = max(1, int(-(-seconds // 1)))
    if args.since_time:
        if parse_time(args.since_time) is None:
            raise CliError(f"--since-time must be RFC3339 (got {args.since_time!r})")
        params["sinceTime"] = args.since_time
    return params


def logging_order(pod: dict[str, Any]) -> tuple[Any, ...]:
    """Sort key putting first the pod kubectl would read the log of."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    is_ready = ready.get("status") == "True"
    ready_since = parse_time(ready.get("lastTransitionTime")) if is_ready else None
    restarts = sum(c.get("restartCount", 0) for c in status.get("containerStatuses") or [])
    created = parse_time((pod.get("metadata") or {}).get("creationTimestamp"))
    return (
        not spec.get("nodeName"),
        _PHASE_ORDER.get(status.get("phase", ""), 3),
        not is_ready,
        ready_since is None, ready_since.timestamp() if ready_since else 0,
        -restarts,
        created is None, created.timestamp() if created else 0,
    )


def pick_container(pod: dict[str, Any], asked: str, warn: Any) -> str:
    if asked:
        return asked
    containers = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    default = ((pod.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CONTAINER)
    if default in containers:
        return default
    if not containers:
        raise CliError(f"pod {pod.get('metadata', {}).get('name', '')} has no containers")
    if len(containers) > 1:
        warn(f'Defaulted container "{containers[0]}" out of: {", ".join(containers)}\n')
    return containers[0]


def run(session: Session, args: argparse.Namespace) -> int:
    pod = find_pod(session, args.target)
    container = pick_container(pod, args.container or args.container_arg or "", session.warn)
    meta = pod.get("metadata") or {}
    path = f"/api/v1/namespaces/{meta.get('namespace') or session.namespace}/pods/" \
           f"{meta.get('name', '')}/log"
    params = log_params(args, container)
    if args.follow:
        for line in session.client.stream_lines("GET", path, params=params, accept=ACCEPT):
            text = line.decode("utf-8", "replace")
            session.say(text if text.endswith("\n") else text + "\n")
        return 0
    response = session.client.request("GET", path, params=params, accept=ACCEPT)
    session.say(response.content.decode("utf-8", "replace"))
    return 0


def find_pod(session: Session, target: str) -> dict[str, Any]:
    """The pod whose log to print: named directly, or chosen among a workload's pods."""
    word, slash, name = target.partition("/")
    if not slash:
        word, name = "pods", target
    resource = session.discovery.resolve(word)
    try:
        obj = session.get_json(object_path(resource, session.namespace, name), accept=ACCEPT)
    except ApiError as e:
        if e.code != 404:
            raise
        raise CliError(f"error from server (NotFound): {e.message} in namespace "
                       f'"{session.namespace}"') from e
    if resource.group == "" and resource.kind == "Pod":
        return obj
    spec = obj.get("spec") or {}
    selector = selector_string(spec.get("selector"))
    if not selector:
        raise CliError(f"cannot get the logs of {resource.plural}/{name}: it selects no pods")
    pods = session.list_items(f"/api/v1/namespaces/{session.namespace}/pods",
                              {"labelSelector": selector})
    if not pods:
        # kubectl waits --pod-running-timeout for a pod to appear, then says this.
        raise CliError("timed out waiting for the condition")
    pods.sort(key=logging_order)
    chosen = pods[0]
    if len(pods) > 1:
        session.warn(f"Found {len(pods)} pods, using pod/{chosen['metadata']['name']}\n")
    return chosen

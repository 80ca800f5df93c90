"""``observe describe TYPE [NAME-PREFIX] | TYPE/NAME | -f FILE``: readable descriptions.

Like kubectl: each object is fetched, its events are listed with
``fieldSelector=involvedObject.name=..,involvedObject.namespace=..,involvedObject.uid=..``,
and a kind-specific describer (:mod:`observe.cli.describers`) lays it out; other kinds get
the generic field-by-field description. A name that matches nothing exactly describes every
object whose name starts with it; no name describes them all.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from observe.api.registry import ResourceType
from observe.cli import flags
from observe.cli.describers import config, generic, namespaces, nodes, pods, services, workloads
from observe.cli.errors import CliError, describe_failure
from observe.cli.resources import Target, object_path, parse_targets, targets_from_manifests
from observe.cli.session import Session
from observe.client.errors import ApiError

Render = Callable[[dict[str, Any], dict[str, Any], datetime | None], str]
Fetch = Callable[[Session, dict[str, Any]], dict[str, Any]]


def _nothing(session: Session, obj: dict[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Describer:
    render: Render
    fetch: Fetch = _nothing


DESCRIBERS: dict[tuple[str, str], Describer] = {
    ("", "Pod"): Describer(pods.render),
    ("", "Service"): Describer(services.render, services.fetch),
    ("", "Node"): Describer(nodes.render, nodes.fetch),
    ("", "Namespace"): Describer(namespaces.render),
    ("", "ConfigMap"): Describer(config.render_configmap),
    ("", "Secret"): Describer(config.render_secret),
    ("apps", "Deployment"): Describer(workloads.render_deployment, workloads.fetch_deployment),
    ("apps", "ReplicaSet"): Describer(workloads.render_replicaset, workloads.fetch_replicaset),
}
GENERIC = Describer(generic.render)
# kubectl shows no events for these.
WITHOUT_EVENTS = {("", "Namespace"), ("", "Secret")}


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("describe", parents=parents,
                              help="show details of objects, with their events")
    p.add_argument("resources", nargs="*", metavar="TYPE [NAME-PREFIX] | TYPE/NAME")
    flags.add_filename(p, "describe")
    flags.add_selectors(p, fields=False)
    flags.add_all_namespaces(p)
    p.add_argument("--show-events", default="true", choices=("true", "false"),
                   help="list the objects' events (default true)")
    p.set_defaults(func=run)


def event_selector(obj: dict[str, Any], resource: ResourceType) -> tuple[str, str]:
    """(events path, field selector) for the events about ``obj``."""
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    if resource.namespaced:
        namespace = meta.get("namespace", "")
        parts = [f"involvedObject.name={name}", f"involvedObject.namespace={namespace}"]
        if meta.get("uid"):
            parts.append(f"involvedObject.uid={meta['uid']}")
        return f"/api/v1/namespaces/{namespace}/events", ",".join(parts)
    # Node events carry the node name as uid and live in "default": search everywhere.
    return "/api/v1/events", f"involvedObject.kind={resource.kind},involvedObject.name={name}"


def events_for(session: Session, obj: dict[str, Any], resource: ResourceType
               ) -> list[dict[str, Any]] | None:
    path, selector = event_selector(obj, resource)
    try:
        return session.list_items(path, {"fieldSelector": selector})
    except ApiError:
        return None


def describe_object(session: Session, resource: ResourceType, obj: dict[str, Any],
                    show_events: bool = True) -> str:
    describer = DESCRIBERS.get((resource.group, resource.kind), GENERIC)
    related = describer.fetch(session, obj)
    if show_events and (resource.group, resource.kind) not in WITHOUT_EVENTS:
        related["events"] = events_for(session, obj, resource)
    return describer.render(obj, related, None)


def run(session: Session, args: argparse.Namespace) -> int:
    if args.filename:
        targets = targets_from_manifests(flags.manifests(session, args), session.discovery)
    elif args.resources:
        targets = parse_targets(args.resources, session.discovery)
    else:
        raise CliError("You must specify the type of resource to describe. Use \"kubectl "
                       "api-resources\" for a complete list of supported resources.")
    texts: list[str] = []
    failed = False
    for target in targets.items:
        try:
            objects = _objects(session, args, target)
        except ApiError as e:
            session.warn(describe_failure(e, session.server) + "\n")
            failed = True
            continue
        texts.extend(describe_object(session, target.resource, obj,
                                     args.show_events == "true") for obj in objects)
    if texts:
        session.say("\n\n".join(texts))
    elif not failed:
        namespace = "" if args.all_namespaces else f" in {session.namespace} namespace"
        session.warn(f"No resources found{namespace}.\n")
    return 1 if failed else 0


def _objects(session: Session, args: argparse.Namespace, target: Target
             ) -> list[dict[str, Any]]:
    namespace = target.namespace or session.namespace
    if not target.names:
        scope = None if args.all_namespaces else namespace
        params = {"labelSelector": args.selector} if args.selector else {}
        return session.list_items(object_path(target.resource, scope), params)
    found = []
    for name in target.names:
        try:
            found.append(session.get_json(object_path(target.resource, namespace, name)))
        except ApiError as e:
            if e.code != 404:
                raise
            # kubectl describes every object whose name starts with the given one.
            prefixed = [item for item in session.list_items(
                object_path(target.resource, namespace))
                if (item.get("metadata") or {}).get("name", "").startswith(name)]
            if not prefixed:
                raise
            found.extend(prefixed)
    return found

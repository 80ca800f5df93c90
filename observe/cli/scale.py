"""``observe scale TYPE/NAME --replicas=N``: set replicas through the ``scale`` subresource.

As kubectl: ``GET`` the object (it must exist; ``--current-replicas`` is checked against
it), then ``PATCH <resource>/scale`` with the merge patch ``{"spec":{"replicas":N}}``, and
print ``deployment.apps/web scaled``.
"""

from __future__ import annotations

import argparse
from typing import Any

from observe.cli import flags
from observe.cli.errors import CliError, describe_failure
from observe.cli.resources import (
    Target,
    display_name,
    object_path,
    parse_targets,
    targets_from_manifests,
)
from observe.cli.session import Session
from observe.client.errors import ApiError

MERGE = "application/merge-patch+json"


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("scale", parents=parents,
                              help="set the number of replicas of a workload")
    p.add_argument("resources", nargs="*", metavar="TYPE NAME | TYPE/NAME")
    flags.add_filename(p, "scale")
    p.add_argument("--replicas", type=int, default=None, help="the new number of replicas")
    p.add_argument("--current-replicas", type=int, default=-1,
                   help="only scale if the object has this many replicas now")
    p.set_defaults(func=run)


def run(session: Session, args: argparse.Namespace) -> int:
    if args.replicas is None:
        raise CliError('required flag(s) "replicas" not set')
    if args.replicas < 0:
        raise CliError("The --replicas=COUNT flag is required, and COUNT must be greater than "
                       "or equal to 0")
    if args.filename:
        targets = targets_from_manifests(flags.manifests(session, args), session.discovery)
    elif args.resources:
        targets = parse_targets(args.resources, session.discovery)
    else:
        raise CliError("You must provide one or more resources by argument or filename.")
    failed = False
    for target in targets.items:
        if not target.names:
            raise CliError("resource(s) were provided, but no name was specified")
        if target.resource.subresource("scale") is None:
            raise CliError(f"no scaler has been implemented for {target.resource.plural}")
        for name in target.names:
            try:
                scale_one(session, args, target, name)
            except ApiError as e:
                session.warn(describe_failure(e, session.server) + "\n")
                failed = True
                continue
            session.say(f"{display_name(target.resource, name)} scaled\n")
    return 1 if failed else 0


def scale_one(session: Session, args: argparse.Namespace, target: Target, name: str) -> None:
    namespace = target.namespace or session.namespace
    try:
        current = session.get_json(object_path(target.resource, namespace, name))
    except ApiError as e:
        if e.code != 404:
            raise
        raise CliError(f"no objects passed to scale {e.message}") from e
    if args.current_replicas >= 0:
        replicas = (current.get("spec") or {}).get("replicas", 1)
        if replicas != args.current_replicas:
            raise CliError(f"Expected replicas to be {args.current_replicas}, was {replicas}")
    session.send_json("PATCH", object_path(target.resource, namespace, name, "scale"),
                      {"spec": {"replicas": args.replicas}}, content_type=MERGE)

"""``observe create -f``: POST each object of the files, as ``kubectl create -f`` does.

Unlike ``apply`` it never reads or patches what exists: a second create of the same object
is the server's ``AlreadyExists``, reported as
``Error from server (AlreadyExists): error when creating "svc.yaml": ...``.
``create namespace NAME`` covers the one imperative form scripts use most.
"""

from __future__ import annotations

import argparse
from typing import Any

from observe.cli import flags
from observe.cli.apply import add_dry_run, dry_run_params, dry_run_suffix
from observe.cli.errors import CliError, describe_failure
from observe.cli.manifests import Manifest
from observe.cli.resources import display_name, object_path, placed, resource_for
from observe.cli.session import Session
from observe.client.errors import ApiError

FIELD_MANAGER = "kubectl-create"


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("create", parents=parents, help="create objects from files")
    p.add_argument("what", nargs="*", metavar="namespace NAME",
                   help="create a namespace by name instead of from files")
    flags.add_filename(p, "create")
    add_dry_run(p)
    p.set_defaults(func=run)


def run(session: Session, args: argparse.Namespace) -> int:
    if args.what:
        return _create_namespace(session, args)
    if not args.filename:
        raise CliError("must specify one of -f and -k")
    failed = False
    for manifest in flags.manifests(session, args):
        try:
            line = create_one(session, args, manifest)
        except ApiError as e:
            session.warn(describe_failure(
                e, session.server, f'error when creating "{manifest.source}": ') + "\n")
            failed = True
            continue
        except CliError as e:
            session.warn(describe_failure(e, session.server) + "\n")
            failed = True
            continue
        session.say(line + dry_run_suffix(args) + "\n")
    return 1 if failed else 0


def create_one(session: Session, args: argparse.Namespace, manifest: Manifest) -> str:
    resource = resource_for(manifest, session.discovery)
    obj, namespace = placed(manifest, resource, session.namespace, session.namespace_explicit)
    if args.dry_run != "client":
        session.send_json("POST", object_path(resource, namespace), obj,
                          params={"fieldManager": FIELD_MANAGER, **dry_run_params(args)})
    return f"{display_name(resource, obj['metadata']['name'])} created"


def _create_namespace(session: Session, args: argparse.Namespace) -> int:
    if args.what[0] not in ("namespace", "ns") or len(args.what) != 2:
        raise CliError("only 'create namespace NAME' and 'create -f FILE' are supported")
    name = args.what[1]
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    if args.dry_run != "client":
        session.send_json("POST", "/api/v1/namespaces", obj,
                          params={"fieldManager": FIELD_MANAGER, **dry_run_params(args)})
    session.say(f"namespace/{name} created{dry_run_suffix(args)}\n")
    return 0

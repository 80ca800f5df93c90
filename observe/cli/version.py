"""``observe version``: this CLI's version and the server's ``/version``."""

from __future__ import annotations

import argparse
from typing import Any

from observe import KUBERNETES_VERSION, __version__
from observe.cli.encoding import indented_json, to_yaml
from observe.cli.session import Session


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("version", parents=parents,
                              help="print the client and server versions")
    p.add_argument("--client", action="store_true", help="the client version only")
    p.add_argument("-o", "--output", default="", choices=("", "json", "yaml"),
                   help="json or yaml")
    p.set_defaults(func=run, needs_server=False)


def client_version() -> dict[str, str]:
    major, minor, _ = KUBERNETES_VERSION.lstrip("v").split(".", 2)
    return {"major": major, "minor": minor, "gitVersion": KUBERNETES_VERSION,
            "observeVersion": __version__}


def run(session: Session, args: argparse.Namespace) -> int:
    info: dict[str, Any] = {"clientVersion": client_version()}
    # The client line goes out before the server is asked, so it shows even when the
    # server cannot be reached.
    if not args.output:
        session.say(f"Client Version: {KUBERNETES_VERSION} (observe {__version__})\n")
    if not args.client:
        info["serverVersion"] = session.get_json("/version", accept="application/json, */*")
        if not args.output:
            session.say(f"Server Version: {info['serverVersion'].get('gitVersion', '')}\n")
    if args.output == "json":
        session.say(indented_json(info))
    elif args.output == "yaml":
        session.say(to_yaml(info))
    return 0

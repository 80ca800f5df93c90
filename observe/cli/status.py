"""``observe status``: where every component of the local cluster listens, its pid and
whether it is healthy right now (its health URL is probed, not remembered).

    observe status [-o json|yaml] [--data-dir DIR]

``-o json`` prints ``{"components": {NAME: {"url", "pid", "healthy", "restarts", "log"}},
"phase", "supervisor", "dataDir", "kubeconfig"}``. Exit code 0 whenever there is a
cluster to report on (healthy or not), 1 when there is none.
"""

from __future__ import annotations

import argparse
from typing import Any

from observe.cli.datadir import add_data_dir, layout_of
from observe.cli.encoding import indented_json, to_yaml
from observe.cli.errors import CliError
from observe.cli.session import Session
from observe.cli.tabwriter import align
from observe.supervisor import control


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("status", parents=parents,
                              help="show the local cluster's components and their health")
    p.add_argument("-o", "--output", default="", choices=("", "json", "yaml"),
                   help="json or yaml")
    add_data_dir(p)
    p.set_defaults(func=run)


def run(session: Session, args: argparse.Namespace) -> int:
    try:
        report = control.report(layout_of(args))
    except control.ControlError as e:
        raise CliError(str(e)) from e
    if args.output == "json":
        session.say(indented_json(report))
    elif args.output == "yaml":
        session.say(to_yaml(report))
    else:
        session.say(table(report))
    return 0


def table(report: dict[str, Any]) -> str:
    supervisor = report["supervisor"]
    who = f"supervisor pid {supervisor['pid']}" if supervisor["running"] else "no supervisor"
    rows = ["NAME\tURL\tPID\tHEALTHY\tRESTARTS"]
    for name, c in report["components"].items():
        rows.append(f"{name}\t{c['url']}\t{c['pid'] or '<none>'}\t"
                    f"{'true' if c['healthy'] else 'false'}\t{c['restarts']}")
    return (f"observe in {report['dataDir']}: {report['phase']} ({who})\n"
            + align("\n".join(rows) + "\n"))

"""``observe api-resources``: the resource types the server serves, from discovery.

``NAME SHORTNAMES APIVERSION NAMESPACED KIND`` (``-o wide`` adds VERBS and CATEGORIES,
``-o name`` prints ``deployments.apps``), sorted like kubectl: by group, core first, then by
name, preferred versions only.
"""

from __future__ import annotations

import argparse
from typing import Any

from observe.api.registry import ResourceType
from observe.cli.session import Session
from observe.cli.tabwriter import align


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("api-resources", parents=parents,
                              help="list the resource types the server serves")
    p.add_argument("-o", "--output", default="", choices=("", "wide", "name"),
                   help="wide or name")
    p.add_argument("--namespaced", choices=("true", "false"), default=None,
                   help="only namespaced (true) or cluster-scoped (false) types")
    p.add_argument("--api-group", default=None, help="only this group ('' for core)")
    p.add_argument("--verbs", default="", help="only types supporting all these verbs (a,b)")
    p.add_argument("--sort-by", default="", choices=("", "name", "kind"),
                   help="sort by name or kind instead of group")
    p.add_argument("--no-headers", action="store_true", help="omit the header row")
    p.set_defaults(func=run)


def select(resources: list[ResourceType], args: argparse.Namespace) -> list[ResourceType]:
    wanted_verbs = {v for v in args.verbs.split(",") if v}
    chosen = [
        r for r in resources
        if (args.namespaced is None or r.namespaced == (args.namespaced == "true"))
        and (args.api_group is None or r.group == args.api_group)
        and wanted_verbs <= set(r.verbs)
    ]

    def sort_key(r: ResourceType) -> tuple[str, str]:
        first = {"name": r.plural, "kind": r.kind}.get(args.sort_by, r.group)
        return first, r.plural

    return sorted(chosen, key=sort_key)


def render(resources: list[ResourceType], output: str, no_headers: bool) -> str:
    if output == "name":
        return "".join(f"{r.plural}.{r.group}\n" if r.group else f"{r.plural}\n"
                       for r in resources)
    header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    if output == "wide":
        header += ["VERBS", "CATEGORIES"]
    rows = [] if no_headers else [header]
    for r in resources:
        row = [r.plural, ",".join(r.short_names), r.group_version,
               "true" if r.namespaced else "false", r.kind]
        if output == "wide":
            row += [",".join(r.verbs), ",".join(r.categories)]
        rows.append(row)
    if not rows:
        return ""
    return align("\n".join("\t".join(row) for row in rows)) + "\n"


def run(session: Session, args: argparse.Namespace) -> int:
    resources = select([s.resource for s in session.discovery.served if s.preferred], args)
    session.say(render(resources, args.output, args.no_headers))
    return 0

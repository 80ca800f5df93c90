"""``observe get``: list or fetch objects and print them as kubectl does.

Human-readable output asks the server for Tables (one request per type and page, or per
name) and prints them with :mod:`observe.cli.printers`; ``-o json|yaml|name|jsonpath`` asks
for plain objects. ``-w`` prints the current list, then one row per watch event under the
same header, the server sending each event's object as a one-row Table.
"""

from __future__ import annotations

import argparse
from typing import Any

from observe.api.registry import ResourceType
from observe.cli import flags
from observe.cli.errors import CliError, describe_failure
from observe.cli.printers import (
    TABLE_ACCEPT,
    OutputError,
    OutputFormat,
    TableOptions,
    as_table,
    is_table,
    kind_prefix,
    metadata_table,
    parse_output,
    render_objects,
    render_table,
    table_lines,
)
from observe.cli.resources import (
    Target,
    Targets,
    object_path,
    parse_targets,
    targets_from_manifests,
)
from observe.cli.session import Session
from observe.cli.tabwriter import ColumnMemory
from observe.client.errors import ApiError

JSON = "application/json"
NO_TYPE = (
    'You must specify the type of resource to get. Use "kubectl api-resources" for a '
    "complete list of supported resources.\n\nerror: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource '
    "(e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n"
)


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("get", parents=parents, help="display one or many resources")
    p.add_argument("resources", nargs="*", metavar="TYPE[,TYPE...] [NAME...] | TYPE/NAME...")
    p.add_argument("-o", "--output", default="", help="json|yaml|name|wide|jsonpath=TEMPLATE")
    flags.add_selectors(p)
    flags.add_all_namespaces(p)
    flags.add_filename(p, "get")
    p.add_argument("-w", "--watch", action="store_true",
                   help="after listing, watch for changes")
    p.add_argument("--watch-only", action="store_true",
                   help="watch for changes without listing first")
    p.add_argument("--show-labels", action="store_true", help="add a LABELS column")
    p.add_argument("-L", "--label-columns", action="append", default=[],
                   help="add a column with the value of this label (repeatable, or a,b)")
    p.add_argument("--show-kind", action="store_true", help="prefix names with their type")
    p.add_argument("--no-headers", action="store_true", help="omit the header row")
    p.add_argument("--ignore-not-found", action="store_true",
                   help="treat names that do not exist as an empty result")
    p.add_argument("--chunk-size", type=int, default=500,
                   help="list in pages of this many objects (0: one request)")
    p.set_defaults(func=run)


def run(session: Session, args: argparse.Namespace) -> int:
    try:
        fmt = parse_output(args.output)
    except OutputError as e:
        raise CliError(str(e)) from e
    if args.filename:
        targets = targets_from_manifests(flags.manifests(session, args), session.discovery)
    elif not args.resources:
        session.warn(NO_TYPE)
        return 1
    else:
        targets = parse_targets(args.resources, session.discovery)
    if args.watch or args.watch_only:
        return _watch(session, args, targets, fmt)
    if fmt.is_table:
        return _print_tables(session, args, targets, fmt)
    return _print_objects(session, args, targets, fmt)


def _namespace(session: Session, args: argparse.Namespace, target: Target) -> str | None:
    if not target.resource.namespaced:
        return None
    if target.namespace:
        return target.namespace
    if args.all_namespaces and not target.names:
        return None
    return session.namespace


def _table_options(args: argparse.Namespace, fmt: OutputFormat, resource: ResourceType
                   ) -> TableOptions:
    label_columns = tuple(key for value in args.label_columns for key in value.split(",")
                          if key)
    return TableOptions(
        wide=fmt.kind == "wide",
        no_headers=args.no_headers,
        show_labels=args.show_labels,
        label_columns=label_columns,
        namespace_column=args.all_namespaces and resource.namespaced,
    )


def _prefix(args: argparse.Namespace, targets: Targets, resource: ResourceType) -> str:
    if args.show_kind or targets.category or targets.several_types:
        return kind_prefix(resource.kind, resource.group)
    return ""


def _fetch(session: Session, args: argparse.Namespace, target: Target, accept: str
           ) -> tuple[list[dict[str, Any]], list[str]]:
    """The response bodies for one target (one per name, or one per page) and the error
    lines of names that failed, which kubectl prints after the output."""
    namespace = _namespace(session, args, target)
    bodies: list[dict[str, Any]] = []
    errors: list[str] = []
    if not target.names:
        path = object_path(target.resource, namespace)
        bodies.extend(session.list_pages(path, flags.selector_params(args), accept,
                                         args.chunk_size))
        return bodies, errors
    for name in target.names:
        try:
            bodies.append(session.get_json(object_path(target.resource, namespace, name),
                                           accept=accept))
        except ApiError as e:
            if e.code == 404 and args.ignore_not_found:
                continue
            errors.append(describe_failure(e, session.server) + "\n")
    return bodies, errors


def _merge_tables(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    tables = [as_table(body) for body in bodies]
    if not tables:
        return metadata_table([])
    merged = dict(tables[0])
    merged["rows"] = [row for table in tables for row in table.get("rows") or []]
    return merged


def _print_tables(session: Session, args: argparse.Namespace, targets: Targets,
                  fmt: OutputFormat) -> int:
    chunks: list[str] = []
    errors: list[str] = []
    for target in targets.items:
        bodies, failed = _fetch(session, args, target, TABLE_ACCEPT)
        errors.extend(failed)
        table = _merge_tables(bodies)
        text = render_table(table, _table_options(args, fmt, target.resource),
                            _prefix(args, targets, target.resource))
        if text:
            chunks.append(text)
    # Tables of different types are set apart by a blank line, unless headers are off.
    session.say(("" if args.no_headers else "\n").join(chunks))
    session.warn("".join(errors))
    if not chunks and not errors and not args.ignore_not_found:
        _nothing_found(session, args, targets)
    return 1 if errors else 0


def _nothing_found(session: Session, args: argparse.Namespace, targets: Targets) -> None:
    namespaced = not args.all_namespaces and all(t.resource.namespaced for t in targets.items)
    if namespaced:
        namespace = next((t.namespace for t in targets.items if t.namespace),
                         session.namespace)
        session.warn(f"No resources found in {namespace} namespace.\n")
    else:
        session.warn("No resources found\n")


def _typed(item: dict[str, Any], resource: ResourceType) -> dict[str, Any]:
    """List items come without apiVersion/kind; kubectl prints them with both."""
    if item.get("kind") and item.get("apiVersion"):
        return item
    return {"apiVersion": resource.group_version, "kind": resource.kind, **item}


def _print_objects(session: Session, args: argparse.Namespace, targets: Targets,
                   fmt: OutputFormat) -> int:
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    listed = False
    for target in targets.items:
        bodies, failed = _fetch(session, args, target, JSON)
        errors.extend(failed)
        listed = listed or not target.names
        for body in bodies:
            if isinstance(body.get("items"), list):
                items.extend(_typed(item, target.resource) for item in body["items"])
            else:
                items.append(_typed(body, target.resource))
    if not items and errors:
        session.warn("".join(errors))
        return 1
    single = not listed and sum(len(t.names) for t in targets.items) == 1
    if not items and fmt.kind == "name":
        if not args.ignore_not_found:
            _nothing_found(session, args, targets)
        return 0
    try:
        session.say(render_objects(items, fmt, single))
    except ValueError as e:
        raise CliError(f"error executing template: {e}") from e
    session.warn("".join(errors))
    return 1 if errors else 0


# --- watch -------------------------------------------------------------------------------


def _watch(session: Session, args: argparse.Namespace, targets: Targets, fmt: OutputFormat
           ) -> int:
    found = sum(max(len(t.names), 1) for t in targets.items)
    if len(targets.items) != 1 or found != 1:
        raise CliError("watch is only supported on individual resources and resource "
                       f"collections, but {found} resources were found")
    target = targets.items[0]
    namespace = _namespace(session, args, target)
    path = object_path(target.resource, namespace)
    params = flags.selector_params(args)
    if target.names:
        by_name = f"metadata.name={target.names[0]}"
        params["fieldSelector"] = ",".join(filter(None, [params.get("fieldSelector"),
                                                         by_name]))
    printer = _WatchPrinter(session, fmt, _table_options(args, fmt, target.resource),
                            _prefix(args, targets, target.resource), target.resource)
    accept = TABLE_ACCEPT if fmt.is_table else JSON
    pages = list(session.list_pages(path, params, accept, args.chunk_size))
    version = (pages[-1].get("metadata") or {}).get("resourceVersion", "") if pages else ""
    if not args.watch_only:
        for page in pages:
            printer.initial(page)
    watch_params: dict[str, Any] = dict(params)
    if args.request_timeout:
        watch_params["timeoutSeconds"] = max(1, int(args.request_timeout))
    while True:
        for event in session.watch(path, {**watch_params, "resourceVersion": version},
                                   accept):
            kind = event.get("type")
            obj = event.get("object") or {}
            if kind == "ERROR":
                session.warn(describe_failure(ApiError(obj), session.server) + "\n")
                return 1
            version = _event_version(obj) or version
            if kind != "BOOKMARK":
                printer.event(obj)
        if args.request_timeout:
            return 0
        # The server ends every watch after a while; carry on from the last version seen.


def _event_version(obj: dict[str, Any]) -> str:
    if is_table(obj):
        rows = obj.get("rows") or []
        if rows:
            return ((rows[-1].get("object") or {}).get("metadata") or {}).get(
                "resourceVersion", "")
    return (obj.get("metadata") or {}).get("resourceVersion", "")


class _WatchPrinter:
    """Prints the initial list and then each event, one header for the whole stream."""

    def __init__(self, session: Session, fmt: OutputFormat, options: TableOptions,
                 prefix: str, resource: ResourceType) -> None:
        self._session = session
        self._fmt = fmt
        self._options = options
        self._prefix = prefix
        self._resource = resource
        self._memory = ColumnMemory()
        self._columns: list[Any] | None = None

    def initial(self, body: dict[str, Any]) -> None:
        if self._fmt.is_table:
            self._rows(as_table(body))
        else:
            for item in body.get("items") or []:
                self._object(_typed(item, self._resource))

    def event(self, obj: dict[str, Any]) -> None:
        if self._fmt.is_table:
            self._rows(as_table(obj))
        else:
            self._object(_typed(obj, self._resource))

    def _rows(self, table: dict[str, Any]) -> None:
        if not table.get("rows"):
            return
        columns = table.get("columnDefinitions")
        header = columns != self._columns
        self._columns = columns
        lines = table_lines(table, self._options, self._prefix, header=header)
        self._session.say("".join(line + "\n" for line in self._memory.format(lines)))

    def _object(self, obj: dict[str, Any]) -> None:
        text = render_objects([obj], self._fmt, single=True)
        if self._fmt.kind == "yaml":
            text = "---\n" + text
        self._session.say(text)

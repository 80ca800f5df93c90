"""Rendering what the API returned: server-side Tables, and objects as yaml/json/name/jsonpath.

``get`` asks the server for a ``meta.k8s.io/v1 Table`` and this module decorates it the way
kubectl does (upper-cased headers, ``-o wide`` priority columns, a NAMESPACE column for
``-A``, LABELS for ``--show-labels``, ``kind/`` prefixes when several types are printed) and
aligns it through :mod:`observe.cli.tabwriter`. A server that answers a plain list instead
gets kubectl's fallback: ``NAME AGE`` from the objects' metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from observe.cli import jsonpath
from observe.cli.encoding import indented_json, to_yaml
from observe.cli.humanize import age
from observe.cli.tabwriter import align

TABLE_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
OBJECT_FORMATS = ("json", "yaml", "name")


@dataclass(frozen=True)
class TableOptions:
    """How a Table is decorated; one per ``get`` invocation."""

    wide: bool = False
    no_headers: bool = False
    show_labels: bool = False
    label_columns: tuple[str, ...] = ()
    namespace_column: bool = False


@dataclass(frozen=True)
class OutputFormat:
    """``-o``: ``kind`` is ``table``, ``wide``, ``json``, ``yaml``, ``name`` or ``jsonpath``."""

    kind: str = "table"
    template: str = ""

    @property
    def is_table(self) -> bool:
        return self.kind in ("table", "wide")


class OutputError(ValueError):
    """``-o`` names a format we cannot print."""


def parse_output(value: str | None) -> OutputFormat:
    if not value:
        return OutputFormat()
    if value in ("wide", *OBJECT_FORMATS):
        return OutputFormat(value)
    kind, sep, template = value.partition("=")
    if kind == "jsonpath" and sep:
        if not template:
            raise OutputError("template format specified but no template given")
        return OutputFormat("jsonpath", template)
    raise OutputError(
        f'unable to match a printer suitable for the output format "{value}", allowed '
        'formats are: json,jsonpath,name,wide,yaml'
    )


def kind_prefix(kind: str, group: str) -> str:
    """``deployment.apps`` / ``pod``: how kubectl names a type in ``kind/name`` output."""
    return f"{kind.lower()}.{group}" if group else kind.lower()


def _cell_text(value: Any) -> str:
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _labels_text(labels: dict[str, str] | None) -> str:
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def table_lines(
    table: dict[str, Any], options: TableOptions, prefix: str = "", header: bool = True
) -> list[list[str]]:
    """The cells kubectl would print for ``table``: an optional header row, then one row per
    table row, each a list of strings (not yet aligned)."""
    columns = [(i, c) for i, c in enumerate(table.get("columnDefinitions") or [])
               if options.wide or not c.get("priority")]
    name_index = next((i for i, c in columns if c.get("format") == "name"), 0)
    out: list[list[str]] = []
    if header and not options.no_headers:
        names = [str(c.get("name", "")).upper() for _, c in columns]
        if options.namespace_column:
            names.insert(0, "NAMESPACE")
        names += [key.upper() for key in options.label_columns]
        if options.show_labels:
            names.append("LABELS")
        out.append(names)
    for row in table.get("rows") or []:
        cells = row.get("cells") or []
        meta = (row.get("object") or {}).get("metadata") or {}
        texts = []
        for i, _ in columns:
            text = _cell_text(cells[i]) if i < len(cells) else ""
            if prefix and i == name_index:
                text = f"{prefix}/{text}"
            texts.append(text)
        if options.namespace_column:
            texts.insert(0, meta.get("namespace") or "")
        labels = meta.get("labels") or {}
        texts += [labels.get(key, "") for key in options.label_columns]
        if options.show_labels:
            texts.append(_labels_text(labels))
        out.append(texts)
    return out


def render_table(table: dict[str, Any], options: TableOptions, prefix: str = "") -> str:
    """The aligned text of a Table, ending in a newline; empty when it has no rows."""
    if not table.get("rows"):
        return ""
    lines = table_lines(table, options, prefix)
    return align("\n".join("\t".join(cells) for cells in lines)) + "\n"


def metadata_table(items: Iterable[dict[str, Any]], now: datetime | None = None
                   ) -> dict[str, Any]:
    """The Table kubectl builds itself when the server sends objects instead of a Table:
    only NAME and AGE, read from metadata."""
    rows = []
    for item in items:
        meta = item.get("metadata") or {}
        rows.append({
            "cells": [meta.get("name", ""), age(meta.get("creationTimestamp"), now)],
            "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                       "metadata": meta},
        })
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "priority": 0},
        ],
        "rows": rows,
    }


def is_table(body: Any) -> bool:
    return isinstance(body, dict) and body.get("kind") == "Table"


def as_table(body: dict[str, Any]) -> dict[str, Any]:
    """A Table for whatever the server answered: the Table itself, or the fallback built
    from a list or a single object."""
    if is_table(body):
        return body
    if isinstance(body.get("items"), list):
        return metadata_table(body["items"])
    return metadata_table([body])


def list_of(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``kind: List`` wrapper kubectl prints for several objects."""
    return {"apiVersion": "v1", "items": items, "kind": "List",
            "metadata": {"resourceVersion": ""}}


def name_line(obj: dict[str, Any], group: str | None = None) -> str:
    """``deployment.apps/web``: the ``-o name`` form of an object."""
    if group is None:
        group = (obj.get("apiVersion") or "").rpartition("/")[0]
    name = (obj.get("metadata") or {}).get("name", "")
    return f"{kind_prefix(obj.get('kind', ''), group)}/{name}"


def render_objects(items: list[dict[str, Any]], fmt: OutputFormat, single: bool) -> str:
    """``items`` in an object format; ``single`` prints one object bare instead of a List."""
    if fmt.kind == "name":
        return "".join(name_line(item) + "\n" for item in items)
    data: Any = items[0] if single and len(items) == 1 else list_of(items)
    if fmt.kind == "json":
        return indented_json(data)
    if fmt.kind == "yaml":
        return to_yaml(data)
    if fmt.kind == "jsonpath":
        return jsonpath.render(fmt.template, data)
    raise OutputError(f"cannot print objects as {fmt.kind!r}")

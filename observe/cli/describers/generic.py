"""``describe`` for kinds without a describer of their own: identity, then every other field
of the object, nested and labelled the way kubectl labels them (``Creation Timestamp:``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.cli.describers.writer import Writer, annotations, events, labels, meta, smart_label

SKIPPED = {("metadata", "managedFields"), ("metadata", "name"), ("metadata", "namespace"),
           ("metadata", "labels"), ("metadata", "annotations")}


def render(obj: dict[str, Any], related: dict[str, Any], now: datetime | None = None) -> str:
    w = Writer()
    m = meta(obj)
    w.line(0, f"Name:\t{m.get('name', '')}")
    w.line(0, f"Namespace:\t{m.get('namespace', '')}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))
    _fields(w, 0, obj, ())
    events(w, related.get("events"), now)
    return w.text()


def _fields(w: Writer, level: int, value: dict[str, Any], path: tuple[str, ...]) -> None:
    for key in sorted(value):
        child_path = (*path, key)
        if child_path in SKIPPED:
            continue
        child = value[key]
        label = smart_label(key)
        if isinstance(child, dict):
            if child:
                w.line(level, f"{label}:")
                _fields(w, level + 1, child, child_path)
        elif isinstance(child, list):
            w.line(level, f"{label}:")
            for item in child:
                if isinstance(item, dict):
                    _fields(w, level + 1, item, child_path)
                else:
                    w.line(level + 1, str(item))
        else:
            w.line(level, f"{label}:\t{_scalar(child)}")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "<nil>" if value is None else str(value)

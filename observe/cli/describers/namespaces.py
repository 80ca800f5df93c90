"""``describe namespace``: identity and phase."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.cli.describers.writer import Writer, annotations, labels, meta


def render(namespace: dict[str, Any], related: dict[str, Any],
           now: datetime | None = None) -> str:
    w = Writer()
    m = meta(namespace)
    w.line(0, f"Name:\t{m.get('name', '')}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))
    w.line(0, f"Status:\t{(namespace.get('status') or {}).get('phase', '')}")
    return w.text()

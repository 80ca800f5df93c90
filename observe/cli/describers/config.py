"""``describe configmap`` and ``describe secret``: data keys with their values (ConfigMap)
or only their sizes (Secret, whose values stay off the screen)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from observe.cli.describers.writer import Writer, annotations, events, labels, meta


def _identity(w: Writer, obj: dict[str, Any]) -> None:
    m = meta(obj)
    w.line(0, f"Name:\t{m.get('name', '')}")
    w.line(0, f"Namespace:\t{m.get('namespace', '')}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))


def render_configmap(cm: dict[str, Any], related: dict[str, Any],
                     now: datetime | None = None) -> str:
    w = Writer()
    _identity(w, cm)
    w.line(0, "")
    w.line(0, "Data")
    w.line(0, "====")
    for key in sorted(cm.get("data") or {}):
        w.line(0, f"{key}:")
        w.line(0, "----")
        for part in f"{cm['data'][key]}\n".split("\n"):
            w.line(0, part)
    w.line(0, "")
    w.line(0, "BinaryData")
    w.line(0, "====")
    for key in sorted(cm.get("binaryData") or {}):
        w.line(0, f"{key}: {_size(cm['binaryData'][key])} bytes")
    w.line(0, "")
    events(w, related.get("events"), now)
    return w.text()


def _size(encoded: str) -> int:
    try:
        return len(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return len(encoded)


def render_secret(secret: dict[str, Any], related: dict[str, Any],
                  now: datetime | None = None) -> str:
    w = Writer()
    _identity(w, secret)
    w.line(0, "")
    w.line(0, f"Type:\t{secret.get('type', '')}")
    w.line(0, "")
    w.line(0, "Data")
    w.line(0, "====")
    for key in sorted(secret.get("data") or {}):
        w.line(0, f"{key}:\t{_size(secret['data'][key])} bytes")
    return w.text()

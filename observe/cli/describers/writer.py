"""The building blocks every description shares: an indenting writer and kubectl's
formatting of labels, annotations, controllers and the ``Events:`` table.

A description is written as tab-separated lines at indentation levels of two spaces and
aligned once at the end with kubectl's describe tabwriter settings, which is what makes
``Name:``, ``Namespace:``, ... line up exactly as in kubectl.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from observe.cli.humanize import age
from observe.cli.tabwriter import DESCRIBE, align

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION = 140
# Words kubectl prints in capitals when it turns a field name into a label.
ACRONYMS = ("API", "URL", "UID", "OSB", "GUID")


class Writer:
    """Collects description lines; ``text()`` aligns them."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def line(self, level: int, text: str) -> None:
        self._lines.append("  " * level + text)

    def text(self) -> str:
        return align("\n".join(self._lines), DESCRIBE) + "\n"

    def unaligned(self) -> str:
        """The lines with their tabs as they are (``rollout history --revision`` prints
        the pod template this way)."""
        return "\n".join(self._lines) + "\n"


def meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def or_none(value: Any) -> str:
    return "<none>" if value in (None, "", [], {}) else str(value)


def labels(w: Writer, title: str, values: dict[str, str] | None) -> None:
    """``Labels:  a=1`` with further labels on lines of their own, aligned."""
    keys = sorted(values or {})
    if not keys:
        w.line(0, f"{title}:\t<none>")
        return
    for i, key in enumerate(keys):
        w.line(0, f"{title}:\t{key}={values[key]}" if i == 0 else f"\t{key}={values[key]}")


def annotations(w: Writer, title: str, values: dict[str, str] | None) -> None:
    """``Annotations:  k: v``; the last-applied configuration is left out as kubectl does,
    long or multi-line values go on lines of their own, cut at 140 characters."""
    keys = sorted(k for k in (values or {}) if k != LAST_APPLIED)
    if not keys:
        w.line(0, f"{title}:\t<none>")
        return
    for i, key in enumerate(keys):
        start = f"{title}:\t" if i == 0 else "\t"
        value = values[key].removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION or "\n" in value:
            w.line(0, f"{start}{key}:")
            for part in value.split("\n"):
                w.line(0, f"\t  {_shorten(part, MAX_ANNOTATION - 2)}")
        else:
            w.line(0, f"{start}{key}: {value}")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def controller(obj: dict[str, Any]) -> str:
    """``ReplicaSet/web-abc`` for the object's controller, or ``""``."""
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def _event_time(event: dict[str, Any]) -> str:
    return (event.get("lastTimestamp") or event.get("eventTime")
            or event.get("firstTimestamp") or (event.get("metadata") or {}).get(
                "creationTimestamp") or "")


def events(w: Writer, items: list[dict[str, Any]] | None, now: datetime | None) -> None:
    """The ``Events:`` section: oldest first, repeats shown as ``(x3 over 5m)``."""
    if items is None:
        return
    if not items:
        w.line(0, "Events:\t<none>")
        return
    w.line(0, "Events:")
    w.line(1, "Type\tReason\tAge\tFrom\tMessage")
    w.line(1, "----\t------\t----\t----\t-------")
    for event in sorted(items, key=_event_time):
        last = age(_event_time(event), now)
        count = event.get("count") or (event.get("series") or {}).get("count") or 1
        first = event.get("firstTimestamp") or event.get("eventTime")
        interval = f"{last} (x{count} over {age(first, now)})" if count > 1 and first \
            else last
        source = ((event.get("source") or {}).get("component")
                  or event.get("reportingComponent") or "")
        message = str(event.get("message") or "").strip()
        w.line(1, f"{event.get('type', '')}\t{event.get('reason', '')}\t{interval}\t"
                  f"{source}\t{message}")


def smart_label(field: str) -> str:
    """``creationTimestamp`` -> ``Creation Timestamp``, ``apiVersion`` -> ``API Version``.

    kubectl's rules: camel-case words (an upper-case run followed by lower case gives its
    last letter to the next word, so ``podIPs`` reads ``Pod I Ps``), a few acronyms in
    capitals, and field names with other characters than letters and ``-`` left alone.
    """
    if any(not (char.isalpha() or char == "-") for char in field):
        return field
    runs: list[list[str]] = []
    for char in field:
        kind = "upper" if char.isupper() else "lower" if char.islower() else "other"
        if runs and runs[-1][0] == kind:
            runs[-1][1] += char
        else:
            runs.append([kind, char])
    for this, after in itertools.pairwise(runs):
        if this[0] == "upper" and after[0] == "lower" and len(this[1]) > 0:
            after[1] = this[1][-1] + after[1]
            this[1] = this[1][:-1]
    words = [text for _, text in runs if text]
    return " ".join(word.upper() if word.upper() in ACRONYMS else word[:1].upper() + word[1:]
                    for word in words)

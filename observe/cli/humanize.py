"""Times as kubectl shows them to people and reads them from flags.

Ages (``10s``, ``3m20s``; the server's own rules from :mod:`observe.api.tables.duration`)
where the CLI formats a time itself: the ``NAME AGE`` fallback for servers without Tables,
``describe`` and its ``Events:`` table. Dates as ``describe`` prints them, and Go durations
as flags such as ``--since=5m`` take them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from observe.api.meta import parse_time
from observe.api.tables.duration import since


def age(timestamp: str | None, now: datetime | None = None) -> str:
    """The age of an RFC 3339 timestamp (kubectl's short form), or ``<unknown>``."""
    return since(now or datetime.now(UTC), timestamp)


def rfc1123(timestamp: str | None) -> str:
    """``Wed, 25 Nov 2026 00:02:51 +0000``: how ``describe`` prints a timestamp."""
    moment = parse_time(timestamp)
    if moment is None:
        return "<unset>"
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z")


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in a Go duration such as ``90s``, ``1h30m`` or ``1.5h``; a bare number is
    seconds. ``ValueError`` for anything else."""
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d*)?", text):
        return float(text)
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"invalid duration {text!r}")
    return total

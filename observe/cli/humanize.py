"""Times as kubectl shows them to people and reads them from flags.

Ages (``10s``, ``3m20s``; the server's own rules from :mod:`observe.api.tables.duration`)
where the CLI formats a time itself: the ``NAME AGE`` fallback for servers without Tables,
``describe`` and its ``Events:`` table. Dates as ``describe`` prints them, and Go durations
as flags such as ``--since=5m`` take them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from observe.api.durations import parse_duration  # noqa: F401 - part of this module's API
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



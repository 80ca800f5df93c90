"""Ages and durations as kubectl shows them (``5s``, ``3m20s``, ``2d``).

:func:`human_duration` follows k8s.io/apimachinery/pkg/util/duration.HumanDuration rule for
rule, because the server computes the AGE cells and users compare them with what a real
cluster prints. The printers of this package use :func:`since` for every age.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

UNKNOWN = "<unknown>"


def human_duration(seconds: float) -> str:
    """About two significant figures: seconds up to 2m, then minutes (with seconds below
    10m), hours (with minutes below 8h), days (with hours below 8d) and years."""
    whole = int(seconds)  # truncates toward zero, as Go's int(d.Seconds()) does
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"  # up to 2s in the future is clock skew, i.e. "now"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        return f"{minutes}m{whole % 60}s" if whole % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        return f"{years}y{days % 365}d" if days % 365 else f"{years}y"
    return f"{years}y"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (metav1.Time or MicroTime) as an aware datetime; None when
    missing or unreadable, which printers show as ``<unknown>``."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def between(start: datetime, end: datetime) -> str:
    return human_duration((aware(end) - aware(start)).total_seconds())


def since(now: datetime, value: Any) -> str:
    """The age of timestamp ``value`` at ``now``, or ``<unknown>``."""
    then = parse_time(value)
    return UNKNOWN if then is None else between(then, now)

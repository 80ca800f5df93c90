"""Prometheus durations (``15m``, ``1h30m``, ``0s``): the form ``for:``, intervals and
timeouts take in Prometheus and Alertmanager configuration.

Units are ``ms s m h d w y`` (a day is 24h, a year 365d), written largest first, each at
most once, with integer amounts; unlike Go durations there are no fractions.
"""

from __future__ import annotations

import re

UNITS = (("y", 365 * 86400.0), ("w", 7 * 86400.0), ("d", 86400.0), ("h", 3600.0),
         ("m", 60.0), ("s", 1.0), ("ms", 0.001))
_PATTERN = re.compile("".join(rf"(?:(\d+){unit})?" for unit, _ in UNITS))


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus duration; raises ValueError for anything else."""
    match = _PATTERN.fullmatch(text.strip()) if text.strip() else None
    if match is None or not any(match.groups()):
        raise ValueError(f"invalid duration {text!r}: use Prometheus units like 30s, 5m, 1h")
    return sum(int(amount) * seconds
               for amount, (_, seconds) in zip(match.groups(), UNITS, strict=True) if amount)


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration for ``seconds`` (rounded to milliseconds)."""
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {seconds}")
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    parts = []
    for unit, unit_seconds in UNITS:
        unit_millis = round(unit_seconds * 1000)
        amount, millis = divmod(millis, unit_millis)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)

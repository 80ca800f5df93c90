"""When a CronJob fires next: the five-field schedules CronJobs use, read as robfig/cron's
``ParseStandard`` reads them (the parser Kubernetes and kube-state-metrics both use).

Supported: ``*`` and ``?``, lists, ranges, steps (``*/5``, ``1-30/2``, ``5/15``), month and
weekday names, the ``@yearly``/``@monthly``/``@weekly``/``@daily``/``@hourly`` shorthands and
a ``CRON_TZ=``/``TZ=`` prefix. Day-of-month and day-of-week combine as in cron: when both are
restricted a day matching either fires. Pure; :func:`next_fire_time` is all callers need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_SHORTHANDS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
               "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
               "@hourly": "0 * * * *"}
# robfig/cron gives up after five years without a match (e.g. "0 0 30 2 *").
_SEARCH_LIMIT = timedelta(days=366 * 5)


class CronError(ValueError):
    """The schedule is not one robfig/cron would accept."""


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day-of-month was * or ?
    any_weekday: bool
    zone: tzinfo | None

    def day_matches(self, when: datetime) -> bool:
        dom = when.day in self.days
        dow = (when.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None
           ) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it was a bare ``*``/``?``."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        range_text, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"bad step in {part!r}")
            step = int(step_text)
        if range_text in ("*", "?"):
            start, end = low, high
            star = star or not step_text
        else:
            first, dash, last = range_text.partition("-")
            start = _value(first, names)
            end = _value(last, names) if dash else (high if step_text else start)
        if start < low or end > high or start > end:
            raise CronError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values), star


def _value(text: str, names: dict[str, int] | None) -> int:
    if names is not None and text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise CronError(f"{text!r} is not a number")
    return int(text)


def parse_schedule(text: str, time_zone: str | None = None) -> Schedule:
    """Read a schedule; ``time_zone`` (the CronJob's ``spec.timeZone``) wins over none, a
    ``CRON_TZ=`` prefix over both. Raises :class:`CronError`."""
    text = text.strip()
    zone_name = time_zone
    if text.startswith(("CRON_TZ=", "TZ=")):
        prefix, _, text = text.partition(" ")
        zone_name = prefix.partition("=")[2]
    zone: tzinfo | None = None
    if zone_name:
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise CronError(f"unknown time zone {zone_name!r}") from e
    text = _SHORTHANDS.get(text.strip().lower(), text)
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected 5 fields, found {len(fields)}: {text!r}")
    minutes, _ = _field(fields[0], 0, 59)
    hours, _ = _field(fields[1], 0, 23)
    days, any_day = _field(fields[2], 1, 31)
    months, _ = _field(fields[3], 1, 12, _MONTHS)
    weekdays, any_weekday = _field(fields[4], 0, 6, _DAYS)
    return Schedule(minutes, hours, days, months, weekdays, any_day, any_weekday, zone)


def next_fire_time(schedule: Schedule, after: datetime) -> datetime | None:
    """The first time strictly after ``after`` (an aware datetime) the schedule fires, in
    the schedule's zone (the local one without); ``None`` if none within five years."""
    zone = schedule.zone
    local = after.astimezone(zone) if zone is not None else after.astimezone()
    # Wall-clock arithmetic, then the zone again: cron schedules are wall-clock rules.
    when = local.replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
    limit = when + _SEARCH_LIMIT
    while when < limit:
        if when.month not in schedule.months:
            when = (when.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
        elif not schedule.day_matches(when):
            when = when.replace(hour=0, minute=0) + timedelta(days=1)
        elif when.hour not in schedule.hours:
            when = when.replace(minute=0) + timedelta(hours=1)
        elif when.minute not in schedule.minutes:
            when += timedelta(minutes=1)
        else:
            return when.replace(tzinfo=local.tzinfo if zone is None else zone)
    return None

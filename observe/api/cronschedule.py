"""CronJob schedules: Kubernetes' cron dialect parsed here, next fire times computed by
APScheduler's :class:`~apscheduler.triggers.cron.CronTrigger`.

Kubernetes parses ``spec.schedule`` with robfig/cron's ``ParseStandard``: five fields
(minute, hour, day of month, month, day of week; names like ``JAN`` and ``MON`` allowed,
``?`` meaning ``*``, ``N/step`` meaning ``N-max/step``), the descriptors ``@yearly``
(``@annually``), ``@monthly``, ``@weekly``, ``@daily`` (``@midnight``), ``@hourly`` and
``@every <duration>``, and an optional ``TZ=<zone>`` prefix. Each field is expanded here to
the explicit values it allows, with robfig's error messages, and handed to APScheduler as a
list, so the two libraries' differences cannot leak in: APScheduler counts weekdays from
Monday, robfig from Sunday; and when both day fields are restricted robfig fires when
*either* matches (classic cron), which is two triggers here, the earlier one winning.

Pure: :func:`parse` raises :class:`ScheduleError` with a message fit for an Event, and
:meth:`Schedule.next` answers "first activation strictly after this instant".
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from observe.api.durations import parse_duration

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {n: i + 1 for i, n in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# (name, minimum, maximum, names) per field, robfig's bounds.
_FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day", 1, 31, {}),
           ("month", 1, 12, _MONTHS), ("day_of_week", 0, 6, _DAYS))
_APS_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class ScheduleError(ValueError):
    """A schedule Kubernetes would refuse to parse."""


@dataclass(frozen=True)
class _Field:
    values: tuple[int, ...]
    star: bool  # robfig's starBit: the field was "*" or "?" (not "*/n" with n > 1)


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    try:
        value = int(text)
    except ValueError:
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing "
                            f'"{text}": invalid syntax') from None
    if value < 0:
        raise ScheduleError(f"negative number ({value}) not allowed: {text}")
    return value


def _range(expr: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    range_and_step = expr.split("/")
    if len(range_and_step) > 2:
        raise ScheduleError(f"too many slashes: {expr}")
    bounds = range_and_step[0].split("-")
    if len(bounds) > 2:
        raise ScheduleError(f"too many hyphens: {expr}")
    star = bounds[0] in ("*", "?")
    if star:
        start, end = low, high
    else:
        start = _number(bounds[0], names)
        end = _number(bounds[1], names) if len(bounds) == 2 else start
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], {})
        if len(bounds) == 1 and not star:
            end = high  # "N/step" means "N-max/step"
        if step > 1:
            star = False
    if start < low:
        raise ScheduleError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ScheduleError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ScheduleError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _field(text: str, low: int, high: int, names: dict[str, int]) -> _Field:
    values: set[int] = set()
    star = False
    for part in text.split(","):
        more, part_star = _range(part, low, high, names)
        values |= more
        star = star or part_star
    return _Field(tuple(sorted(values)), star)


def _zone(name: str) -> tzinfo:
    if not name or name in ("UTC", "Local"):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(f"provided bad location {name}: unknown time zone {name}") from None


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: cron triggers (one, or two for day-of-month OR day-of-week), or a
    constant ``@every`` interval."""

    zone: tzinfo
    triggers: tuple[CronTrigger, ...] = ()
    every: float | None = None

    def next(self, after: datetime) -> datetime | None:
        """The first activation strictly after ``after`` (None if there is none: a date like
        February 31st never comes)."""
        if self.every is not None:
            return after.replace(microsecond=0) + timedelta(seconds=self.every)
        start = after.replace(microsecond=0) + timedelta(seconds=1)
        times = [t.get_next_fire_time(None, start.astimezone(self.zone))
                 for t in self.triggers]
        found = [t for t in times if t is not None]
        return min(found).astimezone(UTC) if found else None


def _listing(field: _Field) -> str:
    return ",".join(str(v) for v in field.values)


def _trigger(fields: list[_Field], zone: tzinfo, day: bool, weekday: bool) -> CronTrigger:
    minute, hour, dom, month, dow = fields
    return CronTrigger(
        minute=_listing(minute), hour=_listing(hour),
        day=_listing(dom) if day else "*", month=_listing(month),
        day_of_week=",".join(_APS_DAYS[v] for v in dow.values) if weekday else "*",
        timezone=zone)


def parse(schedule: str, time_zone: str | None = None) -> Schedule:
    """``spec.schedule`` (with ``spec.timeZone``, which wins over a ``TZ=`` prefix)."""
    text = schedule.strip()
    zone_name = ""
    if text.startswith(("TZ=", "CRON_TZ=")):
        prefix, _, text = text.partition(" ")
        zone_name = prefix.split("=", 1)[1]
        text = text.strip()
    zone = _zone(time_zone if time_zone is not None else zone_name)
    if text.startswith("@every "):
        try:
            seconds = parse_duration(text[len("@every "):])
        except ValueError as e:
            raise ScheduleError(f"failed to parse duration {text}: {e}") from None
        return Schedule(zone, every=max(1.0, float(int(seconds))))
    if text.startswith("@"):
        if text not in _DESCRIPTORS:
            raise ScheduleError(f"unrecognized descriptor: {text}")
        text = _DESCRIPTORS[text]
    parts = text.split()
    if len(parts) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(parts)}: [{text}]")
    fields = [_field(part, low, high, names)
              for part, (_, low, high, names) in zip(parts, _FIELDS, strict=True)]
    dom, dow = fields[2], fields[4]
    if dom.star or dow.star:
        # robfig ANDs the day fields when either is a star: a star matches every day.
        triggers = (_trigger(fields, zone, not dom.star, not dow.star),)
    else:
        triggers = (_trigger(fields, zone, True, False), _trigger(fields, zone, False, True))
    return Schedule(zone, triggers)

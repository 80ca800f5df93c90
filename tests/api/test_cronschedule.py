"""Kubernetes' cron dialect: what parses, what does not (with robfig/cron's messages), and
the next activation, computed through APScheduler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.api.cronschedule import ScheduleError, parse


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(("schedule", "zone", "after", "expected"), [
    ("* * * * *", None, "2024-01-01T00:00:00+00:00", "2024-01-01T00:01:00+00:00"),
    ("* * * * *", None, "2024-01-01T00:00:30+00:00", "2024-01-01T00:01:00+00:00"),
    ("*/15 * * * *", None, "2024-01-01T00:16:00+00:00", "2024-01-01T00:30:00+00:00"),
    ("5/20 * * * *", None, "2024-01-01T00:26:00+00:00", "2024-01-01T00:45:00+00:00"),
    ("0 9 * * MON-FRI", None, "2024-01-05T10:00:00+00:00", "2024-01-08T09:00:00+00:00"),
    # Sunday is 0 in cron (APScheduler's 0 is Monday).
    ("0 0 * * 0", None, "2024-01-01T00:00:00+00:00", "2024-01-07T00:00:00+00:00"),
    ("@weekly", None, "2024-01-01T00:00:00+00:00", "2024-01-07T00:00:00+00:00"),
    ("@hourly", None, "2024-01-01T00:00:00+00:00", "2024-01-01T01:00:00+00:00"),
    ("@yearly", None, "2024-06-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"),
    ("0 0 1 jan ?", None, "2024-06-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"),
    # Both day fields restricted: either one matching is enough (the 13th, or a Friday).
    ("0 0 13 * 5", None, "2024-01-01T00:00:00+00:00", "2024-01-05T00:00:00+00:00"),
    ("0 0 13 * 5", None, "2024-01-12T00:00:00+00:00", "2024-01-13T00:00:00+00:00"),
    # With a star in one day field, the other alone decides.
    ("0 0 13 * *", None, "2024-01-01T00:00:00+00:00", "2024-01-13T00:00:00+00:00"),
    ("30 2 * * *", "Europe/Paris", "2024-01-01T00:00:00+00:00", "2024-01-01T01:30:00+00:00"),
    ("TZ=America/New_York 0 12 * * *", None, "2024-01-01T00:00:00+00:00",
     "2024-01-01T17:00:00+00:00"),
    ("@every 90s", None, "2024-01-01T00:00:00.500+00:00", "2024-01-01T00:01:30+00:00"),
])
def test_next(schedule, zone, after, expected):
    assert parse(schedule, zone).next(at(after)) == at(expected)


def test_an_impossible_date_never_comes():
    assert parse("0 0 31 2 *").next(at("2024-01-01T00:00:00+00:00")) is None


@pytest.mark.parametrize(("schedule", "zone", "message"), [
    ("", None, "expected exactly 5 fields, found 0: []"),
    ("* * * *", None, "expected exactly 5 fields, found 4: [* * * *]"),
    ("61 * * * *", None, "end of range (61) above maximum (59): 61"),
    ("* 5-2 * * *", None, "beginning of range (5) beyond end of range (2): 5-2"),
    ("* * 0 * *", None, "beginning of range (0) below minimum (1): 0"),
    ("* * * * 7", None, "end of range (7) above maximum (6): 7"),
    ("* * * foo *", None, 'failed to parse int from foo: strconv.Atoi: parsing "foo": '
                          "invalid syntax"),
    ("*/0 * * * *", None, "step of range should be a positive number: */0"),
    ("1-2-3 * * * *", None, "too many hyphens: 1-2-3"),
    ("@fortnightly", None, "unrecognized descriptor: @fortnightly"),
    ("* * * * *", "Mars/Olympus", "provided bad location Mars/Olympus: unknown time zone "
                                  "Mars/Olympus"),
])
def test_rejects(schedule, zone, message):
    with pytest.raises(ScheduleError) as info:
        parse(schedule, zone)
    assert str(info.value) == message

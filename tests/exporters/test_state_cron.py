"""CronJob schedules: when they fire next, as robfig/cron computes it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exporters.state.cron import CronError, next_fire_time, parse_schedule


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("schedule", "after", "expected"), [
    ("*/5 * * * *", "2024-01-01T10:00:00", "2024-01-01T10:05:00"),
    ("*/5 * * * *", "2024-01-01T10:02:30", "2024-01-01T10:05:00"),
    ("0 * * * *", "2024-01-01T10:00:00", "2024-01-01T11:00:00"),
    ("30 2 * * *", "2024-01-01T10:00:00", "2024-01-02T02:30:00"),
    ("0 0 1 * *", "2024-01-15T00:00:00", "2024-02-01T00:00:00"),
    ("0 0 * * 0", "2024-01-01T00:00:00", "2024-01-07T00:00:00"),  # 2024-01-01 is a Monday
    ("0 0 * * SUN", "2024-01-01T00:00:00", "2024-01-07T00:00:00"),
    ("0 0 1 JAN *", "2024-01-01T00:00:00", "2025-01-01T00:00:00"),
    ("0 0 13 * 5", "2024-01-01T00:00:00", "2024-01-05T00:00:00"),  # 13th or a Friday
    ("15-45/15 9 * * 1-5", "2024-01-06T12:00:00", "2024-01-08T09:15:00"),
    ("5/20 * * * *", "2024-01-01T10:06:00", "2024-01-01T10:25:00"),
    ("@hourly", "2024-01-01T10:59:59", "2024-01-01T11:00:00"),
    ("@daily", "2024-01-01T10:00:00", "2024-01-02T00:00:00"),
    ("0 0 29 2 *", "2024-03-01T00:00:00", "2028-02-29T00:00:00"),
])
def test_next_fire_time_in_utc(schedule: str, after: str, expected: str) -> None:
    fire = next_fire_time(parse_schedule(schedule, "UTC"), utc(after))
    assert fire is not None
    assert fire.astimezone(UTC) == utc(expected)


def test_time_zone_shifts_the_wall_clock() -> None:
    fire = next_fire_time(parse_schedule("0 9 * * *", "Europe/Paris"), utc("2024-01-01T09:00:00"))
    assert fire is not None and fire.astimezone(UTC) == utc("2024-01-02T08:00:00")


def test_cron_tz_prefix_wins() -> None:
    fire = next_fire_time(parse_schedule("CRON_TZ=Asia/Tokyo 0 9 * * *"),
                          utc("2024-01-01T00:00:00"))
    assert fire is not None and fire.astimezone(UTC) == utc("2024-01-02T00:00:00")


def test_impossible_schedule_never_fires() -> None:
    assert next_fire_time(parse_schedule("0 0 30 2 *", "UTC"), utc("2024-01-01T00:00:00")) is None


@pytest.mark.parametrize("schedule", ["* * * *", "61 * * * *", "*/0 * * * *", "a * * * *",
                                      "0 0 * * 8", "0 0 5-1 * *"])
def test_invalid_schedules_are_refused(schedule: str) -> None:
    with pytest.raises(CronError):
        parse_schedule(schedule, "UTC")


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(CronError):
        parse_schedule("0 0 * * *", "Mars/Olympus")

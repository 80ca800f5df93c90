import pytest

from observe.monitoring.durations import format_duration, parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    ("0s", 0),
    ("30s", 30),
    ("15m", 900),
    ("1h", 3600),
    ("1h30m", 5400),
    ("500ms", 0.5),
    ("1m500ms", 60.5),
    ("2d", 172800),
    ("1w", 604800),
    ("1y", 365 * 86400),
    (" 5m ", 300),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "1.5m", "m", "-5m", "5m1h", "1h1h", "5 m", "5min"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"),
    (0.0001, "0s"),
    (0.5, "500ms"),
    (30, "30s"),
    (90, "1m30s"),
    (3600, "1h"),
    (86400 + 60, "1d1m"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [0.25, 1, 59, 61, 3599, 5400, 90061, 1209600])
def test_format_then_parse_round_trips(seconds):
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


def test_format_duration_rejects_negative():
    with pytest.raises(ValueError):
        format_duration(-1)

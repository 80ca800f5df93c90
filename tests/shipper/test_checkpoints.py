"""The checkpoint database: offsets only move forward, retired files are forgotten late."""

from __future__ import annotations

import time

from observe.shipper.checkpoints import Checkpoint, Checkpoints
from observe.shipper.files import InFlight, LineSplitter, fingerprint


def cp(fp, offset, done=False):
    return Checkpoint(fp, offset, done, f"/logs/{fp}", 1, 2)


def test_offsets_never_move_back_and_done_sticks(tmp_path):
    db = Checkpoints(tmp_path / "c.db")
    db.save([cp("a", 100)])
    db.save([cp("a", 50)])
    assert db.get("a").offset == 100
    db.save([cp("a", 120, done=True)])
    db.save([cp("a", 130)])
    assert db.get("a").done and db.get("a").offset == 130
    db.close()
    assert Checkpoints(tmp_path / "c.db").get("a").offset == 130


def test_only_retired_files_are_forgotten(tmp_path, monkeypatch):
    db = Checkpoints(tmp_path / "c.db")
    db.save([cp("old-done", 1, done=True), cp("old-live", 1)])
    monkeypatch.setattr(time, "time", lambda: 1e12)  # far in the future
    assert db.forget_older_than(60) == 1
    assert db.get("old-done") is None and db.get("old-live") is not None


def test_fingerprint_waits_for_a_complete_first_line():
    assert fingerprint(b"2024-01-01T00:00:00Z stdout F no newline yet") is None
    one = fingerprint(b"2024-01-01T00:00:00Z stdout F a\n")
    assert one == fingerprint(b"2024-01-01T00:00:00Z stdout F a\nmore lines\n")
    assert one != fingerprint(b"2024-01-01T00:00:01Z stdout F a\n")
    assert fingerprint(b"x" * 300) == fingerprint(b"x" * 256 + b"different tail")


def test_in_flight_oldest_moves_only_past_acknowledged_records():
    inflight = InFlight()
    for start in (0, 10, 20):
        inflight.add(start)
    inflight.ack(10)
    assert inflight.oldest() == 0
    inflight.ack(0)
    assert inflight.oldest() == 20 and inflight.count == 1


def test_line_splitter_offsets_and_long_lines():
    splitter = LineSplitter(100, max_line_bytes=5)
    assert splitter.feed(b"ab\ncd") == [(b"ab", 100, 103)]
    assert splitter.consumed == 103 and splitter.buffered == 2
    assert splitter.feed(b"efghij") == [(b"cdefg", 103, 111)]  # cut, rest skipped
    assert splitter.feed(b"k\nok\n") == [(b"ok", 113, 116)]
    assert splitter.truncated == {103}

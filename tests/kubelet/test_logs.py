"""CRI log files: writing (line cutting, partial lines, rotation) and reading (tail, since,
timestamps, limitBytes, follow across rotation)."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import os

import pytest

from observe.kubelet.logs import (
    MAX_LINE_SIZE,
    LogOptions,
    LogWriter,
    encode_line,
    follow_log,
    format_timestamp,
    format_timestamp_fixed,
    parse_line,
    parse_timestamp,
    read_log,
    rotated_files,
    tail_offset,
)

BASE_NS = 1_700_000_000_000_000_000


def clock(step: int = 1_000_000):
    counter = itertools.count()
    return lambda: BASE_NS + next(counter) * step


@pytest.mark.parametrize(("ns", "text"), [
    (BASE_NS, "2023-11-14T22:13:20Z"),
    (BASE_NS + 5, "2023-11-14T22:13:20.000000005Z"),
    (BASE_NS + 120_000_000, "2023-11-14T22:13:20.12Z"),
])
def test_timestamps_are_go_rfc3339nano(ns, text):
    assert format_timestamp(ns) == text
    assert parse_timestamp(text) == ns


@pytest.mark.parametrize(("text", "ns"), [
    ("2023-11-14T23:13:20+01:00", BASE_NS),
    ("2023-11-14T22:13:20.5Z", BASE_NS + 500_000_000),
    ("not a time", None),
    ("2023-11-14T22:13:20", None),
])
def test_parse_timestamp_offsets_and_garbage(text, ns):
    assert parse_timestamp(text) == ns


def test_fixed_timestamps_keep_nine_digits():
    assert format_timestamp_fixed(BASE_NS + 120_000_000) == "2023-11-14T22:13:20.120000000Z"


def lines_of(path):
    with open(path, "rb") as f:
        return [parse_line(raw) for raw in f]


def test_writer_cuts_chunks_into_lines_per_stream(tmp_path):
    path = str(tmp_path / "0.log")
    writer = LogWriter(path, clock_ns=clock())
    writer.feed("stdout", b"hel")
    writer.feed("stderr", b"oops\n")
    writer.feed("stdout", b"lo\nwor")
    writer.feed("stdout", b"ld\n")
    writer.close()
    got = [(line.stream, line.partial, line.content) for line in lines_of(path)]
    assert got == [("stderr", False, b"oops"), ("stdout", False, b"hello"),
                   ("stdout", False, b"world")]


def test_unterminated_last_line_is_written_full_at_close(tmp_path):
    path = str(tmp_path / "0.log")
    writer = LogWriter(path, clock_ns=clock())
    writer.feed("stdout", b"no newline")
    assert lines_of(path) == [], "a line is not written before it ends"
    writer.close()
    [line] = lines_of(path)
    assert (line.partial, line.content) == (False, b"no newline")


def test_long_lines_become_partial_fragments(tmp_path):
    path = str(tmp_path / "0.log")
    writer = LogWriter(path, clock_ns=clock())
    long = b"x" * (MAX_LINE_SIZE * 2 + 10)
    writer.feed("stdout", long + b"\nshort\n")
    writer.close()
    got = [(line.partial, len(line.content)) for line in lines_of(path)]
    assert got == [(True, MAX_LINE_SIZE), (True, MAX_LINE_SIZE), (False, 10), (False, 5)]
    rendered = b"".join(read_log(path, LogOptions()))
    assert rendered == long + b"\nshort\n", "fragments are joined back when read"


def test_rotation_keeps_max_files_and_gzips_all_but_newest(tmp_path):
    path = str(tmp_path / "0.log")
    line_size = len(encode_line(BASE_NS, "stdout", False, b"0123456789"))
    # One second per line so every rotated file gets its own timestamp.
    writer = LogWriter(path, max_size=line_size * 2, max_files=3,
                       clock_ns=clock(step=1_000_000_000))
    for i in range(10):
        writer.feed("stdout", f"{i:010d}\n".encode())
    writer.close()
    rotated = rotated_files(path)
    assert len(rotated) == 2, f"max_files=3 keeps the current file and two rotated: {rotated}"
    assert rotated[0].endswith(".gz") and not rotated[1].endswith(".gz")
    with gzip.open(rotated[0], "rb") as f:
        oldest = [parse_line(raw).content for raw in f]
    assert oldest == [b"0000000004", b"0000000005"]
    assert [line.content for line in lines_of(rotated[1])] == [b"0000000006", b"0000000007"]
    assert [line.content for line in lines_of(path)] == [b"0000000008", b"0000000009"]


def write_lines(path, count, stream="stdout", start_ns=BASE_NS, step=1_000_000_000):
    with open(path, "wb") as f:
        for i in range(count):
            f.write(encode_line(start_ns + i * step, stream, False, f"line {i}".encode()))


@pytest.mark.parametrize(("tail", "want"), [
    (0, []), (1, [b"line 4\n"]), (2, [b"line 3\n", b"line 4\n"]), (99, None)])
def test_tail_lines(tmp_path, tail, want):
    path = str(tmp_path / "0.log")
    write_lines(path, 5)
    got = list(read_log(path, LogOptions(tail_lines=tail)))
    assert got == (want if want is not None else [f"line {i}\n".encode() for i in range(5)])


def test_tail_offset_of_a_large_file_spans_blocks(tmp_path):
    path = str(tmp_path / "0.log")
    write_lines(path, 20_000)
    got = list(read_log(path, LogOptions(tail_lines=3)))
    assert got == [b"line 19997\n", b"line 19998\n", b"line 19999\n"]
    assert tail_offset(path, 20_000) == 0


def test_since_timestamps_and_limit(tmp_path):
    path = str(tmp_path / "0.log")
    write_lines(path, 5)
    since = list(read_log(path, LogOptions(since_ns=BASE_NS + 3_000_000_000)))
    assert since == [b"line 3\n", b"line 4\n"]
    stamped = list(read_log(path, LogOptions(tail_lines=1, timestamps=True)))
    assert stamped == [b"2023-11-14T22:13:24.000000000Z line 4\n"]
    limited = b"".join(read_log(path, LogOptions(limit_bytes=10)))
    assert limited == b"line 0\nlin"


def test_malformed_lines_are_skipped(tmp_path):
    path = tmp_path / "0.log"
    path.write_bytes(b"garbage\n" + encode_line(BASE_NS, "stdout", False, b"ok"))
    assert list(read_log(str(path), LogOptions())) == [b"ok\n"]


async def test_follow_reads_new_lines_across_rotation_until_exit(tmp_path):
    path = str(tmp_path / "0.log")
    line_size = len(encode_line(BASE_NS, "stdout", False, b"n"))
    writer = LogWriter(path, max_size=line_size * 2, max_files=5, clock_ns=clock())
    writer.feed("stdout", b"a\n")
    state = {"running": True}
    got: list[bytes] = []

    async def consume():
        async for chunk in follow_log(path, LogOptions(follow=True), lambda: state["running"],
                                      asyncio.sleep, poll=0.01):
            got.append(chunk)

    task = asyncio.create_task(consume())
    await wait_for(lambda: got == [b"a\n"])
    for letter in "bcdefg":  # several rotations while following
        writer.feed("stdout", f"{letter}\n".encode())
        await wait_for(lambda letter=letter: got and got[-1] == f"{letter}\n".encode())
    writer.close()
    state["running"] = False
    await asyncio.wait_for(task, 5)
    assert b"".join(got) == b"a\nb\nc\nd\ne\nf\ng\n"
    assert len(rotated_files(path)) >= 2, "the test must actually have crossed rotations"


async def wait_for(condition, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def test_log_file_mode_is_0640(tmp_path):
    path = str(tmp_path / "0.log")
    LogWriter(path).close()
    assert oct(os.stat(path).st_mode & 0o777) == "0o640"

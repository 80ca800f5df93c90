"""CRI and Docker json-file lines to entries: fields, partial joining, malformed input."""

from __future__ import annotations

import pytest

from observe.shipper.formats import (
    CRI,
    DOCKER,
    TAG_BINARY,
    TAG_PARSE_ERROR,
    TAG_TRUNCATED,
    LineAssembler,
    detect_format,
)

T = "2024-01-02T03:04:05.123456789Z"


@pytest.mark.parametrize("line, stream, text, tags", [
    (f"{T} stdout F hello world", "stdout", "hello world", ()),
    (f"{T} stderr F ", "stderr", "", ()),
    (f"{T} stdout F:x with tag", "stdout", "with tag", ()),
    ("2024-01-02T03:04:05+02:00 stdout F offset zone", "stdout", "offset zone", ()),
    ("garbage without structure", None, "garbage without structure", (TAG_PARSE_ERROR,)),
    (f"{T} stdlog F bad stream", None, f"{T} stdlog F bad stream", (TAG_PARSE_ERROR,)),
    (f"{T} stdout X bad tag", None, f"{T} stdout X bad tag", (TAG_PARSE_ERROR,)),
])
def test_cri_lines(line, stream, text, tags):
    entry = LineAssembler(CRI).feed(line.encode(), 10, 10 + len(line) + 1)
    assert entry is not None
    assert (entry.stream, entry.text, entry.tags) == (stream, text, tags)
    assert entry.start == 10


def test_binary_content_is_kept_escaped_and_flagged():
    entry = LineAssembler(CRI).feed(f"{T} stdout F ".encode() + b"\xff\x00ok", 0, 30)
    assert entry.tags == (TAG_BINARY,)
    assert entry.text == "\\xff\\x00ok"


def test_partial_pieces_join_per_stream_from_the_first_offset():
    a = LineAssembler(CRI)
    assert a.feed(f"{T} stdout P abc".encode(), 0, 40) is None
    assert a.pending_start() == 0
    other = a.feed(f"{T} stderr F interleaved".encode(), 40, 80)
    assert other.text == "interleaved" and other.start == 40
    assert a.feed(f"{T} stdout P def".encode(), 80, 120) is None
    done = a.feed(f"{T} stdout F ghi".encode(), 120, 160)
    assert (done.text, done.start, done.end) == ("abcdefghi", 0, 160)
    assert a.pending_start() is None


def test_a_multibyte_character_split_across_pieces_survives():
    a = LineAssembler(CRI)
    snowman = "☃".encode()
    a.feed(f"{T} stdout P ".encode() + snowman[:1], 0, 10)
    done = a.feed(f"{T} stdout F ".encode() + snowman[1:], 10, 20)
    assert done.text == "☃" and done.tags == ()


def test_joined_pieces_over_the_cap_are_cut_and_flagged():
    a = LineAssembler(CRI, max_record_bytes=8)
    assert a.feed(f"{T} stdout P 12345".encode(), 0, 10) is None
    cut = a.feed(f"{T} stdout P 67890".encode(), 10, 20)
    assert cut.text == "1234567890" and TAG_TRUNCATED in cut.tags


def test_flush_returns_half_joined_lines():
    a = LineAssembler(CRI)
    a.feed(f"{T} stdout P unfinished".encode(), 5, 50)
    [entry] = a.flush()
    assert (entry.text, entry.start, entry.end) == ("unfinished", 5, 50)
    assert TAG_TRUNCATED in entry.tags


def test_docker_json_lines_join_split_logs():
    a = LineAssembler()
    first = b'{"log":"part one ","stream":"stdout","time":"' + T.encode() + b'"}'
    assert a.feed(first, 0, 60) is None
    assert a.format == DOCKER
    done = a.feed(b'{"log":"and two\\n","stream":"stdout","time":"' + T.encode() + b'"}',
                  60, 120)
    assert (done.text, done.time, done.start) == ("part one and two", T, 0)


def test_docker_garbage_is_a_parse_error():
    a = LineAssembler(DOCKER)
    entry = a.feed(b'{"not": "docker"}', 0, 10)
    assert entry.tags == (TAG_PARSE_ERROR,)


@pytest.mark.parametrize("line, fmt", [
    (b'{"log":"x\\n"}', DOCKER), (f"{T} stdout F x".encode(), CRI), (b"", CRI),
])
def test_format_detection(line, fmt):
    assert detect_format(line) == fmt

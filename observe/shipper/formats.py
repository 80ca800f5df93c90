"""Container log line formats: CRI and Docker ``json-file``, with split lines joined.

Sits between the tailer (complete physical lines and their offsets) and :mod:`.multiline`.

- CRI: ``<RFC3339Nano> <stdout|stderr> <F|P>[:tags] <content>``. The runtime splits a long
  output line into ``P`` pieces followed by one ``F`` piece (16 KiB each by default).
- Docker ``json-file``: ``{"log": "...\\n", "stream": "stdout", "time": "..."}``; a piece
  of a split line has no trailing ``\\n`` in ``log``.

Pieces of one stream are joined in order into one :class:`Entry` whose ``start`` is the
first piece's offset (its identity) and whose ``end`` is past the last piece. A line that is
neither format is never dropped: it becomes an entry of its own tagged ``parse_error``;
content that is not UTF-8 (or holds NUL bytes) is kept with backslash escapes and tagged
``binary``.
"""

from __future__ import annotations

import orjson

CRI = "cri"
DOCKER = "docker"
STREAMS = {b"stdout": "stdout", b"stderr": "stderr"}
DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024
TAG_PARSE_ERROR = "parse_error"
TAG_BINARY = "binary"
TAG_TRUNCATED = "truncated"


class Entry:
    """One log record as the container wrote it (possibly joined from pieces)."""

    __slots__ = ("end", "start", "stream", "tags", "text", "time")

    def __init__(self, start: int, end: int, time: str | None, stream: str | None,
                 text: str, tags: tuple[str, ...] = ()) -> None:
        self.start = start
        self.end = end
        self.time = time
        self.stream = stream
        self.text = text
        self.tags = tags

    def __repr__(self) -> str:
        return (f"Entry({self.start}-{self.end} {self.stream} {self.time} {self.text[:40]!r}"
                f"{' ' + ','.join(self.tags) if self.tags else ''})")


def detect_format(first_line: bytes) -> str:
    """The kubelet's own rule: a line that is a JSON object is Docker's, else CRI."""
    return DOCKER if first_line.lstrip().startswith(b"{") else CRI


def decode_text(content: bytes) -> tuple[str, tuple[str, ...]]:
    """Content as text; bytes that are not UTF-8 (or NULs) are escaped and flagged."""
    try:
        text = content.decode()
    except UnicodeDecodeError:
        text = content.decode("utf-8", "backslashreplace")
        return text.replace("\x00", "\\x00"), (TAG_BINARY,)
    if "\x00" in text:
        return text.replace("\x00", "\\x00"), (TAG_BINARY,)
    return text, ()


def _looks_like_time(stamp: bytes) -> bool:
    # Cheap shape check only; the store parses the value. A full parse per line would cost
    # more than everything else in this module.
    return len(stamp) >= 20 and stamp[4:5] == b"-" and stamp[10:11] in (b"T", b"t")


class _Pending:
    __slots__ = ("end", "pieces", "size", "start", "time")

    def __init__(self, start: int, time: str) -> None:
        self.start = start
        self.end = start
        self.time = time
        self.pieces: list[bytes] = []
        self.size = 0


class LineAssembler:
    """Decodes one file's physical lines and joins split pieces per stream."""

    def __init__(self, fmt: str | None = None,
                 max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        self.format = fmt
        self.max_record_bytes = max_record_bytes
        self._pending: dict[str, _Pending] = {}

    def pending_start(self) -> int | None:
        """Offset of the oldest piece not yet part of an entry (a checkpoint may not pass
        it, or the joined line would be cut in two after a restart)."""
        if not self._pending:
            return None
        return min(p.start for p in self._pending.values())

    def feed(self, raw: bytes, start: int, end: int) -> Entry | None:
        """One physical line without its ``\\n``; an entry when a line is complete."""
        if self.format is None:
            self.format = detect_format(raw)
        if self.format == CRI:
            return self._feed_cri(raw, start, end)
        return self._feed_docker(raw, start, end)

    def flush(self) -> list[Entry]:
        """Whatever is half-joined, as entries (the file ended for good)."""
        entries = []
        for stream, pending in sorted(self._pending.items(), key=lambda kv: kv[1].start):
            text, tags = decode_text(b"".join(pending.pieces))
            entries.append(Entry(pending.start, pending.end, pending.time, stream, text,
                                 (*tags, TAG_TRUNCATED)))
        self._pending.clear()
        return entries

    def _feed_cri(self, raw: bytes, start: int, end: int) -> Entry | None:
        parts = raw.split(b" ", 3)
        if len(parts) < 3:
            return _malformed(raw, start, end)
        stamp, stream_raw, tag = parts[0], parts[1], parts[2]
        stream = STREAMS.get(stream_raw)
        flag = tag[:1]
        if (stream is None or flag not in (b"F", b"P") or (len(tag) > 1 and tag[1:2] != b":")
                or not _looks_like_time(stamp)):
            return _malformed(raw, start, end)
        content = parts[3] if len(parts) == 4 else b""
        return self._piece(stream, stamp.decode("ascii", "replace"), flag == b"P", content,
                           start, end)

    def _feed_docker(self, raw: bytes, start: int, end: int) -> Entry | None:
        try:
            obj = orjson.loads(raw)
            log = obj["log"]
            stream = obj.get("stream", "stdout")
            stamp = obj.get("time")
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return _malformed(raw, start, end)
        if not isinstance(log, str) or stream not in ("stdout", "stderr"):
            return _malformed(raw, start, end)
        partial = not log.endswith("\n")
        content = log[:-1] if not partial else log
        return self._piece(stream, stamp if isinstance(stamp, str) else None, partial,
                           content.encode(), start, end)

    def _piece(self, stream: str, time: str | None, partial: bool, content: bytes,
               start: int, end: int) -> Entry | None:
        pending = self._pending.get(stream)
        if pending is None and not partial:
            text, tags = decode_text(content)
            return Entry(start, end, time, stream, text, tags)
        if pending is None:
            pending = self._pending[stream] = _Pending(start, time or "")
        pending.pieces.append(content)
        pending.size += len(content)
        pending.end = end
        if partial and pending.size < self.max_record_bytes:
            return None
        del self._pending[stream]
        text, tags = decode_text(b"".join(pending.pieces))
        if partial:  # over the size cap: what we have is one record, the rest another
            tags = (*tags, TAG_TRUNCATED)
        return Entry(pending.start, end, pending.time or time, stream, text, tags)


def _malformed(raw: bytes, start: int, end: int) -> Entry:
    text, tags = decode_text(raw)
    return Entry(start, end, None, None, text, (*tags, TAG_PARSE_ERROR))

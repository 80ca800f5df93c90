"""One log file being read: its identity, its bytes, its lines and what is in flight.

Sits under :mod:`.tailer` (which finds files, notices rotation and truncation, and decides
when a file is finished) and above the operating system.

Identity is a *fingerprint*: a hash of the file's first line (at most
:data:`FINGERPRINT_BYTES`), which for container logs starts with a nanosecond timestamp.
It survives renames (rotation), compression (a ``.gz`` of a rotated file has the same first
line once decompressed) and copies (copytruncate), and it tells a new file from an old one
whose inode was reused. A file whose first line is not complete yet has no fingerprint and
is not read until it has one.

A :class:`FileState` belongs to a fingerprint; the file it reads from (a
:class:`PlainSource` or :class:`GzipSource`) may change under it — after copytruncate the
rest of the data is in the copy.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import os
import zlib

FINGERPRINT_BYTES = 256
DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024


def fingerprint(head: bytes) -> str | None:
    """The fingerprint of a file starting with ``head``, or None if it cannot be told yet."""
    newline = head.find(b"\n", 0, FINGERPRINT_BYTES)
    if newline >= 0:
        size = newline + 1
    elif len(head) >= FINGERPRINT_BYTES:
        size = FINGERPRINT_BYTES
    else:
        return None
    return hashlib.blake2b(head[:size], digest_size=8).hexdigest()


def is_gzip_name(path: str) -> bool:
    return path.endswith(".gz")


class SourceNotReady(Exception):
    """The file cannot be read yet (a ``.gz`` still being written)."""


class PlainSource:
    """An open regular file, read with ``pread`` so no shared position can go wrong."""

    compressed = False

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        st = os.fstat(self.fd)
        self.device, self.inode = st.st_dev, st.st_ino

    def head(self) -> bytes:
        return os.pread(self.fd, FINGERPRINT_BYTES, 0)

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def links(self) -> int:
        return os.fstat(self.fd).st_nlink

    def close(self) -> None:
        os.close(self.fd)


class GzipSource:
    """A gzipped rotated file, read forward only; offsets are in the decompressed bytes."""

    compressed = True

    def __init__(self, path: str) -> None:
        self._raw = open(path, "rb")  # noqa: SIM115 - lives as long as the source
        st = os.fstat(self._raw.fileno())
        self.device, self.inode = st.st_dev, st.st_ino
        self._gz = gzip.GzipFile(fileobj=self._raw)
        self._position = 0

    def head(self) -> bytes:
        data = self.read(0, FINGERPRINT_BYTES)
        return data

    def read(self, offset: int, size: int) -> bytes:
        try:
            if offset < self._position:  # rewind: start decompressing again
                self._raw.seek(0)
                self._gz = gzip.GzipFile(fileobj=self._raw)
                self._position = 0
            while self._position < offset:
                skipped = self._gz.read(min(offset - self._position, 1 << 20))
                if not skipped:
                    return b""
                self._position += len(skipped)
            data = self._gz.read(size)
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as e:
            raise SourceNotReady(str(e)) from e
        self._position += len(data)
        return data

    def size(self) -> int:
        return -1  # unknown until read to the end; never compared

    def links(self) -> int:
        return os.fstat(self._raw.fileno()).st_nlink

    def close(self) -> None:
        self._raw.close()


def open_source(path: str) -> PlainSource | GzipSource:
    return GzipSource(path) if is_gzip_name(path) else PlainSource(path)


class InFlight:
    """Start offsets of records sent but not yet acknowledged; the oldest bounds the
    checkpoint."""

    __slots__ = ("_acked", "_heap", "count")

    def __init__(self) -> None:
        self._heap: list[int] = []
        self._acked: dict[int, int] = {}
        self.count = 0

    def add(self, start: int) -> None:
        heapq.heappush(self._heap, start)
        self.count += 1

    def ack(self, start: int) -> None:
        self._acked[start] = self._acked.get(start, 0) + 1
        self.count -= 1
        heap = self._heap
        while heap and self._acked.get(heap[0]):
            top = heapq.heappop(heap)
            left = self._acked[top] - 1
            if left:
                self._acked[top] = left
            else:
                del self._acked[top]

    def oldest(self) -> int | None:
        return self._heap[0] if self._heap else None


class LineSplitter:
    """Cuts a byte stream into lines, remembering where each starts.

    ``consumed`` is the offset of the first byte not yet returned as part of a line.
    A line longer than ``max_line_bytes`` is returned cut at that size (its start is in
    :attr:`truncated`) and the rest of it, up to the next ``\\n``, is skipped.
    """

    def __init__(self, offset: int, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self.consumed = offset
        self.max_line_bytes = max_line_bytes
        self.truncated: set[int] = set()
        self._buffer = b""
        self._discarding = False

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[tuple[bytes, int, int]]:
        """Complete lines (without ``\\n``) as (line, start, end)."""
        lines: list[tuple[bytes, int, int]] = []
        buffer = self._buffer + data if self._buffer else data
        base = self.consumed
        if self._discarding:
            newline = buffer.find(b"\n")
            if newline < 0:
                self.consumed += len(buffer)
                self._buffer = b""
                return lines
            self._discarding = False
            buffer = buffer[newline + 1:]
            base += newline + 1
        pieces = buffer.split(b"\n")
        rest = pieces.pop()
        position = base
        for piece in pieces:
            end = position + len(piece) + 1
            if len(piece) > self.max_line_bytes:
                self.truncated.add(position)
                piece = piece[:self.max_line_bytes]
            lines.append((piece, position, end))
            position = end
        if len(rest) > self.max_line_bytes:
            self.truncated.add(position)
            lines.append((rest[:self.max_line_bytes], position, position + len(rest)))
            position += len(rest)
            rest = b""
            self._discarding = True
        self.consumed = position
        self._buffer = rest
        return lines

    def take_rest(self) -> tuple[bytes, int, int] | None:
        """The unterminated last line, when the file will never grow again."""
        if not self._buffer:
            return None
        start = self.consumed
        rest, self._buffer = self._buffer, b""
        self.consumed += len(rest)
        return rest, start, self.consumed


def read_head(path: str) -> bytes:
    """The first bytes of a file (decompressed for ``.gz``), for its fingerprint."""
    if is_gzip_name(path):
        try:
            with gzip.open(path, "rb") as f:
                return f.read(FINGERPRINT_BYTES)
        except (EOFError, zlib.error, gzip.BadGzipFile):
            return b""
    with open(path, "rb", buffering=0) as f:
        return f.read(FINGERPRINT_BYTES)


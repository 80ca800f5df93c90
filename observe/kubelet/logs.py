"""Container log files in the CRI format, as containerd writes them and the kubelet reads them.

Every line of a log file is ``<RFC3339Nano> <stdout|stderr> <F|P> <content>``: ``F`` ends a
line of the container's output, ``P`` is a fragment of a line longer than
:data:`MAX_LINE_SIZE`, continued on the next ``P``/``F`` line of the same stream.

The container shim (:mod:`observe.kubelet.runtime.shim`) writes with :class:`LogWriter`, which
also rotates by size like the kubelet's container log manager (``containerLogMaxSize``,
``containerLogMaxFiles``; rotated files are ``<n>.log.<YYYYMMDD-HHMMSS>``, all but the newest
gzipped). The node API (:mod:`observe.kubelet.server`) reads with :func:`read_log` and
:func:`follow_log` to answer ``kubectl logs`` with ``tailLines``, ``sinceSeconds``,
``timestamps``, ``limitBytes`` and ``follow``. Only the current file is read, as upstream does.

Standard library only: the shim imports this module and must start small.
"""

from __future__ import annotations

import calendar
import gzip
import os
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

MAX_LINE_SIZE = 16 * 1024  # containerd's max_container_log_line_size
DEFAULT_MAX_SIZE = 10 * 1024 * 1024  # kubelet containerLogMaxSize 10Mi
DEFAULT_MAX_FILES = 5  # kubelet containerLogMaxFiles
ROTATED_STAMP = "%Y%m%d-%H%M%S"
STREAMS = ("stdout", "stderr")
FULL, PARTIAL = b"F", b"P"
_READ_BLOCK = 64 * 1024


def format_timestamp(ns: int) -> str:
    """Go's RFC3339Nano in UTC: nanoseconds with trailing zeros trimmed (as in log files)."""
    seconds, frac = divmod(ns, 1_000_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{frac:09d}".rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"


def format_timestamp_fixed(ns: int) -> str:
    """The kubelet's output form for ``timestamps=true``: always nine fraction digits."""
    seconds, frac = divmod(ns, 1_000_000_000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{frac:09d}Z"


def parse_timestamp(text: str) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 time (``Z`` or ``±hh:mm``), else None."""
    text = text.strip()
    if len(text) < 20 or text[10] not in "Tt":
        return None
    try:
        base = time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    rest = text[19:]
    frac_ns = 0
    if rest.startswith("."):
        digits = ""
        i = 1
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        frac_ns = int((digits + "000000000")[:9]) if digits else 0
        rest = rest[i:]
    if rest in ("Z", "z"):
        offset = 0
    elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":":
        try:
            offset = (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60) * (1 if rest[0] == "+" else -1)
        except ValueError:
            return None
    else:
        return None
    seconds = calendar.timegm(base) - offset
    return seconds * 1_000_000_000 + frac_ns


@dataclass(frozen=True)
class LogLine:
    """One line of a CRI log file."""

    timestamp_ns: int
    stream: str
    partial: bool
    content: bytes


def parse_line(raw: bytes) -> LogLine | None:
    """A CRI log line (with or without its ``\\n``); None when it is not one."""
    raw = raw.rstrip(b"\n")
    parts = raw.split(b" ", 3)
    if len(parts) < 3:
        return None
    stamp = parse_timestamp(parts[0].decode("ascii", "replace"))
    stream = parts[1].decode("ascii", "replace")
    if stamp is None or stream not in STREAMS or parts[2] not in (FULL, PARTIAL):
        return None
    content = parts[3] if len(parts) == 4 else b""
    return LogLine(stamp, stream, parts[2] == PARTIAL, content)


def encode_line(timestamp_ns: int, stream: str, partial: bool, content: bytes) -> bytes:
    tag = PARTIAL if partial else FULL
    return b"%s %s %s %s\n" % (format_timestamp(timestamp_ns).encode(), stream.encode(), tag,
                               content)


# -- writing --------------------------------------------------------------------------------


class LogWriter:
    """Cuts each stream's bytes into CRI lines and appends them to ``path``, rotating by size.

    Bytes of a line arrive in any chunks; a line is written when its ``\\n`` arrives, when it
    reaches :data:`MAX_LINE_SIZE` (as ``P`` fragments), or at :meth:`close` (as ``F``).
    """

    def __init__(self, path: str, *, max_size: int = DEFAULT_MAX_SIZE,
                 max_files: int = DEFAULT_MAX_FILES,
                 clock_ns: Callable[[], int] = time.time_ns) -> None:
        self.path = path
        self.max_size = max_size
        self.max_files = max(max_files, 1)
        self._clock_ns = clock_ns
        self._pending = {s: bytearray() for s in STREAMS}
        self._file = open(path, "ab")  # noqa: SIM115 - lives as long as the writer
        os.chmod(path, 0o640)
        self._size = self._file.tell()

    def feed(self, stream: str, data: bytes) -> None:
        pending = self._pending[stream]
        pending += data
        start = 0
        while True:
            end = pending.find(b"\n", start, start + MAX_LINE_SIZE + 1)
            if end != -1:
                self._write(stream, False, bytes(pending[start:end]))
                start = end + 1
            elif len(pending) - start >= MAX_LINE_SIZE:
                self._write(stream, True, bytes(pending[start:start + MAX_LINE_SIZE]))
                start += MAX_LINE_SIZE
            else:
                break
        del pending[:start]

    def finish(self, stream: str) -> None:
        """The stream ended: what is left of its last line is written as a full line."""
        pending = self._pending[stream]
        if pending:
            self._write(stream, False, bytes(pending))
            pending.clear()

    def close(self) -> None:
        for stream in STREAMS:
            self.finish(stream)
        self._file.close()

    def _write(self, stream: str, partial: bool, content: bytes) -> None:
        line = encode_line(self._clock_ns(), stream, partial, content)
        if self._size and self._size + len(line) > self.max_size:
            self._rotate()
        self._file.write(line)
        self._file.flush()
        self._size += len(line)

    def _rotate(self) -> None:
        self._file.close()
        stamp = time.strftime(ROTATED_STAMP, time.gmtime(self._clock_ns() / 1e9))
        target = f"{self.path}.{stamp}"
        n = 0
        while os.path.exists(target) or os.path.exists(target + ".gz"):
            n += 1
            target = f"{self.path}.{stamp}-{n}"
        os.rename(self.path, target)
        self._file = open(self.path, "ab")  # noqa: SIM115
        os.chmod(self.path, 0o640)
        self._size = 0
        rotated = rotated_files(self.path)
        for old in rotated[:-1]:
            if not old.endswith(".gz"):
                _gzip(old)
        rotated = rotated_files(self.path)
        for old in rotated[: max(len(rotated) - (self.max_files - 1), 0)]:
            os.unlink(old)


def rotated_files(path: str) -> list[str]:
    """Rotated siblings of a log file, oldest first."""
    directory, base = os.path.split(path)
    prefix = base + "."
    try:
        names = [n for n in os.listdir(directory or ".") if n.startswith(prefix)]
    except FileNotFoundError:
        return []
    names.sort(key=lambda n: n.removesuffix(".gz"))
    return [os.path.join(directory, n) for n in names]


def _gzip(path: str) -> None:
    with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.unlink(path)


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogOptions:
    """``PodLogOptions`` as the kubelet applies them to one file."""

    tail_lines: int | None = None
    since_ns: int | None = None
    timestamps: bool = False
    limit_bytes: int | None = None
    follow: bool = False


def tail_offset(path: str, lines: int) -> int:
    """Offset in ``path`` where its last ``lines`` lines start."""
    if lines <= 0:
        return os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        end = position = f.tell()
        newlines = 0
        # The file's own last "\n" ends the last line rather than starting a new one.
        skip_last = True
        while position > 0:
            step = min(_READ_BLOCK, position)
            position -= step
            f.seek(position)
            block = f.read(step)
            for i in range(len(block) - 1, -1, -1):
                if block[i] != 0x0A:
                    continue
                if skip_last and position + i == end - 1:
                    continue
                newlines += 1
                if newlines == lines:
                    return position + i + 1
            skip_last = False
        return 0


def render(line: LogLine, options: LogOptions) -> bytes | None:
    """What the kubelet sends for one log line, or None when ``since`` filters it out."""
    if options.since_ns is not None and line.timestamp_ns < options.since_ns:
        return None
    out = line.content if line.partial else line.content + b"\n"
    if options.timestamps:
        out = format_timestamp_fixed(line.timestamp_ns).encode() + b" " + out
    return out


class _Limit:
    def __init__(self, limit: int | None) -> None:
        self.left = limit

    def cut(self, data: bytes) -> bytes:
        if self.left is None:
            return data
        data = data[: self.left]
        self.left -= len(data)
        return data

    @property
    def exhausted(self) -> bool:
        return self.left is not None and self.left <= 0


def read_log(path: str, options: LogOptions) -> Iterator[bytes]:
    """The rendered content of ``path`` as it is now (no following)."""
    limit = _Limit(options.limit_bytes)
    start = tail_offset(path, options.tail_lines) if options.tail_lines is not None else 0
    with open(path, "rb") as f:
        f.seek(start)
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # being written right now: the writer always ends its lines
            chunk = _render_raw(raw, options)
            if chunk:
                yield limit.cut(chunk)
                if limit.exhausted:
                    return


def _render_raw(raw: bytes, options: LogOptions) -> bytes | None:
    line = parse_line(raw)
    return render(line, options) if line is not None else None


async def follow_log(path: str, options: LogOptions, running: Callable[[], bool],
                     sleep: Callable[[float], Awaitable[None]], poll: float = 0.2
                     ) -> AsyncIterator[bytes]:
    """Like :func:`read_log`, then keep sending new lines until ``running()`` is false and
    everything written is sent; rotation (a new file at ``path``) is followed. ``sleep`` is
    the event loop's (``asyncio.sleep``), passed in so the shim never imports asyncio."""
    limit = _Limit(options.limit_bytes)
    start = tail_offset(path, options.tail_lines) if options.tail_lines is not None else 0
    f = open(path, "rb")  # noqa: SIM115 - swapped on rotation, closed in finally
    try:
        f.seek(start)
        inode = os.fstat(f.fileno()).st_ino
        pending = b""
        while True:
            chunk = f.read(_READ_BLOCK)
            if chunk:
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    out = _render_raw(raw, options)
                    if out:
                        yield limit.cut(out)
                        if limit.exhausted:
                            return
                continue
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = inode
            if current != inode:  # rotated: the old file is complete, go on with the new
                f.close()
                f = open(path, "rb")  # noqa: SIM115
                inode = os.fstat(f.fileno()).st_ino
                pending = b""
                continue
            if not running():
                # One more read: the writer may have appended between our read and the check.
                if not f.read(1):
                    return
                f.seek(-1, os.SEEK_CUR)
                continue
            await sleep(poll)
    finally:
        f.close()

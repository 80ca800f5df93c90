"""Finding and following log files through rotation, compression and truncation.

Sits between the file system (:mod:`.files`, :mod:`.paths`) and the pipeline
(:mod:`.shipper`), which turns the lines it reads into records and tells it what was
acknowledged. Polling, not inotify: it works the same on every file system, and a stat per
file per tick is cheap next to the reading itself.

- **New files** are found by a scan of ``<root>/pods/*/*/`` every ``scan_interval``; each
  is known by (device, inode) while open and by its fingerprint for ever (the checkpoint
  key). A file with a checkpoint resumes there; one without is read from its start.
- **Rename rotation** keeps the inode: the open file descriptor goes on reading the
  renamed file to its end, whatever happens to the name (gzip, delete), so a burst
  rotated away faster than it is read is not lost. A file is retired once it is at its
  end, no longer the live ``<n>.log``, and has not grown for ``rotate_idle`` seconds.
- **Gzipped** rotated files found later are read decompressed from their checkpoint.
- **copytruncate**: a file that shrinks is detached from its state; the copy (same
  fingerprint) is picked up where reading stopped. If no copy shows up within
  ``truncate_grace`` the state is retired; the truncated file starts over as a new one.
- **Offsets** are saved only up to the oldest byte that is not yet safely delivered: the
  oldest unacknowledged record, half-joined partial lines and multiline groups, and the
  unterminated tail.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from observe.shipper.checkpoints import Checkpoint, Checkpoints
from observe.shipper.files import (
    DEFAULT_MAX_LINE_BYTES,
    GzipSource,
    InFlight,
    LineSplitter,
    PlainSource,
    SourceNotReady,
    fingerprint,
    open_source,
    read_head,
)
from observe.shipper.paths import PodLogPath, discover, live_path_of, parse_pod_log_path

log = logging.getLogger(__name__)

DEFAULT_READ_CHUNK = 256 * 1024
Lines = list[tuple[bytes, int, int]]


class FileState:
    """Everything known about one fingerprint: where it is read from, how far, what is
    half-assembled and what is in flight."""

    def __init__(self, fp: str, path: str, source: PlainSource | GzipSource, offset: int,
                 max_line_bytes: int, now: float) -> None:
        self.fingerprint = fp
        self.path = path
        self.where: PodLogPath | None = parse_pod_log_path(path)
        self.source: PlainSource | GzipSource | None = source
        self.splitter = LineSplitter(offset, max_line_bytes)
        self.inflight = InFlight()
        self.saved_offset = offset
        self.discovered = now
        self.last_growth = now
        self.at_end = False
        self.detached_since: float | None = None
        self.finishing = False
        self.device, self.inode = source.device, source.inode
        self.size = 0
        # Per-file processing state, owned by the pipeline (assembler, joiner, options).
        self.context: Any = None
        self.holds: list[Callable[[], int | None]] = []

    def __repr__(self) -> str:
        return f"<FileState {self.fingerprint} {self.path} @{self.read_offset}>"

    @property
    def read_offset(self) -> int:
        return self.splitter.consumed + self.splitter.buffered

    def safe_offset(self) -> int:
        """Where reading must resume after a crash so that nothing unacknowledged is lost."""
        candidates = [self.splitter.consumed]
        oldest = self.inflight.oldest()
        if oldest is not None:
            candidates.append(oldest)
        for hold in self.holds:
            start = hold()
            if start is not None:
                candidates.append(start)
        return min(candidates)

    def lag_bytes(self) -> int:
        return max(self.size - self.saved_offset, 0) if self.size >= 0 else 0


class Tailer:
    def __init__(self, root: str, checkpoints: Checkpoints, *,
                 max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
                 read_chunk: int = DEFAULT_READ_CHUNK,
                 scan_interval: float = 1.0,
                 rotate_idle: float = 1.0,
                 truncate_grace: float = 3.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.root = root
        self.checkpoints = checkpoints
        self.max_line_bytes = max_line_bytes
        self.read_chunk = read_chunk
        self.scan_interval = scan_interval
        self.rotate_idle = rotate_idle
        self.truncate_grace = truncate_grace
        self._clock = clock
        self.files: dict[str, FileState] = {}
        self._by_inode: dict[tuple[int, int], FileState] = {}
        # Files seen and deliberately not opened, with the (size, mtime) they had then.
        self._ignored: dict[tuple[int, int], tuple[int, int]] = {}
        self._next_scan = 0.0
        self._cursor = 0
        self.lines_read = 0
        self.bytes_read = 0

    # -- discovery ---------------------------------------------------------------------------

    def scan_due(self) -> bool:
        return self._clock() >= self._next_scan

    def scan(self) -> list[FileState]:
        """Find new files and follow renames; returns the states opened."""
        now = self._clock()
        self._next_scan = now + self.scan_interval
        opened = []
        seen: set[tuple[int, int]] = set()
        for path in discover(self.root):
            try:
                st = os.stat(path)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            seen.add(key)
            known = self._by_inode.get(key)
            if known is not None:
                known.path = path
                continue
            signature = (st.st_size, st.st_mtime_ns)
            if self._ignored.get(key) == signature:
                continue
            state = self._consider(path, key, signature, now)
            if state is not None:
                opened.append(state)
        # Forget files that are gone, so the map does not grow with every rotation.
        self._ignored = {k: v for k, v in self._ignored.items() if k in seen}
        self._verify_heads(now)
        return opened

    def _verify_heads(self, now: float) -> None:
        """A file truncated and written again past the old offset between two looks has
        its size back, but not its first line: compare fingerprints."""
        for state in list(self.files.values()):
            if state.source is None or state.finishing:
                continue
            if not self._same_head(state):
                log.info("%s was truncated and rewritten", state.path)
                self._detach(state, now)

    def _same_head(self, state: FileState) -> bool:
        source = state.source
        if source is None or source.compressed:
            return True
        try:
            return fingerprint(source.head()) == state.fingerprint
        except OSError:
            return True  # unreadable now; the next look decides

    def _consider(self, path: str, key: tuple[int, int], signature: tuple[int, int],
                  now: float) -> FileState | None:
        try:
            fp = fingerprint(read_head(path))
        except OSError:
            return None
        if fp is None:
            return None  # no complete first line yet (or a .gz still being written)
        state = self.files.get(fp)
        if state is not None:
            if state.source is None and not state.finishing:
                self._attach(state, path)
            else:
                # A copy of a file being read (copytruncate's copy before the truncate, a
                # .gz of a rotated file still open): it holds nothing new.
                self._ignored[key] = signature
            return None
        checkpoint = self.checkpoints.get(fp)
        if checkpoint is not None and checkpoint.done:
            self._ignored[key] = signature
            return None
        try:
            source = open_source(path)
        except OSError:
            return None
        offset = checkpoint.offset if checkpoint is not None else 0
        state = FileState(fp, path, source, offset, self.max_line_bytes, now)
        self.files[fp] = state
        self._by_inode[(source.device, source.inode)] = state
        log.debug("reading %s (%s) from offset %d", path, fp, offset)
        return state

    def _attach(self, state: FileState, path: str) -> None:
        try:
            source = open_source(path)
        except OSError:
            return
        state.source = source
        state.path = path
        state.device, state.inode = source.device, source.inode
        state.detached_since = None
        state.at_end = False
        self._by_inode[(source.device, source.inode)] = state
        log.info("continuing %s in %s after truncation", state.fingerprint, path)

    def _detach(self, state: FileState, now: float) -> None:
        if state.source is not None:
            self._by_inode.pop((state.device, state.inode), None)
            state.source.close()
            state.source = None
        state.detached_since = now
        # The copy may be among the files ignored as duplicates a moment ago.
        self._ignored.clear()
        self._next_scan = now

    # -- reading -----------------------------------------------------------------------------

    def read(self, max_bytes: int, ready: Callable[[FileState], bool]) -> list[
            tuple[FileState, Lines]]:
        """Up to ``max_bytes`` from the files, a chunk per file in turn (fair under load)."""
        out: list[tuple[FileState, Lines]] = []
        states = [s for s in self.files.values() if s.source is not None and not s.finishing]
        if not states:
            return out
        now = self._clock()
        budget = max_bytes
        start = self._cursor % len(states)
        for i in range(len(states)):
            if budget <= 0:
                self._cursor = start + i
                break
            state = states[(start + i) % len(states)]
            if not ready(state):
                continue
            chunk = min(self.read_chunk, budget)
            try:
                data = state.source.read(state.read_offset, chunk)  # type: ignore[union-attr]
            except SourceNotReady:
                continue
            except OSError as e:
                log.warning("reading %s failed: %s", state.path, e)
                continue
            if not data:
                state.at_end = True
                continue
            if not self._same_head(state):
                # Truncated and written again since the last look: the bytes just read may
                # be new content at an old offset. They are dropped; what was in the file
                # before is in copytruncate's copy, which is read from here on.
                log.info("%s was truncated and rewritten", state.path)
                self._detach(state, now)
                continue
            state.at_end = len(data) < chunk
            state.last_growth = now
            budget -= len(data)
            lines = state.splitter.feed(data)
            self.bytes_read += len(data)
            self.lines_read += len(lines)
            if lines:
                out.append((state, lines))
        else:
            self._cursor = start + 1
        return out

    # -- rotation, truncation, retirement ------------------------------------------------------

    def check(self) -> list[FileState]:
        """Notice truncation and decide which files are finished; returns the states that
        start finishing now (the pipeline flushes what they hold, then :meth:`retire`)."""
        now = self._clock()
        finishing = []
        for state in list(self.files.values()):
            if state.finishing:
                continue
            source = state.source
            if source is None:
                if state.detached_since is not None and (
                        now - state.detached_since >= self.truncate_grace):
                    finishing.append(state)
                continue
            try:
                size = source.size()
            except OSError:
                size = -1
            state.size = size
            if not source.compressed and 0 <= size < state.read_offset:
                log.info("%s was truncated (%d < %d)", state.path, size, state.read_offset)
                self._detach(state, now)
                continue
            if not state.at_end or state.read_offset < size:
                continue
            if source.compressed or (not self._is_live(state)
                                     and now - state.last_growth >= self.rotate_idle):
                finishing.append(state)
        for state in finishing:
            state.finishing = True
        return finishing

    def _is_live(self, state: FileState) -> bool:
        source = state.source
        if source is None or source.links() == 0:
            return False
        try:
            st = os.stat(live_path_of(state.path))
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == (source.device, source.inode)

    def take_rest(self, state: FileState) -> tuple[bytes, int, int] | None:
        return state.splitter.take_rest()

    def retire(self) -> list[Checkpoint]:
        """Close finished files whose records are all acknowledged; their checkpoints
        (``done``) are returned for saving."""
        done = []
        for state in [s for s in self.files.values() if s.finishing and s.inflight.count == 0]:
            if state.safe_offset() < state.splitter.consumed:
                continue  # something is still held by the pipeline
            if state.source is not None:
                self._by_inode.pop((state.device, state.inode), None)
                st = _stat_signature(state.path)
                if st is not None:
                    self._ignored[(state.device, state.inode)] = st
                state.source.close()
                state.source = None
            del self.files[state.fingerprint]
            state.saved_offset = state.splitter.consumed
            done.append(self._checkpoint(state, state.splitter.consumed, True))
            log.debug("finished %s (%s)", state.path, state.fingerprint)
        return done

    def checkpoints_due(self) -> list[Checkpoint]:
        """Offsets that moved since they were last saved."""
        due = []
        for state in self.files.values():
            offset = state.safe_offset()
            if offset > state.saved_offset:
                state.saved_offset = offset
                due.append(self._checkpoint(state, offset, False))
        return due

    def _checkpoint(self, state: FileState, offset: int, done: bool) -> Checkpoint:
        return Checkpoint(state.fingerprint, offset, done, state.path, state.device,
                          state.inode)

    def close(self) -> None:
        for state in self.files.values():
            if state.source is not None:
                state.source.close()
                state.source = None


def _stat_signature(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns

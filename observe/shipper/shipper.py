"""The pipeline: files → lines → entries → records → delivery, and acknowledgements back to
checkpoints.

Sits at the top of the package; :mod:`.main` builds it with an output and a pod index and
runs it. One loop does the synchronous work (reading, parsing, building documents) in
rounds of at most ``read_bytes_per_round`` bytes, yielding to the event loop in between so
the senders and the health endpoint keep going.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from observe.logstore.deadletter import DeadLetters, FileDeadLetters, IndexDeadLetters
from observe.logstore.delivery import Backoff, Delivery
from observe.logstore.outputs.base import ItemResult, Output
from observe.logstore.record import Record
from observe.logstore.templates import index_for
from observe.shipper.checkpoints import Checkpoints
from observe.shipper.config import ShipperConfig
from observe.shipper.fields import (
    TAG_METADATA_MISSING,
    document,
    document_id,
    static_fields,
    without_merged_fields,
)
from observe.shipper.formats import TAG_TRUNCATED, Entry, LineAssembler
from observe.shipper.metadata import PodIndex, PodInfo, container_options
from observe.shipper.multiline import MultilineJoiner, RegexRule, Rule, rules_named
from observe.shipper.parsing import PARSERS, parse
from observe.shipper.tailer import FileState, Lines, Tailer

log = logging.getLogger(__name__)

CHECKPOINT_DB = "checkpoints.db"
DEAD_LETTER_FILE = "deadletter.ndjson"


def repair_mapping_conflict(record: Record, result: ItemResult) -> bool:
    """A 400 for a document with JSON-line fields is most often a mapping clash between
    apps; without those fields as fields, the record is still worth storing."""
    if result.status != 400:
        return False
    repaired = without_merged_fields(record.source)
    if repaired is None:
        return False
    record.source = repaired
    return True


class FileContext:
    """How one file's lines are turned into records (depends on its pod)."""

    __slots__ = ("assembler", "excluded", "flags", "info", "joiner", "parser", "static")

    def __init__(self, assembler: LineAssembler, joiner: MultilineJoiner) -> None:
        self.assembler = assembler
        self.joiner = joiner
        self.info: PodInfo | None = None
        self.excluded = False
        self.parser = "auto"
        self.static = b""
        self.flags: tuple[str, ...] = ()


class Shipper:
    def __init__(self, config: ShipperConfig, output: Output, pods: PodIndex, *,
                 dead_letters: DeadLetters | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.output = output
        self.pods = pods
        self._clock = clock
        state_dir = Path(config.state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.checkpoints = Checkpoints(state_dir / CHECKPOINT_DB)
        self.checkpoints.forget_older_than()
        self.tailer = Tailer(config.root, self.checkpoints,
                             max_line_bytes=config.max_line_bytes,
                             scan_interval=config.scan_interval,
                             rotate_idle=config.rotate_idle,
                             truncate_grace=config.truncate_grace, clock=clock)
        if dead_letters is None:
            fallback = FileDeadLetters(state_dir / DEAD_LETTER_FILE)
            dead_letters = (IndexDeadLetters(output, config.dead_letter_index, fallback)
                            if config.dead_letter_index else fallback)
        self.delivery = Delivery(output, dead_letters, self._acknowledged,
                                 batch_records=config.batch_records,
                                 batch_bytes=config.batch_bytes,
                                 flush_interval=config.flush_interval,
                                 max_inflight_bytes=config.max_inflight_bytes,
                                 concurrency=config.concurrency,
                                 backoff=Backoff(config.retry_initial, config.retry_max),
                                 repair=repair_mapping_conflict, clock=clock)
        self._custom_rule: Rule | None = None
        if config.multiline_start and config.multiline_continue:
            self._custom_rule = RegexRule(config.multiline_start, config.multiline_continue)
        self._index_cache: dict[str, str] = {}
        self.records_excluded = 0
        self.started = False

    # -- running -------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        self.delivery.start()
        self.started = True
        try:
            while not stop.is_set():
                if self.step() == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.config.poll_interval)
                else:
                    await asyncio.sleep(0)
        finally:
            await self.close()

    async def close(self) -> None:
        drained = await self.delivery.stop(self.config.stop_timeout)
        if not drained:
            log.warning("stopping with records not acknowledged; they are sent again at the "
                        "next start")
        self._save_checkpoints()
        self.tailer.close()
        self.checkpoints.close()
        await self.output.close()

    def step(self) -> int:
        """One round of synchronous work; returns the bytes read."""
        now = self._clock()
        tailer = self.tailer
        if tailer.scan_due():
            tailer.scan()
            self.pods.expire()
        for state in tailer.check():
            self._finish(state, now)
        read = 0
        room = min(self.delivery.room(), self.config.read_bytes_per_round)
        if room > 0:
            for state, lines in tailer.read(room, self._ready):
                read += sum(end - start for _, start, end in lines)
                self._process(state, lines, now)
        self._flush_idle_groups(now)
        self.delivery.flush_due()
        done = tailer.retire()
        if done:
            self.checkpoints.save(done)
        self._save_checkpoints()
        return read

    # -- lines to records ----------------------------------------------------------------------

    def _ready(self, state: FileState) -> bool:
        """A pod's file waits a moment for its pod to show up in the watch, so its first
        records carry labels and owner like the rest."""
        if state.where is None or self.pods.get(state.where.uid) is not None:
            return True
        return self._clock() - state.discovered >= self.config.metadata_wait

    def _context(self, state: FileState) -> FileContext:
        context = state.context
        if context is None:
            context = FileContext(LineAssembler(max_record_bytes=self.config.max_record_bytes),
                                  MultilineJoiner(self._rules(None)))
            state.context = context
            state.holds = [context.assembler.pending_start, context.joiner.pending_start]
            self._refresh(state, context, None, force=True)
        else:
            info = self.pods.get(state.where.uid) if state.where is not None else None
            if info is not context.info:
                self._refresh(state, context, info)
        return context

    def _refresh(self, state: FileState, context: FileContext, info: PodInfo | None,
                 force: bool = False) -> None:
        if force and state.where is not None:
            info = self.pods.get(state.where.uid)
        context.info = info
        container = state.where.container if state.where is not None else ""
        options = container_options(info, container)
        context.excluded = options.exclude
        parser = options.parser or self.config.parser
        context.parser = parser if parser in PARSERS else self.config.parser
        if options.multiline is not None:
            context.joiner.rules = self._rules(options.multiline)
        context.static = static_fields(self.config.node, state.where, info)
        context.flags = (TAG_METADATA_MISSING,) if info is None and state.where else ()

    def _rules(self, names: tuple[str, ...] | None) -> list[Rule]:
        try:
            rules = rules_named(names if names is not None else self.config.multiline)
        except ValueError as e:
            log.warning("%s; using the default multiline rules", e)
            rules = rules_named(self.config.multiline)
        if self._custom_rule is not None:
            rules.insert(0, self._custom_rule)
        return rules

    def _process(self, state: FileState, lines: Lines, now: float) -> None:
        context = self._context(state)
        feed = context.assembler.feed
        join = context.joiner.feed
        truncated = state.splitter.truncated
        for raw, start, end in lines:
            entry = feed(raw, start, end)
            if entry is None:
                continue
            if truncated and entry.start in truncated:
                truncated.discard(entry.start)
                entry.tags = (*entry.tags, TAG_TRUNCATED)
            for complete in join(entry, now):
                self._emit(state, context, complete)

    def _emit(self, state: FileState, context: FileContext, entry: Entry) -> None:
        if context.excluded:
            self.records_excluded += 1
            return
        parsed = parse(entry.text, context.parser)
        if parsed.level is None and "multiline" in entry.tags:
            parsed.level = "error"  # a stack trace
        source = document(entry, parsed, state.path, context.static, context.flags)
        record = Record(state, entry.start,
                        index_for(self.config.index, entry.time, self._index_cache),
                        document_id(state.fingerprint, entry.start), source)
        state.inflight.add(entry.start)
        self.delivery.add(record)

    def _flush_idle_groups(self, now: float) -> None:
        timeout = self.config.multiline_flush
        for state in self.tailer.files.values():
            context = state.context
            if context is not None and context.joiner.pending_start() is not None:
                for entry in context.joiner.flush_idle(now, timeout):
                    self._emit(state, context, entry)

    def _finish(self, state: FileState, now: float) -> None:
        """The file will not grow again: whatever it holds becomes records."""
        context = self._context(state)
        rest = self.tailer.take_rest(state)
        entries: list[Entry] = []
        if rest is not None:
            entry = context.assembler.feed(*rest)
            if entry is not None:
                entries.extend(context.joiner.feed(entry, now))
        for entry in context.assembler.flush():
            entries.extend(context.joiner.feed(entry, now))
        entries.extend(context.joiner.flush())
        for entry in entries:
            self._emit(state, context, entry)

    # -- acknowledgements ----------------------------------------------------------------------

    def _acknowledged(self, records: list[Record]) -> None:
        for record in records:
            if record.file is not None:
                record.file.inflight.ack(record.start)

    def _save_checkpoints(self) -> None:
        due = self.tailer.checkpoints_due()
        if due:
            self.checkpoints.save(due)

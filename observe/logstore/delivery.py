"""Batches to the output, per-item retries, dead letters, and the memory budget.

Sits between the pipeline (:mod:`.shipper`), which adds records while :meth:`Delivery.room`
says there is room, and an :class:`~.outputs.base.Output`. Records are grouped into batches
(``batch_records`` / ``batch_bytes`` / ``flush_interval``) and sent by ``concurrency``
senders. For each batch:

- items delivered or duplicate are acknowledged (``on_done``), which lets the checkpoints
  move;
- items to retry are sent again, only them, after an exponential back-off with jitter;
- rejected items go to the dead letters, then are acknowledged — unless ``repair`` can
  rewrite the record into something the store may take (it is then sent once more);
- a batch that did not get through at all is retried whole, with back-off, for as long as
  it takes. Meanwhile the budget stays full, so the pipeline stops reading: the files are
  the buffer, and nothing is dropped however long the store is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from observe.logstore.deadletter import DeadLetters
from observe.logstore.outputs.base import RETRY, ItemResult, Output, OutputUnavailable
from observe.logstore.record import Record

log = logging.getLogger(__name__)


@dataclass
class DeliveryStats:
    records_delivered: int = 0
    records_duplicate: int = 0
    records_dead_lettered: int = 0
    retries: int = 0
    batches: int = 0
    unavailable: int = 0
    last_error: str = ""
    output_up: bool = True


class Backoff:
    """Exponential with "equal jitter": half the step is fixed, half random."""

    def __init__(self, base: float = 0.5, cap: float = 30.0,
                 rand: Callable[[], float] = random.random) -> None:
        self.base = base
        self.cap = cap
        self.rand = rand

    def delay(self, attempt: int) -> float:
        step = min(self.cap, self.base * (2 ** min(attempt, 30)))
        return step / 2 + self.rand() * step / 2


class Delivery:
    def __init__(self, output: Output, dead_letters: DeadLetters,
                 on_done: Callable[[list[Record]], None], *,
                 batch_records: int = 1000, batch_bytes: int = 5 * 1024 * 1024,
                 flush_interval: float = 1.0, max_inflight_bytes: int = 32 * 1024 * 1024,
                 concurrency: int = 2, backoff: Backoff | None = None,
                 repair: Callable[[Record, ItemResult], bool] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = asyncio.sleep) -> None:
        self.output = output
        self.dead_letters = dead_letters
        self.on_done = on_done
        self.batch_records = batch_records
        self.batch_bytes = batch_bytes
        self.flush_interval = flush_interval
        self.max_inflight_bytes = max_inflight_bytes
        self.concurrency = concurrency
        self.backoff = backoff or Backoff()
        self.repair = repair
        self.stats = DeliveryStats()
        self._clock = clock
        self._sleep = sleep
        self._batch: list[Record] = []
        self._batch_size = 0
        self._batch_started = 0.0
        self._queue: asyncio.Queue[list[Record]] = asyncio.Queue()
        self._senders: list[asyncio.Task[None]] = []
        self.inflight_bytes = 0
        self.inflight_records = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # -- the pipeline's side -------------------------------------------------------------------

    def room(self) -> int:
        """Bytes that may still be read before the budget is full."""
        return max(self.max_inflight_bytes - self.inflight_bytes, 0)

    def add(self, record: Record) -> None:
        if not self._batch:
            self._batch_started = self._clock()
        self._batch.append(record)
        self._batch_size += record.size
        self.inflight_bytes += record.size
        self.inflight_records += 1
        self._idle.clear()
        if len(self._batch) >= self.batch_records or self._batch_size >= self.batch_bytes:
            self.flush()

    def flush_due(self) -> None:
        if self._batch and self._clock() - self._batch_started >= self.flush_interval:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            self._queue.put_nowait(self._batch)
            self._batch = []
            self._batch_size = 0

    # -- senders -------------------------------------------------------------------------------

    def start(self) -> None:
        if not self._senders:
            self._senders = [asyncio.create_task(self._sender(), name=f"shipper-sender-{i}")
                             for i in range(self.concurrency)]

    async def stop(self, timeout: float) -> bool:
        """Send what is pending for up to ``timeout`` seconds; True if all was sent."""
        self.flush()
        drained = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            drained = False
        for task in self._senders:
            task.cancel()
        for task in self._senders:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._senders = []
        return drained

    async def _sender(self) -> None:
        while True:
            batch = await self._queue.get()
            try:
                await self._deliver(batch)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop delivery: keep the batch, retry later
                log.exception("delivering a batch failed; retrying it")
                self._queue.put_nowait(batch)
                await self._sleep(self.backoff.cap)

    async def _deliver(self, batch: list[Record]) -> None:
        pending = batch
        attempt = 0
        self.stats.batches += 1
        while pending:
            try:
                results = await self.output.send(pending)
            except OutputUnavailable as e:
                self._unavailable(str(e), len(pending))
                await self._sleep(self.backoff.delay(attempt))
                attempt += 1
                continue
            if not self.stats.output_up:
                log.info("the %s output is back", self.output.name)
            self.stats.output_up = True
            pending = await self._settle(pending, results)
            if pending:
                self.stats.retries += len(pending)
                await self._sleep(self.backoff.delay(attempt))
                attempt += 1

    def _unavailable(self, reason: str, count: int) -> None:
        if self.stats.output_up:
            log.warning("the %s output is unavailable (%s); reading pauses until it is back",
                        self.output.name, reason)
        self.stats.output_up = False
        self.stats.unavailable += 1
        self.stats.retries += count
        self.stats.last_error = reason

    async def _settle(self, records: list[Record], results: list[ItemResult]) -> list[Record]:
        """Acknowledge what is done, dead-letter what was refused; what to send again."""
        done: list[Record] = []
        retry: list[Record] = []
        rejected: list[tuple[Record, ItemResult]] = []
        for record, result in zip(records, results, strict=False):
            if result.done:
                done.append(record)
                if result.outcome == "duplicate":
                    self.stats.records_duplicate += 1
                else:
                    self.stats.records_delivered += 1
            elif result.outcome == RETRY:
                record.attempts += 1
                retry.append(record)
                self.stats.last_error = result.reason
            elif self.repair is not None and self.repair(record, result):
                retry.append(record)
            else:
                rejected.append((record, result))
        retry.extend(records[len(results):])
        if rejected:
            await self.dead_letters.write(rejected)
            self.stats.records_dead_lettered += len(rejected)
            done.extend(r for r, _ in rejected)
        self._release(done)
        return retry

    def _release(self, done: list[Record]) -> None:
        if not done:
            return
        for record in done:
            self.inflight_bytes -= record.size
        self.inflight_records -= len(done)
        self.on_done(done)
        if self.inflight_records == 0:
            self._idle.set()

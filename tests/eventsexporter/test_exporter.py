"""Handlers enqueue, the loop delivers: every (uid, count) once, even across a re-list."""

from __future__ import annotations

import asyncio
import time

from observe.eventsexporter.exporter import EventsExporter
from observe.logstore.deadletter import FileDeadLetters
from observe.logstore.delivery import Backoff, Delivery
from observe.logstore.outputs.bulk import BulkOutput
from observe.logstore.outputs.fake import FakeBulkTransport

from .test_documents import event


def exporter_with(transport: FakeBulkTransport, tmp_path, **delivery) -> EventsExporter:
    output = BulkOutput(transport, "fake")
    options = {"flush_interval": 0.01, "backoff": Backoff(0.01, 0.05), **delivery}
    return EventsExporter(Delivery(output, FileDeadLetters(tmp_path / "dl.ndjson"),
                                   lambda records: None, **options), poll_interval=0.01)


async def until(what, check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def test_each_count_is_a_document_and_a_relist_adds_none(tmp_path):
    transport = FakeBulkTransport()
    exporter = exporter_with(transport, tmp_path)
    stop = asyncio.Event()
    running = asyncio.create_task(exporter.run(stop))
    first = event(count=1)
    exporter.on_add(first)
    exporter.on_update(first, event(count=2))
    exporter.on_update(first, event(count=2, message="same count, new resourceVersion"))
    exporter.on_add(event(metadata={"name": "other", "namespace": "shop", "uid": "u2"}))
    await until("3 documents", lambda: len(transport.documents) == 3)
    exporter.on_add(event(count=2))  # what a re-list after a restart sends again
    await until("the re-sent document", lambda: exporter.delivery.stats.records_duplicate == 1)
    stop.set()
    await running
    assert sorted(i for _, i in transport.documents) == ["e-uid-1", "e-uid-2", "u2-3"]
    assert {index for index, _ in transport.documents} == {"observe-events-2024.05.02"}


async def test_an_unavailable_store_loses_nothing(tmp_path):
    from observe.logstore.outputs.base import OutputUnavailable

    transport = FakeBulkTransport()
    transport.fail_next = [OutputUnavailable("down")] * 3
    exporter = exporter_with(transport, tmp_path)
    stop = asyncio.Event()
    running = asyncio.create_task(exporter.run(stop))
    for count in range(1, 6):
        exporter.on_add(event(count=count))
    await until("5 documents", lambda: len(transport.documents) == 5)
    stop.set()
    await running
    assert transport.calls > 3


def test_pending_waits_while_the_delivery_budget_is_full(tmp_path):
    exporter = exporter_with(FakeBulkTransport(), tmp_path, max_inflight_bytes=1)
    for count in range(1, 4):
        exporter.on_add(event(count=count))
    assert exporter.step() == 1, "one record fills the budget"
    assert len(exporter.pending) == 2


def test_a_malformed_event_is_counted_not_raised(tmp_path):
    exporter = exporter_with(FakeBulkTransport(), tmp_path)
    exporter.on_add({"metadata": "not an object"})
    assert exporter.invalid == 1
    assert not exporter.pending

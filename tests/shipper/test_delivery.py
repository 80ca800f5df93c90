"""Delivery: what is acknowledged, retried, dead-lettered, and when reading must wait."""

from __future__ import annotations

import asyncio
import time

import orjson

from observe.logstore.deadletter import FileDeadLetters
from observe.logstore.delivery import Backoff, Delivery
from observe.logstore.outputs.base import OutputUnavailable
from observe.logstore.outputs.bulk import BulkOutput
from observe.logstore.outputs.fake import FakeBulkTransport
from observe.logstore.record import Record


def record(i):
    return Record(None, i, "logs", f"id-{i}", orjson.dumps({"message": f"m{i}", "n": i}))


async def no_sleep(seconds):
    await asyncio.sleep(0)


async def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def delivery(transport, tmp_path, acked, **options):
    dead = FileDeadLetters(tmp_path / "dead.ndjson")
    return Delivery(BulkOutput(transport, "fake"), dead, acked.extend, batch_records=10,
                    sleep=no_sleep, **options), dead


async def test_mixed_results_retry_only_the_failed_items_and_dead_letter_the_refused(
        tmp_path):
    # First call: 201, 409 (already there), 429, 400, 503; later calls accept everything.
    first = [201, 409, 429, 400, 503]
    transport = FakeBulkTransport(
        lambda call, i, action, doc: first[i] if call == 1 else 201)
    transport.documents[("logs", "id-1")] = {"message": "m1", "n": 1}
    acked = []
    d, dead = delivery(transport, tmp_path, acked)
    d.start()
    for i in range(5):
        d.add(record(i))
    d.flush()
    await wait_for(lambda: len(acked) == 5)
    await d.stop(1)
    assert sorted(r.id for r in acked) == [f"id-{i}" for i in range(5)]
    retried = transport.bodies[1].split(b"\n")
    assert [orjson.loads(retried[i])["create"]["_id"] for i in (0, 2)] == ["id-2", "id-4"]
    assert len(transport.bodies) == 2, "only one retry round was needed"
    letters = [orjson.loads(line) for line in dead.path.read_bytes().splitlines()]
    assert [letter["observe"]["id"] for letter in letters] == ["id-3"]
    assert letters[0]["error"]["code"] == 400
    assert orjson.loads(letters[0]["event"]["original"]) == {"message": "m3", "n": 3}
    assert d.stats.records_delivered == 3 and d.stats.records_duplicate == 1
    assert d.stats.records_dead_lettered == 1 and d.stats.retries == 2


async def test_an_unavailable_output_keeps_the_budget_full_until_it_is_back(tmp_path):
    transport = FakeBulkTransport()
    transport.fail_next.extend(OutputUnavailable("down") for _ in range(3))
    acked = []
    d, _ = delivery(transport, tmp_path, acked, max_inflight_bytes=100)
    d.start()
    d.add(record(0))
    d.add(record(1))
    assert d.room() < 100
    d.flush()
    await wait_for(lambda: len(acked) == 2)
    assert d.room() == 100 and transport.calls == 4
    assert d.stats.unavailable == 3 and d.stats.output_up
    await d.stop(1)


async def test_a_partial_batch_waits_for_the_flush_interval(tmp_path):
    now = [0.0]
    transport = FakeBulkTransport()
    acked = []
    d = Delivery(BulkOutput(transport, "fake"), FileDeadLetters(tmp_path / "d"),
                 acked.extend, batch_records=10, flush_interval=1.0, clock=lambda: now[0])
    d.start()
    d.add(record(0))
    d.flush_due()
    await asyncio.sleep(0.05)
    assert transport.calls == 0
    now[0] = 1.5
    d.flush_due()
    await wait_for(lambda: len(acked) == 1)
    await d.stop(1)


def test_backoff_grows_to_its_cap_with_bounded_jitter():
    low, high = Backoff(1.0, 8.0, rand=lambda: 0.0), Backoff(1.0, 8.0, rand=lambda: 1.0)
    assert [low.delay(a) for a in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [high.delay(a) for a in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]


async def test_a_repairable_rejection_is_sent_again_instead_of_dead_lettered(tmp_path):
    transport = FakeBulkTransport(
        lambda call, i, action, doc: 400 if "n" in doc else 201)
    acked = []

    def repair(record, result):
        if result.status != 400 or b'"n"' not in record.source:
            return False
        record.source = orjson.dumps({"message": "repaired"})
        return True

    d, dead = delivery(transport, tmp_path, acked, repair=repair)
    d.start()
    d.add(record(0))
    d.flush()
    await wait_for(lambda: len(acked) == 1)
    await d.stop(1)
    assert list(transport.documents.values()) == [{"message": "repaired"}]
    assert not dead.path.exists() and d.room() == d.max_inflight_bytes

"""The work queue's guarantees, driven by a fake clock: de-duplication, one worker per key,
delays, rate-limited retries, shutdown, and the workqueue_* metrics."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from observe.client.clock import FakeClock
from observe.client.ratelimit import ItemExponentialRateLimiter
from observe.client.workqueue import ShutDown, WorkQueue


async def _drain(queue: WorkQueue) -> list:
    """Every key currently queued, each taken and marked done."""
    keys = []
    while len(queue):
        key = await queue.get()
        keys.append(key)
        queue.done(key)
    return keys


async def _get_now(queue: WorkQueue):
    return await asyncio.wait_for(queue.get(), timeout=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def queue(clock, registry) -> WorkQueue:
    return WorkQueue("pods", registry, clock=clock)


def _metric(registry, name, **labels):
    return registry.get_sample_value(name, {"name": "pods", **labels})


async def test_a_key_is_held_once_however_often_it_is_added(queue):
    for key in ["a", "b", "a", "a", "c", "b"]:
        queue.add(key)
    assert len(queue) == 3
    assert [await _get_now(queue) for _ in range(3)] == ["a", "b", "c"], "first-added order"


async def test_a_key_added_while_in_progress_comes_back_only_after_done(queue):
    queue.add("a")
    assert await _get_now(queue) == "a"

    queue.add("a")
    queue.add("a")
    assert len(queue) == 0, "no second worker may take a key being processed"

    queue.done("a")
    assert len(queue) == 1
    assert await _get_now(queue) == "a"
    queue.done("a")
    assert len(queue) == 0, "done without a new add leaves nothing behind"


async def test_get_waits_for_an_add(queue):
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.add("x")
    assert await asyncio.wait_for(getter, 1) == "x"


async def test_many_waiting_workers_each_get_a_different_key(queue):
    workers = [asyncio.create_task(queue.get()) for _ in range(3)]
    await asyncio.sleep(0)
    for key in "abc":
        queue.add(key)
    assert sorted(await asyncio.wait_for(asyncio.gather(*workers), 1)) == ["a", "b", "c"]


async def test_a_cancelled_worker_does_not_swallow_a_key(queue):
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.add("k")
    first.cancel()
    done = await asyncio.wait_for(asyncio.gather(first, second, return_exceptions=True), 1)
    assert "k" in done


async def test_add_after_waits_for_the_clock(queue, clock):
    queue.add_after("later", 5)
    queue.add_after("sooner", 1)
    assert len(queue) == 0
    clock.advance(1)
    assert await _drain(queue) == ["sooner"]
    clock.advance(3.9)
    assert len(queue) == 0
    clock.advance(0.1)
    assert await _drain(queue) == ["later"]


async def test_add_after_keeps_the_earliest_of_several_delays(queue, clock):
    queue.add_after("k", 10)
    queue.add_after("k", 2)
    queue.add_after("k", 7)
    clock.advance(2)
    assert await _drain(queue) == ["k"]
    clock.advance(20)
    assert len(queue) == 0, "the superseded delays must not add it again"


async def test_add_after_without_delay_adds_at_once(queue):
    queue.add_after("k", 0)
    assert await _drain(queue) == ["k"]


async def test_rate_limited_retries_back_off_per_key_until_forgotten(clock, registry):
    queue = WorkQueue("pods", registry, clock=clock,
                      rate_limiter=ItemExponentialRateLimiter(1.0, 60.0))
    delays = []
    for _ in range(4):
        queue.add_rate_limited("k")
        waited = 0.0
        while not len(queue):
            clock.advance(0.5)
            waited += 0.5
        delays.append(waited)
        await _drain(queue)
    assert delays == [1.0, 2.0, 4.0, 8.0]
    assert queue.num_requeues("k") == 4
    assert _metric(registry, "workqueue_retries_total") == 4

    queue.forget("k")
    assert queue.num_requeues("k") == 0


async def test_shutdown_hands_out_what_is_queued_then_releases_workers(queue, clock):
    queue.add("left")
    queue.add_after("delayed", 1)
    queue.shutdown()
    queue.add("ignored")
    queue.add_rate_limited("ignored-too")

    assert await _get_now(queue) == "left"
    with pytest.raises(ShutDown):
        await _get_now(queue)
    clock.advance(100)
    assert len(queue) == 0, "pending delays are dropped at shutdown"


async def test_shutdown_wakes_a_waiting_worker(queue):
    worker = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.shutdown()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(worker, 1)


async def test_async_iteration_ends_at_shutdown(queue):
    for key in "ab":
        queue.add(key)
    queue.shutdown()
    seen = []
    async for key in queue:
        seen.append(key)
        queue.done(key)
    assert seen == ["a", "b"]


async def test_metrics_follow_a_key_through_the_queue(queue, clock, registry):
    queue.add("a")
    queue.add("a")
    queue.add("b")
    assert _metric(registry, "workqueue_adds_total") == 2
    assert _metric(registry, "workqueue_depth") == 2

    clock.advance(3)
    key = await _get_now(queue)
    assert _metric(registry, "workqueue_depth") == 1
    assert _metric(registry, "workqueue_queue_duration_seconds_sum") == pytest.approx(3)

    clock.advance(2)
    assert _metric(registry, "workqueue_unfinished_work_seconds") == pytest.approx(2)
    assert _metric(registry, "workqueue_longest_running_processor_seconds") == pytest.approx(2)
    await _get_now(queue)
    clock.advance(1)
    assert _metric(registry, "workqueue_unfinished_work_seconds") == pytest.approx(3 + 1)
    assert _metric(registry, "workqueue_longest_running_processor_seconds") == pytest.approx(3)

    queue.done(key)
    assert _metric(registry, "workqueue_work_duration_seconds_count") == 1
    assert _metric(registry, "workqueue_work_duration_seconds_sum") == pytest.approx(3)
    assert _metric(registry, "workqueue_longest_running_processor_seconds") == pytest.approx(1)


async def test_queues_sharing_a_registry_keep_separate_series(clock, registry):
    pods = WorkQueue("pods", registry, clock=clock)
    nodes = WorkQueue("nodes", registry, clock=clock)
    pods.add("a")
    nodes.add("x")
    nodes.add("y")
    assert registry.get_sample_value("workqueue_depth", {"name": "pods"}) == 1
    assert registry.get_sample_value("workqueue_depth", {"name": "nodes"}) == 2


async def test_a_queue_without_registry_records_nothing(clock):
    queue = WorkQueue("quiet", clock=clock)
    queue.add("a")
    assert await _get_now(queue) == "a"
    queue.done("a")


async def test_real_clock_delays_fire(registry):
    queue = WorkQueue("real", registry)
    queue.add_after("k", 0.01)
    assert await asyncio.wait_for(queue.get(), timeout=5) == "k"

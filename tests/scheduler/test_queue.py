"""The scheduling queue on a fake clock: order, back-off, requeueing on cluster events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from observe.api.podinfo import PodInfo
from observe.client.clock import FakeClock
from observe.scheduler import clusterevents as ev
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.queue import (
    ACTIVE,
    BACKOFF,
    GATED,
    UNSCHEDULABLE,
    QueuedPodInfo,
    SchedulingQueue,
)
from tests.scheduler.builders import framework, node, pod


class CountingMetrics:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def incoming(self, queue: str, event: str) -> None:
        self.counts[(queue, event)] = self.counts.get((queue, event), 0) + 1


def new_queue(clock: FakeClock, metrics: Any = None) -> SchedulingQueue:
    fw = framework()
    return SchedulingQueue(sort_key=fw.sort_key, pre_enqueue=fw.run_pre_enqueue,
                           hints=fw.events_to_register(), clock=clock, metrics=metrics)


def fail(queue: SchedulingQueue, queued: QueuedPodInfo, *plugins: str) -> str:
    queued.unschedulable_plugins = set(plugins)
    return queue.add_unschedulable(queued)


def test_higher_priority_first_then_longest_waiting() -> None:
    clock = FakeClock()
    queue = new_queue(clock)
    for name, priority in [("low-early", 0), ("high", 10), ("low-late", 0)]:
        queue.add(PodInfo(pod(name, priority=priority)))
        clock.advance(1)
    order = [queue.pop_nowait().pod.name for _ in range(3)]
    assert order == ["high", "low-early", "low-late"]
    assert queue.pop_nowait() is None


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10),
                                                  (9, 10)])
def test_back_off_doubles_up_to_ten_seconds(attempts: int, seconds: float) -> None:
    queue = new_queue(FakeClock())
    queued = QueuedPodInfo(PodInfo(pod()), 0.0)
    queued.attempts = attempts
    assert queue.backoff_duration(queued) == seconds


def test_an_error_is_retried_after_the_back_off() -> None:
    clock = FakeClock()
    queue = new_queue(clock)
    queue.add(PodInfo(pod("p")))
    queued = queue.pop_nowait()
    assert fail(queue, queued) == BACKOFF  # no plugin rejected it: an error
    clock.advance(0.9)
    assert queue.flush_backoff_completed() == 0
    clock.advance(0.2)
    assert queue.flush_backoff_completed() == 1
    assert queue.where(queued.pod.uid) == ACTIVE
    assert queue.pop_nowait().attempts == 2


def test_unschedulable_pods_wait_for_an_event_their_rejecter_cares_about() -> None:
    clock = FakeClock()
    queue = new_queue(clock)
    p = PodInfo(pod("big", cpu="8"))
    queue.add(p)
    assert fail(queue, queue.pop_nowait(), "NodeResourcesFit") == UNSCHEDULABLE
    small = NodeInfo(node("small", cpu="4"))
    assert queue.move_all(ev.NODE_LABEL_CHANGE, small, small) == 0  # not registered
    assert queue.move_all(ev.NODE_ADD, None, small) == 0  # registered, but cannot fit
    assert queue.where(p.uid) == UNSCHEDULABLE
    big = NodeInfo(node("big", cpu="16"))
    assert queue.move_all(ev.NODE_ADD, None, big) == 1
    assert queue.where(p.uid) == BACKOFF  # still inside its 1s back-off
    clock.advance(1.5)
    queue.flush_backoff_completed()
    assert queue.where(p.uid) == ACTIVE


def test_a_pod_past_its_back_off_goes_straight_to_active() -> None:
    clock = FakeClock()
    queue = new_queue(clock)
    p = PodInfo(pod("p", node_name=""))
    queue.add(p)
    fail(queue, queue.pop_nowait(), "NodeResourcesFit")
    clock.advance(5)
    gone = PodInfo(pod("other", cpu="1", node_name="n1"))
    queue.move_all(ev.ASSIGNED_POD_DELETE, gone, None)
    assert queue.where(p.uid) == ACTIVE


def test_an_event_during_the_attempt_is_not_lost() -> None:
    clock = FakeClock()
    queue = new_queue(clock)
    p = PodInfo(pod("big", cpu="8"))
    queue.add(p)
    queued = queue.pop_nowait()
    # While the pod is being tried, the node it needs arrives.
    queue.move_all(ev.NODE_ADD, None, NodeInfo(node("big", cpu="16")))
    assert fail(queue, queued, "NodeResourcesFit") == BACKOFF


def test_unschedulable_pods_are_retried_after_five_minutes_anyway() -> None:
    clock = FakeClock()
    metrics = CountingMetrics()
    queue = new_queue(clock, metrics)
    p = PodInfo(pod("p"))
    queue.add(p)
    fail(queue, queue.pop_nowait(), "NodeAffinity")
    clock.advance(299)
    assert queue.flush_unschedulable_leftover() == 0
    clock.advance(2)
    assert queue.flush_unschedulable_leftover() == 1
    assert queue.where(p.uid) == ACTIVE
    assert metrics.counts[(ACTIVE, "UnschedulableTimeout")] == 1
    assert metrics.counts[(UNSCHEDULABLE, "ScheduleAttemptFailure")] == 1


def test_gated_pods_wait_for_their_gates_to_go() -> None:
    queue = new_queue(FakeClock())
    gated = PodInfo(pod("g", schedulingGates=[{"name": "example.com/wait"}]))
    queue.add(gated)
    assert queue.where(gated.uid) == GATED
    assert queue.pending() == {ACTIVE: 0, BACKOFF: 0, UNSCHEDULABLE: 0, GATED: 1}
    released = PodInfo({**gated.pod, "spec": {**gated.pod["spec"], "schedulingGates": []}})
    queue.update(gated, released)
    assert queue.where(gated.uid) == ACTIVE


def test_a_spec_change_retries_an_unschedulable_pod_but_a_status_change_does_not() -> None:
    clock = FakeClock()
    queue = new_queue(clock)
    p = PodInfo(pod("p", nodeSelector={"disk": "ssd"}))
    queue.add(p)
    fail(queue, queue.pop_nowait(), "NodeAffinity")
    status_only = PodInfo({**p.pod, "status": {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False"}]}})
    queue.update(p, status_only)
    assert queue.where(p.uid) == UNSCHEDULABLE
    relabelled = PodInfo({**p.pod, "metadata": {**p.pod["metadata"], "labels": {"a": "b"}}})
    queue.update(status_only, relabelled)
    assert queue.where(p.uid) == BACKOFF


def test_deleted_pods_leave_and_are_not_requeued() -> None:
    queue = new_queue(FakeClock())
    p = PodInfo(pod("p"))
    queue.add(p)
    queued = queue.pop_nowait()
    queue.delete(p.uid)
    assert fail(queue, queued, "NodeAffinity") == ""
    assert p.uid not in queue


async def test_pop_waits_for_a_pod_and_close_ends_it() -> None:
    queue = new_queue(FakeClock())
    waiting = asyncio.create_task(queue.pop())
    await asyncio.sleep(0)
    assert not waiting.done()
    queue.add(PodInfo(pod("p")))
    assert (await asyncio.wait_for(waiting, 1)).pod.name == "p"
    from observe.scheduler.queue import ShutDown
    closing = asyncio.create_task(queue.pop())
    await asyncio.sleep(0)
    queue.close()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(closing, 1)


async def test_run_flushes_back_off_on_the_clock() -> None:
    clock = FakeClock()
    queue = new_queue(clock)
    queue.add(PodInfo(pod("p")))
    queued = queue.pop_nowait()
    fail(queue, queued)
    runner = asyncio.create_task(queue.run())
    await asyncio.sleep(0)
    clock.advance(1.0)
    await asyncio.sleep(0)
    clock.advance(1.0)
    await asyncio.sleep(0)
    assert queue.where(queued.pod.uid) == ACTIVE
    queue.close()
    runner.cancel()

"""The scheduling loop over an in-memory API, where failures can be provoked on cue."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from observe.api.errors import conflict
from observe.api.registry import default_registry
from observe.client.errors import ApiError
from observe.client.fake import FakeApi
from observe.scheduler.config import SchedulerConfig
from observe.scheduler.queue import BACKOFF
from observe.scheduler.scheduler import Scheduler, scheduled_condition_patch, truncate_message
from tests.scheduler.builders import node, pod

RESOURCES = default_registry()
PODS, NODES, EVENTS = (RESOURCES.get("", p) for p in ("pods", "nodes", "events"))


class BindingApi(FakeApi):
    """FakeApi plus the pods/binding subresource; ``refuse`` makes the next bindings fail."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: list[ApiError] = []

    async def create(self, resource_type: Any, body: Any, *, namespace: str | None = None,
                     name: str | None = None, subresource: str | None = None,
                     **kwargs: Any) -> Any:
        if subresource != "binding":
            return await super().create(resource_type, body, namespace=namespace, **kwargs)
        if self.refuse:
            raise self.refuse.pop(0)
        return await self.patch(resource_type, name or "", {"spec": {
            "nodeName": body["target"]["name"]}}, namespace=namespace, patch_type="merge")


async def until(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def running() -> AsyncIterator[tuple[BindingApi, Scheduler]]:
    api = BindingApi()
    scheduler = Scheduler(api, SchedulerConfig(pod_initial_backoff_seconds=0.05,
                                               pod_max_backoff_seconds=0.1))
    task = asyncio.create_task(scheduler.run())
    await until(lambda: scheduler.not_ready() is None, "the informers to sync")
    yield api, scheduler
    await scheduler.shutdown()
    await asyncio.wait_for(task, 5)


async def node_name_of(api: FakeApi, name: str) -> str | None:
    return (await api.get(PODS, name, namespace="default"))["spec"].get("nodeName")


async def events(api: FakeApi, reason: str) -> list[dict[str, Any]]:
    return [e for e in (await api.list(EVENTS, namespace="default"))["items"]
            if e["reason"] == reason]


async def test_a_refused_binding_is_reported_forgotten_and_retried(
        running: tuple[BindingApi, Scheduler]) -> None:
    api, scheduler = running
    await api.create(NODES, node("n1", cpu="1"))
    await until(lambda: scheduler.cache.node_count == 1, "the node in the cache")
    api.refuse.append(ApiError(conflict("pods", "", "web", "try again").to_status()))
    await api.create(PODS, pod("web", cpu="1"), namespace="default")
    [failed] = await until(lambda: events(api, "FailedScheduling"), "FailedScheduling")
    assert failed["message"] == ('running Bind plugin "DefaultBinder": Operation cannot be '
                                 'fulfilled on pods "web": try again')
    assert await until(lambda: node_name_of(api, "web"), "the retry to bind") == "n1"
    uid = (await api.get(PODS, "web", namespace="default"))["metadata"]["uid"]
    await until(lambda: scheduler.cache.pod(uid) is not None
                and not scheduler.cache.is_assumed(uid), "the binding to be confirmed")
    # Counted once on n1, not twice: the failed assumption was forgotten.
    assert scheduler.cache.node("n1").req_cpu == 1000
    stored = await api.get(PODS, "web", namespace="default")
    reasons = [c.get("reason") for c in stored.get("status", {}).get("conditions", [])]
    assert "SchedulerError" in reasons


async def test_pods_of_other_schedulers_are_left_alone(
        running: tuple[BindingApi, Scheduler]) -> None:
    api, scheduler = running
    await api.create(NODES, node("n1"))
    await api.create(PODS, pod("theirs", schedulerName="other-scheduler"), namespace="default")
    await api.create(PODS, pod("ours"), namespace="default")
    assert await until(lambda: node_name_of(api, "ours"), "our pod to be bound") == "n1"
    assert await node_name_of(api, "theirs") is None
    assert scheduler.queue.pending()["active"] == 0


async def test_a_deleted_pending_pod_leaves_the_queue(
        running: tuple[BindingApi, Scheduler]) -> None:
    api, scheduler = running
    await api.create(PODS, pod("orphan"), namespace="default")  # no nodes: stays pending
    uid = (await api.get(PODS, "orphan", namespace="default"))["metadata"]["uid"]
    await until(lambda: scheduler.queue.where(uid) == BACKOFF, "the pod to back off")
    [failed] = await until(lambda: events(api, "FailedScheduling"), "FailedScheduling")
    assert failed["message"] == "no nodes available to schedule pods"
    await api.delete(PODS, "orphan", namespace="default")
    await until(lambda: uid not in scheduler.queue, "the pod to leave the queue")


@pytest.mark.parametrize(("current", "reason", "message", "nominated", "want"), [
    (None, "Unschedulable", "m", None, {"status": {"conditions": [{
        "type": "PodScheduled", "status": "False", "lastProbeTime": None,
        "lastTransitionTime": "NOW", "reason": "Unschedulable", "message": "m"}]}}),
    ({"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "m",
      "lastTransitionTime": "THEN"}, "Unschedulable", "m", None, None),
    ({"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "old",
      "lastTransitionTime": "THEN"}, "Unschedulable", "new", "n1", {"status": {
          "conditions": [{"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                          "lastTransitionTime": "THEN", "reason": "Unschedulable",
                          "message": "new"}],
          "nominatedNodeName": "n1"}}),
])
def test_scheduled_condition_patch(current: dict | None, reason: str, message: str,
                                   nominated: str | None, want: dict | None) -> None:
    body = {"status": {"conditions": [current] if current else []}}
    assert scheduled_condition_patch(body, reason, message, nominated, "NOW") == want


def test_long_messages_are_truncated_like_event_notes() -> None:
    assert truncate_message("x" * 10) == "x" * 10
    long = truncate_message("y" * 2000)
    assert len(long) == 1024 and long.endswith("y ...")

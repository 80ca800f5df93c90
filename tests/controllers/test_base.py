"""The shared controller loop, on the in-memory FakeApi and a fake clock: handlers enqueue
keys, workers sync them, failures come back with back-off, successes forget it, and queue
metrics carry the controller's name."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from observe.api.registry import default_registry
from observe.client.clock import FakeClock
from observe.client.fake import FakeApi
from observe.client.informer import SharedInformerFactory
from observe.controllers.base import Controller, ControllerContext

REGISTRY = default_registry()
CONFIGMAPS = REGISTRY.get("", "configmaps")


class Recorder(Controller):
    """Syncs configmaps; fails a key as many times as asked first."""

    name = "recorder"

    def register(self) -> None:
        self.configmaps = self.informer("", "configmaps")
        self.configmaps.add_handler(self.enqueue, lambda old, new: self.enqueue(new))
        self.synced: list[str] = []
        self.failures: dict[str, int] = {}

    async def sync(self, key: str) -> None:
        self.synced.append(key)
        if self.failures.get(key, 0) > 0:
            self.failures[key] -= 1
            raise RuntimeError("not yet")


def configmap(name: str, owner: dict | None = None) -> dict:
    meta: dict = {"name": name, "namespace": "ns"}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "ConfigMap", "controller": True,
                                    "name": owner["metadata"]["name"],
                                    "uid": owner["metadata"]["uid"]}]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


async def started(clock: FakeClock, metrics: CollectorRegistry | None = None
                  ) -> tuple[FakeApi, Recorder, SharedInformerFactory]:
    api = FakeApi()
    factory = SharedInformerFactory(api)
    ctx = ControllerContext(api=api, factory=factory, resources=REGISTRY, metrics=metrics,
                            clock=clock)
    controller = Recorder(ctx)
    factory.start()
    controller.start()
    assert await factory.wait_for_sync(5)
    return api, controller, factory


async def until(predicate, what: str) -> None:
    for _ in range(1000):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


async def test_events_become_keys_that_workers_sync():
    api, controller, factory = await started(FakeClock())
    try:
        await api.create(CONFIGMAPS, configmap("a"), namespace="ns")
        await until(lambda: controller.synced == ["ns/a"], "ns/a synced")
    finally:
        await controller.stop()
        await factory.shutdown()


async def test_a_failed_sync_is_retried_with_back_off_then_forgotten():
    clock = FakeClock()
    metrics = CollectorRegistry()
    api, controller, factory = await started(clock, metrics)
    try:
        controller.failures["ns/a"] = 2
        await api.create(CONFIGMAPS, configmap("a"), namespace="ns")
        await until(lambda: len(controller.synced) == 1, "the first attempt")
        await asyncio.sleep(0)
        assert controller.queue.num_requeues("ns/a") == 1
        clock.advance(0.004)
        await asyncio.sleep(0)
        assert len(controller.synced) == 1, "the retry waits for its back-off (5ms)"
        clock.advance(0.002)
        await until(lambda: len(controller.synced) == 2, "the first retry")
        clock.advance(0.011)  # the second back-off doubles
        await until(lambda: len(controller.synced) == 3, "the second retry")
        await until(lambda: controller.queue.num_requeues("ns/a") == 0, "forgotten")
        retries = metrics.get_sample_value("workqueue_retries_total", {"name": "recorder"})
        assert retries == 2
    finally:
        await controller.stop()
        await factory.shutdown()


async def test_owner_key_follows_the_controller_reference_with_the_right_uid():
    api, controller, factory = await started(FakeClock())
    try:
        owner = await api.create(CONFIGMAPS, {**configmap("owner"), "metadata": {
            "name": "owner", "namespace": "ns", "uid": "u-1"}}, namespace="ns")
        await until(lambda: controller.configmaps.get("ns", "owner") is not None, "cached")
        assert controller.owner_key(configmap("dep", owner), controller.configmaps) == "ns/owner"
        stale = {**owner, "metadata": {**owner["metadata"], "uid": "u-old"}}
        assert controller.owner_key(configmap("dep", stale), controller.configmaps) is None
        assert controller.owner_key(configmap("dep"), controller.configmaps) is None
    finally:
        await controller.stop()
        await factory.shutdown()

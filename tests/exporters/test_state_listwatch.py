"""The list/watch wrappers: ksm's list/watch counters and the object transform."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from exporters.state.listwatch import (
    LISTED,
    InstrumentedListerWatcher,
    ListWatchMetrics,
    TransformingListerWatcher,
)
from observe.api.registry import default_registry
from observe.client.errors import ConnectionFailed
from observe.client.fake import FakeApi

PODS = default_registry().get("", "pods")
NODES = default_registry().get("", "nodes")


def counted(registry: CollectorRegistry, family: str, resource: str, result: str) -> float:
    value = registry.get_sample_value(f"kube_state_metrics_{family}_total",
                                      {"resource": resource, "result": result})
    return value or 0.0


@pytest.fixture
def setup() -> tuple[FakeApi, InstrumentedListerWatcher, CollectorRegistry]:
    fake = FakeApi()
    registry = CollectorRegistry()
    lister = InstrumentedListerWatcher(fake, ListWatchMetrics(registry),
                                       {("", "pods"): "*v1.Pod"})
    return fake, lister, registry


async def test_lists_are_counted_by_outcome(setup) -> None:
    fake, lister, registry = setup
    await lister.list(PODS)
    fake.fail_next("list", ConnectionFailed("refused"))
    with pytest.raises(ConnectionFailed):
        await lister.list(PODS)
    await lister.list(NODES)
    assert counted(registry, "list", "*v1.Pod", "success") == 1
    assert counted(registry, "list", "*v1.Pod", "error") == 1
    # A type without a configured name gets ksm's spelling of it.
    assert counted(registry, "list", "*v1.Node", "success") == 1


async def test_watches_count_once_established_or_failed(setup) -> None:
    fake, lister, registry = setup
    await fake.create(PODS, {"metadata": {"name": "a"}}, namespace="ns")
    stream = lister.watch(PODS, resource_version="0")
    assert (await anext(stream))[0] == "ADDED"
    await stream.aclose()
    fake.fail_next("watch", ConnectionFailed("refused"))
    with pytest.raises(ConnectionFailed):
        await anext(lister.watch(PODS, resource_version="0"))
    assert counted(registry, "watch", "*v1.Pod", "success") == 1
    assert counted(registry, "watch", "*v1.Pod", "error") == 1


async def test_transform_sees_listed_and_watched_objects_but_not_bookmarks() -> None:
    fake = FakeApi()
    seen: list[tuple[str, str]] = []

    def transform(resource_type, event_type, obj):
        seen.append((event_type, obj["metadata"]["name"]))
        return {"metadata": {**obj["metadata"], "name": obj["metadata"]["name"].upper()}}

    lister = TransformingListerWatcher(fake, transform)
    await fake.create(PODS, {"metadata": {"name": "a"}}, namespace="ns")
    listed = await lister.list(PODS)
    assert [o["metadata"]["name"] for o in listed["items"]] == ["A"]
    stream = lister.watch(PODS, resource_version=fake.resource_version, allow_bookmarks=True)
    await fake.create(PODS, {"metadata": {"name": "b"}}, namespace="ns")
    assert (await anext(stream))[1]["metadata"]["name"] == "B"
    fake.bookmark()
    event_type, obj = await anext(stream)
    assert event_type == "BOOKMARK" and "name" not in obj["metadata"]
    await fake.delete(PODS, "a", namespace="ns")
    event_type, obj = await anext(stream)
    assert (event_type, obj["metadata"]["name"]) == ("DELETED", "A")
    await stream.aclose()
    assert seen == [(LISTED, "a"), ("ADDED", "b"), ("DELETED", "a")]

"""The in-memory FakeApi keeps the API's contract where tests lean on it: errors, paging,
watch replay and expiry."""

from __future__ import annotations

import asyncio

import pytest

from observe.api.registry import default_registry
from observe.client.errors import ApiError
from observe.client.fake import FakeApi, merge_patch

REGISTRY = default_registry()
CONFIGMAPS = REGISTRY.get("", "configmaps")
NODES = REGISTRY.get("", "nodes")


def _cm(name: str, namespace: str = "default") -> dict:
    return {"metadata": {"name": name, "namespace": namespace}, "data": {"v": "1"}}


async def _collect(stream, count: int) -> list[tuple[str, dict]]:
    events = []
    async for event in stream:
        events.append(event)
        if len(events) == count:
            break
    await stream.aclose()
    return events


@pytest.mark.parametrize(
    ("action", "code", "reason"),
    [
        (lambda f: f.create(CONFIGMAPS, _cm("a")), 409, "AlreadyExists"),
        (lambda f: f.get(CONFIGMAPS, "missing", namespace="default"), 404, "NotFound"),
        (lambda f: f.replace(CONFIGMAPS, {**_cm("a"), "metadata": {
            "name": "a", "namespace": "default", "resourceVersion": "999"}}), 409, "Conflict"),
        (lambda f: f.list(CONFIGMAPS, label_selector="a in (b"), 400, "BadRequest"),
    ],
    ids=["duplicate", "missing", "stale", "bad-selector"],
)
async def test_errors_are_api_errors_with_kubernetes_reasons(action, code, reason):
    fake = FakeApi()
    await fake.create(CONFIGMAPS, _cm("a"))
    with pytest.raises(ApiError) as caught:
        await action(fake)
    assert (caught.value.code, caught.value.reason) == (code, reason)


async def test_writes_bump_one_global_resource_version():
    fake = FakeApi()
    a = await fake.create(CONFIGMAPS, _cm("a"))
    n = await fake.create(NODES, {"metadata": {"name": "n1"}})
    patched = await fake.patch(CONFIGMAPS, "a", {"data": {"v": "2"}}, namespace="default")
    assert [a["metadata"]["resourceVersion"], n["metadata"]["resourceVersion"],
            patched["metadata"]["resourceVersion"]] == ["1", "2", "3"]
    assert patched["data"] == {"v": "2"}
    assert "namespace" not in n["metadata"], "cluster-scoped objects have no namespace"


async def test_list_pages_with_continue_tokens():
    fake = FakeApi()
    for i in range(5):
        await fake.create(CONFIGMAPS, _cm(f"c{i}"))
    names, token = [], None
    while True:
        page = await fake.list(CONFIGMAPS, limit=2, continue_=token)
        names += [o["metadata"]["name"] for o in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert names == [f"c{i}" for i in range(5)]


async def test_watch_replays_history_after_a_revision_then_streams_live():
    fake = FakeApi()
    await fake.create(CONFIGMAPS, _cm("old"))
    since = fake.resource_version
    await fake.create(CONFIGMAPS, _cm("missed"))
    stream = fake.watch(CONFIGMAPS, resource_version=since)
    collecting = asyncio.create_task(_collect(stream, 3))
    await asyncio.sleep(0)
    await fake.delete(CONFIGMAPS, "old", namespace="default")
    fake.bookmark()  # not asked for: must not arrive
    await fake.create(CONFIGMAPS, _cm("live"))

    events = await asyncio.wait_for(collecting, 5)

    assert [(t, o["metadata"]["name"]) for t, o in events] == [
        ("ADDED", "missed"), ("DELETED", "old"), ("ADDED", "live")]


async def test_watch_from_a_compacted_revision_is_gone():
    fake = FakeApi()
    await fake.create(CONFIGMAPS, _cm("a"))
    old = fake.resource_version
    await fake.create(CONFIGMAPS, _cm("b"))
    fake.compact()

    events = await _collect(fake.watch(CONFIGMAPS, resource_version=old), 1)

    assert events[0][0] == "ERROR"
    assert events[0][1]["code"] == 410


@pytest.mark.parametrize(
    ("target", "patch", "want"),
    [
        ({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}},
         {"a": 1, "b": {"d": 3, "e": 4}}),
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
        ({"a": 1}, {"a": {"b": 1}}, {"a": {"b": 1}}),
    ],
    ids=["nested-with-delete", "lists-replace", "scalar-to-object"],
)
def test_merge_patch(target, patch, want):
    assert merge_patch(target, patch) == want

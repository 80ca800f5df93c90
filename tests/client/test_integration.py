"""The client library against a real apiserver process (the ``apiserver`` fixture of
``tests/conftest.py``): CRUD and errors, paging, watch, informers, the sync facade, and an
informer riding out an apiserver restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from observe.api.registry import default_registry
from observe.client.clock import FakeClock
from observe.client.config import load_kubeconfig
from observe.client.errors import ApiError
from observe.client.informer import Informer, SharedInformerFactory
from observe.client.rest import ApiClient
from observe.client.sync import SyncClient

REGISTRY = default_registry()
CONFIGMAPS = REGISTRY.get("", "configmaps")
NAMESPACES = REGISTRY.get("", "namespaces")


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest):
    """The shared real apiserver, or a skip where the suite does not provide one."""
    try:
        return request.getfixturevalue("apiserver")
    except pytest.FixtureLookupError:
        pytest.skip("no apiserver fixture in tests/conftest.py")


@pytest.fixture
def ns(live, request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("namespace")


@pytest.fixture
async def api(live) -> AsyncIterator[ApiClient]:
    async with ApiClient(load_kubeconfig(str(live.kubeconfig)), timeout=10) as client:
        yield client


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for: {what}")
        await asyncio.sleep(0.01)


def _cm(name: str, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": data}


async def test_crud_round_trip(api, ns):
    created = await api.create(CONFIGMAPS, _cm("a", v="1"), namespace=ns)
    assert created["metadata"]["uid"]
    assert (await api.get(CONFIGMAPS, "a", namespace=ns))["data"] == {"v": "1"}

    created["data"] = {"v": "2"}
    replaced = await api.replace(CONFIGMAPS, created)
    assert replaced["data"] == {"v": "2"}

    merged = await api.patch(CONFIGMAPS, "a", {"data": {"w": "3"}}, namespace=ns,
                             patch_type="merge")
    assert merged["data"] == {"v": "2", "w": "3"}
    strategic = await api.patch(CONFIGMAPS, "a", {"metadata": {"labels": {"x": "y"}}},
                                namespace=ns)
    assert strategic["metadata"]["labels"] == {"x": "y"}
    json_patched = await api.patch(CONFIGMAPS, "a",
                                   [{"op": "remove", "path": "/data/v"}], namespace=ns,
                                   patch_type="json")
    assert json_patched["data"] == {"w": "3"}

    await api.delete(CONFIGMAPS, "a", namespace=ns)
    with pytest.raises(ApiError) as caught:
        await api.get(CONFIGMAPS, "a", namespace=ns)
    assert (caught.value.code, caught.value.reason) == (404, "NotFound")


async def test_server_errors_arrive_as_statuses(api, ns):
    first = await api.create(CONFIGMAPS, _cm("dup"), namespace=ns)
    with pytest.raises(ApiError) as exists:
        await api.create(CONFIGMAPS, _cm("dup"), namespace=ns)
    assert (exists.value.code, exists.value.reason) == (409, "AlreadyExists")

    await api.patch(CONFIGMAPS, "dup", {"data": {"n": "1"}}, namespace=ns, patch_type="merge")
    with pytest.raises(ApiError) as stale:
        await api.replace(CONFIGMAPS, first)
    assert (stale.value.code, stale.value.reason) == (409, "Conflict")


async def test_list_all_pages_through_everything(api, ns):
    for i in range(5):
        await api.create(CONFIGMAPS, _cm(f"cm{i}"), namespace=ns)

    first = await api.list(CONFIGMAPS, namespace=ns, limit=2)
    everything = await api.list_all(CONFIGMAPS, namespace=ns, page_size=2)

    assert first["metadata"].get("continue"), "a limited list must say there is more"
    assert sorted(o["metadata"]["name"] for o in everything["items"]) == [
        f"cm{i}" for i in range(5)]
    assert everything["metadata"]["resourceVersion"]


async def test_watch_sees_changes_after_the_list_revision(api, ns):
    listed = await api.list(CONFIGMAPS, namespace=ns)
    rv = listed["metadata"]["resourceVersion"]
    events: list[tuple[str, str]] = []

    async def watch() -> None:
        async for event_type, obj in api.watch(CONFIGMAPS, namespace=ns, resource_version=rv,
                                               timeout_seconds=30, allow_bookmarks=True):
            if event_type != "BOOKMARK":
                events.append((event_type, obj["metadata"]["name"]))
            if event_type == "DELETED":
                return

    watcher = asyncio.create_task(watch())
    await api.create(CONFIGMAPS, _cm("w"), namespace=ns)
    await api.patch(CONFIGMAPS, "w", {"data": {"a": "b"}}, namespace=ns, patch_type="merge")
    await api.delete(CONFIGMAPS, "w", namespace=ns)
    await asyncio.wait_for(watcher, 15)

    assert events == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


async def test_watch_bookmarks_carry_a_revision(api, ns):
    rv = (await api.list(CONFIGMAPS, namespace=ns))["metadata"]["resourceVersion"]

    async def first_bookmark() -> dict:
        async for event_type, obj in api.watch(CONFIGMAPS, namespace=ns, resource_version=rv,
                                               timeout_seconds=30, allow_bookmarks=True):
            if event_type == "BOOKMARK":
                return obj
        raise AssertionError("the watch ended without a bookmark")

    bookmark = await asyncio.wait_for(first_bookmark(), 20)
    assert int(bookmark["metadata"]["resourceVersion"]) >= int(rv)


async def test_informer_keeps_a_live_cache(api, ns):
    await api.create(CONFIGMAPS, _cm("before"), namespace=ns)
    informer = Informer(api, CONFIGMAPS, namespace=ns)
    seen: list[tuple[str, str]] = []
    informer.add_handler(
        on_add=lambda o: seen.append(("add", o["metadata"]["name"])),
        on_update=lambda _, o: seen.append(("update", o["metadata"]["name"])),
        on_delete=lambda o: seen.append(("delete", o["metadata"]["name"])),
    )
    informer.start()
    try:
        assert await informer.wait_synced(15)
        assert informer.get(ns, "before")["kind"] == "ConfigMap"

        await api.create(CONFIGMAPS, _cm("after"), namespace=ns)
        await api.patch(CONFIGMAPS, "before", {"data": {"k": "v"}}, namespace=ns,
                        patch_type="merge")
        await api.delete(CONFIGMAPS, "after", namespace=ns)
        await eventually(lambda: len(seen) == 4, "four events")

        assert seen == [("add", "before"), ("add", "after"), ("update", "before"),
                        ("delete", "after")]
        assert informer.get(ns, "before")["data"] == {"k": "v"}
        assert informer.get(ns, "after") is None
    finally:
        informer.stop()


async def test_shared_factory_serves_cluster_scoped_and_namespaced_informers(api, ns):
    factory = SharedInformerFactory(api)
    namespaces = factory.informer(NAMESPACES)
    configmaps = factory.informer(CONFIGMAPS, namespace=ns)
    await api.create(CONFIGMAPS, _cm("x"), namespace=ns)
    factory.start()
    try:
        assert await factory.wait_for_sync(15)
        assert namespaces.get(None, ns) is not None
        await eventually(lambda: configmaps.get(ns, "x") is not None, "x in the cache")
    finally:
        await factory.shutdown()


def test_sync_client_against_the_real_server(live, ns):
    with SyncClient(load_kubeconfig(str(live.kubeconfig))) as client:
        assert client.request("GET", "/version").json()["gitVersion"]
        client.create(CONFIGMAPS, _cm("s", a="1"), namespace=ns)
        assert client.get(CONFIGMAPS, "s", namespace=ns)["data"] == {"a": "1"}
        rv = client.list(CONFIGMAPS, namespace=ns)["metadata"]["resourceVersion"]
        client.patch(CONFIGMAPS, "s", {"data": {"a": "2"}}, namespace=ns, patch_type="merge")
        with client.watch(CONFIGMAPS, namespace=ns, resource_version=rv,
                          timeout_seconds=10) as events:
            event_type, obj = next(events)
        assert (event_type, obj["data"]) == ("MODIFIED", {"a": "2"})
        client.delete(CONFIGMAPS, "s", namespace=ns)
        with pytest.raises(ApiError):
            client.get(CONFIGMAPS, "s", namespace=ns)


async def test_informer_rides_out_an_apiserver_restart(request: pytest.FixtureRequest):
    try:
        server = request.getfixturevalue("fresh_apiserver")
    except pytest.FixtureLookupError:
        pytest.skip("no fresh_apiserver fixture in tests/conftest.py")
    async with ApiClient(load_kubeconfig(str(server.kubeconfig)), timeout=5) as api:
        await api.create(CONFIGMAPS, _cm("old"), namespace="default")
        informer = Informer(api, CONFIGMAPS, namespace="default")
        informer.start()
        try:
            assert await informer.wait_synced(15)
            server.kill()
            await asyncio.to_thread(server.start)
            await api.create(CONFIGMAPS, _cm("new"), namespace="default")
            await eventually(lambda: informer.get("default", "new") is not None,
                             "the informer to reconnect and see a new object", timeout=60)
            assert informer.get("default", "old") is not None, "the data dir survived"
        finally:
            informer.stop()



async def _history_compacted_past(api: ApiClient, resource_version: str) -> bool:
    async for event_type, obj in api.watch(CONFIGMAPS, resource_version=resource_version,
                                           timeout_seconds=1):
        return event_type == "ERROR" and obj.get("code") == 410
    return False


async def test_informer_relists_after_missing_compacted_history(tmp_path):
    from observe.testing import ApiServerProcess

    # The server compacts its history almost at once, and the informer's back-off runs on a
    # clock the test holds, so the world can change while the informer is away.
    server = ApiServerProcess(tmp_path / "compacting", extra_args=(
        "--compaction-interval", "0.2", "--compaction-window", "0",
        "--compaction-min-retain", "2"))
    server.start()
    clock = FakeClock()
    try:
        async with ApiClient(load_kubeconfig(str(server.kubeconfig)), timeout=5) as api:
            await api.create(NAMESPACES, {"metadata": {"name": "quiet"}})
            for name in ("kept", "changed", "removed"):
                await api.create(CONFIGMAPS, _cm(name), namespace="quiet")
            informer = Informer(api, CONFIGMAPS, namespace="quiet", clock=clock)
            seen: list[tuple[str, str]] = []
            informer.add_handler(
                on_add=lambda o: seen.append(("add", o["metadata"]["name"])),
                on_update=lambda _, o: seen.append(("update", o["metadata"]["name"])),
                on_delete=lambda o: seen.append(("delete", o["metadata"]["name"])),
            )
            informer.start()
            try:
                assert await informer.wait_synced(15)
                seen.clear()
                stale_rv = informer.last_sync_resource_version

                server.kill()
                await eventually(lambda: clock.sleeps, "the informer to back off")
                await asyncio.to_thread(server.start)
                await api.create(CONFIGMAPS, _cm("added"), namespace="quiet")
                await api.delete(CONFIGMAPS, "removed", namespace="quiet")
                for i in range(5):
                    await api.patch(CONFIGMAPS, "changed", {"data": {"i": str(i)}},
                                    namespace="quiet", patch_type="merge")
                deadline = time.monotonic() + 15
                while not await _history_compacted_past(api, stale_rv):
                    assert time.monotonic() < deadline, "the server never compacted"
                    await asyncio.sleep(0.1)

                clock.advance(60)
                await eventually(lambda: len(seen) == 3, "the re-list's three differences")

                assert sorted(seen) == [("add", "added"), ("delete", "removed"),
                                        ("update", "changed")]
                assert informer.get("quiet", "changed")["data"] == {"i": "4"}
                assert sorted(o["metadata"]["name"] for o in informer.list()) == [
                    "added", "changed", "kept"]
            finally:
                informer.stop()
    finally:
        server.kill()

"""Informers against a real apiserver: the request sequence client-go's reflector sends, and
caches that stay exact while writers churn objects — through watch timeouts, a network
partition, aggressive compaction (410 Gone, then a re-list) and the WatchList protocol.

Three kinds of informer keep caches here, each checked against a LIST taken once the
writers stop: the client-go replay of :mod:`tests.e2e.pyclient_reflector` (raw HTTP, so it
tests the wire protocol), observe's own :class:`observe.client.informer.Informer`, and the
official Python client's ``SharedInformer``. Readers reach the apiserver through
:class:`tests.e2e.pyclient_proxy.ChaosProxy`, which can partition them from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import socket
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest
from kubernetes import client as k
from kubernetes import config as k_config
from kubernetes.informer import SharedInformer

from observe.api.registry import default_registry
from observe.client.backoff import Backoff
from observe.client.config import ClientConfig
from observe.client.informer import Informer
from observe.client.rest import ApiClient
from observe.testing import ApiServerProcess
from tests.e2e.pyclient_churn import SELECTOR, ChurnReport, churn
from tests.e2e.pyclient_proxy import ChaosProxy
from tests.e2e.pyclient_reflector import INITIAL_EVENTS_END, Reflector, object_key, rv_of

REGISTRY = default_registry()
CHURN_SECONDS = 10.0
CONVERGE_SECONDS = 30.0
SHORT_WATCH = (1, 3)  # timeoutSeconds: short, so every informer re-watches many times
KIND = {"configmaps": "ConfigMap", "pods": "Pod"}
Versions = dict[str, str]


def quick_backoff() -> Backoff:
    """client-go's shape (doubling, full jitter) at a pace a ten-second test can watch."""
    return Backoff(initial=0.2, cap=1.0)


async def create_namespace(base_url: str, name: str) -> None:
    async with aiohttp.ClientSession() as session, session.post(
            f"{base_url}/api/v1/namespaces",
            data=orjson.dumps({"metadata": {"name": name}}),
            headers={"Content-Type": "application/json"}) as response:
        assert response.status == 201, await response.text()


async def create_configmaps(base_url: str, namespace: str, names: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        for name in names:
            async with session.post(
                    f"{base_url}/api/v1/namespaces/{namespace}/configmaps",
                    data=orjson.dumps({"metadata": {"name": name}, "data": {"k": name}}),
                    headers={"Content-Type": "application/json"}) as response:
                assert response.status == 201, await response.text()


async def list_versions(base_url: str, namespace: str, plural: str,
                        selector: str | None = None) -> Versions:
    params = {"labelSelector": selector} if selector else {}
    async with aiohttp.ClientSession() as session, session.get(
            f"{base_url}/api/v1/namespaces/{namespace}/{plural}", params=params) as response:
        assert response.status == 200, await response.text()
        return {object_key(o): rv_of(o) for o in orjson.loads(await response.read())["items"]}


def versions_of(objects: list[dict[str, Any]]) -> Versions:
    return {object_key(o): rv_of(o) for o in objects}


def describe_difference(want: Versions, got: Versions) -> str:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    stale = sorted(key for key in set(want) & set(got) if want[key] != got[key])
    return (f"missing {missing[:5]}, extra {extra[:5]}, stale "
            f"{[(key, got[key], want[key]) for key in stale[:5]]} (of {len(want)})")


@dataclass
class Cache:
    """One informer's view of one collection, and what it must end up equal to."""

    name: str
    plural: str
    selector: str | None
    versions: Callable[[], Versions]


async def wait_converged(base_url: str, namespace: str, caches: list[Cache],
                         timeout: float = CONVERGE_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while True:
        wanted = {(c.plural, c.selector): await list_versions(base_url, namespace, c.plural,
                                                              c.selector)
                  for c in caches}
        behind = {c.name: describe_difference(wanted[(c.plural, c.selector)], c.versions())
                  for c in caches if c.versions() != wanted[(c.plural, c.selector)]}
        if not behind:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"caches differ from the final LIST after {timeout}s: "
                                 f"{behind}")
        await asyncio.sleep(0.05)


async def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(*coroutines: Any) -> AsyncIterator[list[asyncio.Task[Any]]]:
    """Run background tasks for the block; a task that died is the test's failure."""
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        yield tasks
    finally:
        died = [t for t in tasks if t.done() and not t.cancelled() and t.exception()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A dead reader is the cause of whatever the block then waited for in vain.
        if died:
            raise AssertionError(f"{died[0].get_coro()!r} died") from died[0].exception()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    # Every reflector holds a watch open; no per-host connection limit may starve one.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=None)) as s:
        yield s


@pytest.fixture
async def proxy(apiserver) -> AsyncIterator[ChaosProxy]:
    chaos = await ChaosProxy(apiserver.url).start()
    yield chaos
    await chaos.close()


def reflector(session: aiohttp.ClientSession, base_url: str, namespace: str, plural: str,
              **options: Any) -> Reflector:
    options.setdefault("watch_timeout", SHORT_WATCH)
    options.setdefault("backoff", quick_backoff())
    return Reflector(session, base_url, f"/api/v1/namespaces/{namespace}/{plural}",
                     kind=KIND[plural], api_version="v1", **options)


# -- the request sequence ----------------------------------------------------------------------

async def test_list_then_watch_sends_client_go_requests(apiserver, namespace, session):
    await create_configmaps(apiserver.url, namespace, ["a", "b", "c"])
    classic = reflector(session, apiserver.url, namespace, "configmaps", watch_list=False)
    async with running(classic.run()):
        await wait_for(lambda: len(classic.stats.of("watch")) >= 3, "two re-watches")
        requests = list(classic.stats.requests)

    first, watch_1, watch_2 = requests[0], requests[1], requests[2]
    assert (first.what, first.query, first.status) == (
        "list", {"resourceVersion": "0", "limit": "500"}, 200)
    listed_rv = int(watch_1.query["resourceVersion"])
    assert watch_1.what == "watch" and watch_1.status == 200
    assert {key: watch_1.query[key] for key in ("watch", "allowWatchBookmarks")} == {
        "watch": "true", "allowWatchBookmarks": "true"}
    assert 1 <= int(watch_1.query["timeoutSeconds"]) < 3
    # Each re-watch starts where the last one ended (its closing bookmark at the latest).
    assert watch_2.what == "watch" and int(watch_2.query["resourceVersion"]) >= listed_rv
    assert [r.what for r in requests[1:]] == ["watch"] * (len(requests) - 1)
    assert classic.stats.bookmarks >= 2, "a watch with allowWatchBookmarks closed silently"
    assert not classic.stats.protocol_errors
    assert classic.versions() == await list_versions(apiserver.url, namespace, "configmaps")


async def test_watch_list_syncs_through_the_initial_events_end_bookmark(
        apiserver, namespace, session):
    await create_configmaps(apiserver.url, namespace, [f"cm-{i}" for i in range(5)])
    listed = await list_versions(apiserver.url, namespace, "configmaps")
    # A long timeout: everything below must arrive on the one WatchList stream.
    streaming = reflector(session, apiserver.url, namespace, "configmaps",
                          watch_timeout=(60, 61))
    async with running(streaming.run()):
        await asyncio.wait_for(streaming.synced.wait(), 15)
        assert streaming.versions() == listed
        await create_configmaps(apiserver.url, namespace, ["late"])
        await wait_for(lambda: f"{namespace}/late" in streaming.items,
                       "the object created after the sync")

    (request,) = streaming.stats.requests
    assert (request.what, request.status) == ("watchlist", 200)
    assert {key: value for key, value in request.query.items() if key != "timeoutSeconds"} == {
        "watch": "true", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true", "resourceVersion": ""}
    assert streaming.stats.initial_events_ends == 1
    assert int(streaming.last_sync_resource_version) >= max(int(v) for v in listed.values())
    assert not streaming.stats.protocol_errors


async def test_watch_list_bookmark_is_annotated_on_the_wire(apiserver, namespace, session):
    await create_configmaps(apiserver.url, namespace, ["x", "y"])
    url = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"
    query = {"watch": "true", "sendInitialEvents": "true",
             "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true",
             "resourceVersion": "", "timeoutSeconds": "1"}
    async with session.get(url, params=query) as response:
        lines = [orjson.loads(line) for line in (await response.read()).splitlines() if line]
    types = [event["type"] for event in lines]
    assert types[:3] == ["ADDED", "ADDED", "BOOKMARK"], types
    bookmark = lines[2]["object"]
    assert (bookmark["kind"], bookmark["apiVersion"]) == ("ConfigMap", "v1")
    assert bookmark["metadata"]["annotations"] == {INITIAL_EVENTS_END: "true"}
    assert int(bookmark["metadata"]["resourceVersion"]) >= max(
        int(rv_of(event["object"])) for event in lines[:2])


async def test_refused_watch_list_falls_back_to_list_and_watch(
        apiserver, namespace, session, proxy):
    await create_configmaps(apiserver.url, namespace, ["a", "b"])
    proxy.before_watch_list = True
    fallback = reflector(session, proxy.url, namespace, "configmaps")
    async with running(fallback.run()):
        await wait_for(lambda: len(fallback.stats.of("watch")) >= 1, "the fallback watch")
        requests = list(fallback.stats.requests)

    assert [(r.what, r.status) for r in requests[:3]] == [
        ("watchlist", 422), ("list", 200), ("watch", 200)]
    assert requests[1].query == {"resourceVersion": "0", "limit": "500"}
    assert fallback.stats.initial_events_ends == 0 and fallback.stats.lists == 1
    assert fallback.versions() == await list_versions(apiserver.url, namespace, "configmaps")


async def test_paged_list_comes_from_one_snapshot(apiserver, namespace, session):
    await create_configmaps(apiserver.url, namespace, [f"p-{i:02}" for i in range(12)])
    paged = reflector(session, apiserver.url, namespace, "configmaps", watch_list=False,
                      page_size=5)
    async with running(paged.run()):
        await asyncio.wait_for(paged.synced.wait(), 15)
    lists = paged.stats.of("list")
    assert [r.query.get("limit") for r in lists] == ["5", "5", "5"]
    assert "continue" not in lists[0].query and all("continue" in r.query for r in lists[1:])
    assert paged.versions() == await list_versions(apiserver.url, namespace, "configmaps")
    assert not paged.stats.protocol_errors


# -- caches under churn ------------------------------------------------------------------------

@contextlib.contextmanager
def official_informers(kubeconfig: str, namespace: str) -> Iterator[list[Cache]]:
    """The official client's SharedInformer on both collections (threads; it reaches the
    apiserver directly, its reconnect loop has no back-off to ride out a partition)."""
    api = k_config.new_client_from_config(config_file=kubeconfig)
    core = k.CoreV1Api(api)
    informers = {
        "configmaps": SharedInformer(core.list_namespaced_config_map, namespace=namespace,
                                     resync_period=2),
        "pods": SharedInformer(core.list_namespaced_pod, namespace=namespace, resync_period=2),
    }
    for informer in informers.values():
        informer.start()
    try:
        yield [Cache(f"kubernetes SharedInformer {plural}", plural, None,
                     lambda i=informer: {f"{o.metadata.namespace}/{o.metadata.name}":
                                         o.metadata.resource_version for o in i.cache.list()})
               for plural, informer in informers.items()]
    finally:
        for informer in informers.values():
            informer.stop()
        api.close()


class CountingClient:
    """observe's ApiClient, counting the informer's LIST requests (re-lists show up here)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.lists = 0

    async def list(self, resource_type: Any, **options: Any) -> dict[str, Any]:
        if not options.get("continue_"):
            self.lists += 1
        return await self.api.list(resource_type, **options)

    def watch(self, resource_type: Any, **options: Any) -> AsyncIterator[Any]:
        return self.api.watch(resource_type, **options)


def observe_informers(client: CountingClient, namespace: str) -> tuple[list[Informer],
                                                                       list[Cache]]:
    informers = {plural: Informer(client, REGISTRY.get("", plural), namespace,
                                  watch_timeout_range=SHORT_WATCH)
                 for plural in ("configmaps", "pods")}
    return list(informers.values()), [
        Cache(f"observe Informer {plural}", plural, None,
              lambda i=informer: versions_of(i.list()))
        for plural, informer in informers.items()]


def reflector_caches(reflectors: dict[str, Reflector]) -> list[Cache]:
    return [Cache(name, r.url.rsplit("/", 1)[1], r.label_selector, r.versions)
            for name, r in reflectors.items()]


def assert_churn_clean(report: ChurnReport) -> None:
    assert not report.failures, f"{len(report.failures)} writes failed: {report.failures[:5]}"
    assert sum(report.writes.values()) > 200, f"too little churn to prove much: {report.writes}"


async def test_caches_converge_under_churn_and_a_partition(
        apiserver, namespace, session, proxy):
    """With history retained, a partitioned informer resumes its watch where it was:
    no 410, no re-list needed, and every cache ends equal to the final LIST."""
    reflectors = {
        "WatchList configmaps": reflector(session, proxy.url, namespace, "configmaps"),
        "LIST+WATCH configmaps (pages of 5)": reflector(
            session, proxy.url, namespace, "configmaps", watch_list=False, page_size=5),
        f"WatchList pods {SELECTOR}": reflector(session, proxy.url, namespace, "pods",
                                                label_selector=SELECTOR),
        f"LIST+WATCH pods {SELECTOR}": reflector(session, proxy.url, namespace, "pods",
                                                 watch_list=False, label_selector=SELECTOR),
    }
    async with ApiClient(ClientConfig(server=proxy.url), timeout=10) as api:
        counting = CountingClient(api)
        informers, informer_caches = observe_informers(counting, namespace)
        with official_informers(str(apiserver.kubeconfig), namespace) as official_caches:
            async with running(*(r.run() for r in reflectors.values()),
                               *(i.run() for i in informers)):
                await wait_for(lambda: all(r.synced.is_set() for r in reflectors.values())
                               and all(i.has_synced for i in informers), "the first syncs")
                report, _ = await asyncio.gather(
                    churn(apiserver.url, namespace, CHURN_SECONDS),
                    partition_after(proxy, delay=3.0, seconds=2.0))
                assert_churn_clean(report)
                await wait_converged(apiserver.url, namespace, reflector_caches(reflectors)
                                     + informer_caches + official_caches)

    assert proxy.partitions == 1
    for name, r in reflectors.items():
        assert not r.stats.protocol_errors, f"{name}: {r.stats.protocol_errors[:5]}"
        assert r.stats.expired == 0, f"{name} got 410 though the history was retained"
        assert len(r.stats.of("watch")) >= 3, f"{name} never re-watched"
        assert r.stats.bookmarks >= 1 and r.stats.events > 0
    assert reflectors["WatchList configmaps"].stats.of("list") == []


async def partition_after(proxy: ChaosProxy, delay: float, seconds: float) -> None:
    await asyncio.sleep(delay)  # the churn is timed; the partition falls inside it
    await proxy.partition(seconds)


@pytest.fixture
async def compacting_apiserver(tmp_path) -> AsyncIterator[ApiServerProcess]:
    """An apiserver that forgets history within a second: watches resumed after a
    partition of two seconds find their resourceVersion gone."""
    server = ApiServerProcess(tmp_path / "apiserver", extra_args=(
        "--compaction-interval", "0.5", "--compaction-window", "0.5",
        "--compaction-min-retain", "1", "--bookmark-interval", "1"))
    server.start()
    yield server
    server.stop()


async def test_caches_relist_after_compaction_and_converge(compacting_apiserver, session):
    base = compacting_apiserver.url
    namespace = "churn"
    await create_namespace(base, namespace)
    chaos = await ChaosProxy(base).start()
    reflectors = {
        "WatchList configmaps": reflector(session, chaos.url, namespace, "configmaps"),
        "LIST+WATCH configmaps (pages of 5)": reflector(
            session, chaos.url, namespace, "configmaps", watch_list=False, page_size=5),
        f"WatchList pods {SELECTOR}": reflector(session, chaos.url, namespace, "pods",
                                                label_selector=SELECTOR),
        "LIST+WATCH pods": reflector(session, chaos.url, namespace, "pods", watch_list=False),
    }
    try:
        async with ApiClient(ClientConfig(server=chaos.url), timeout=10) as api:
            counting = CountingClient(api)
            informers, informer_caches = observe_informers(counting, namespace)
            async with running(*(r.run() for r in reflectors.values()),
                               *(i.run() for i in informers)):
                await wait_for(lambda: all(r.synced.is_set() for r in reflectors.values())
                               and all(i.has_synced for i in informers), "the first syncs")
                lists_before = counting.lists
                report, _ = await asyncio.gather(
                    churn(base, namespace, CHURN_SECONDS, seed=2),
                    partition_after(chaos, delay=2.0, seconds=2.0))
                assert_churn_clean(report)
                await wait_converged(base, namespace,
                                     reflector_caches(reflectors) + informer_caches)
    finally:
        await chaos.close()

    for name, r in reflectors.items():
        assert not r.stats.protocol_errors, f"{name}: {r.stats.protocol_errors[:5]}"
        assert r.stats.expired >= 1, f"{name} never saw 410 Gone: {r.stats.requests[-5:]}"
        assert r.stats.syncs >= 2, f"{name} did not list again after 410"
    watch_list = reflectors["WatchList configmaps"].stats
    assert watch_list.watch_lists >= 2 and watch_list.of("list") == [], (
        "a WatchList informer re-lists with WatchList")
    relists = [r for r in watch_list.of("watchlist")[1:] if r.query["resourceVersion"] == ""]
    assert relists, "after 410 the WatchList must start over from resourceVersion ''"
    classic = reflectors["LIST+WATCH pods"].stats.of("list")
    assert any(r.query.get("resourceVersion") == "" for r in classic[1:]), (
        "after 410 the LIST must be a consistent read (resourceVersion='')")
    assert counting.lists > lists_before, "observe's Informer never listed again after 410"


# -- a slow reader -----------------------------------------------------------------------------

class SlowReaderConnection(http.client.HTTPConnection):
    """A client whose socket buffers hold only a few KiB: when it stops reading, the
    apiserver's writes to it block almost at once."""

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(self.timeout)
        self.sock.connect((self.host, self.port))


def test_closing_bookmark_never_skips_queued_events(apiserver, namespace):
    """A watcher that reads slowly has events queued behind a blocked write when its
    timeout comes. The bookmark that closes the watch tells the informer where to resume:
    it must not lie past events it never sent, or the informer skips them for good."""
    collection = f"{apiserver.url}/api/v1/namespaces/{namespace}/configmaps"

    def write(method: str, url: str, body: dict[str, Any], content_type: str) -> str:
        request = urllib.request.Request(url, method=method, data=json.dumps(body).encode(),
                                         headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read())["metadata"]["resourceVersion"]

    start = write("POST", collection, {"metadata": {"name": "ticker"}}, "application/json")
    watch = SlowReaderConnection("127.0.0.1", apiserver.port, timeout=30)
    watch.request("GET", f"{collection}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1"
                         f"&resourceVersion={start}")
    response = watch.getresponse()
    opened = time.monotonic()
    written: set[tuple[str, str]] = set()
    # Big objects (10 MB in all) fill every buffer between the server and this unread
    # socket, so the server's writes block; the ticker then changes until the watch's
    # timeout has passed.
    for index in range(50):
        name = f"big-{index}"
        written.add((name, write("POST", collection, {"metadata": {"name": name},
                                                      "data": {"v": "x" * 200_000}},
                                 "application/json")))
    while time.monotonic() - opened < 2.0:
        written.add(("ticker", write("PATCH", f"{collection}/ticker",
                                     {"data": {"t": str(time.monotonic())}},
                                     "application/merge-patch+json")))
    events = [json.loads(line) for line in response.read().splitlines() if line.strip()]
    watch.close()

    assert events and events[-1]["type"] == "BOOKMARK", [e["type"] for e in events[-3:]]
    resume_from = int(events[-1]["object"]["metadata"]["resourceVersion"])
    sent = {(e["object"]["metadata"]["name"], e["object"]["metadata"]["resourceVersion"])
            for e in events if e["type"] != "BOOKMARK"}
    skipped = sorted((rv, name) for name, rv in written - sent if int(rv) <= resume_from)
    assert not skipped, (f"the closing bookmark says {resume_from}, but {len(skipped)} "
                         f"changes up to it were never sent: {skipped[:5]}")

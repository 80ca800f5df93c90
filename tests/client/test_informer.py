"""Informers against the in-memory FakeApi: the list/watch traffic they send, the events
their handlers see, and how they recover from expired history and lost connections."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from observe.api.errors import bad_request, gone, internal_error
from observe.api.registry import default_registry
from observe.client.clock import FakeClock
from observe.client.errors import ApiError, ConnectionFailed
from observe.client.fake import FakeApi
from observe.client.informer import Informer, SharedInformerFactory

REGISTRY = default_registry()
CONFIGMAPS = REGISTRY.get("", "configmaps")
PODS = REGISTRY.get("", "pods")


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.001)


def _cm(name: str, namespace: str = "default", **labels: str) -> dict:
    meta = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {"metadata": meta, "data": {"v": "1"}}


def time_out_watches(fake: FakeApi, clock: FakeClock) -> None:
    """End every open watch the normal way: its timeoutSeconds have passed."""
    clock.advance(600)
    fake.end_watches()


class Recorder:
    """Handlers that write down what they were told, as ``(event, key)`` pairs."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    @staticmethod
    def _key(obj: dict) -> str:
        return f"{obj['metadata'].get('namespace')}/{obj['metadata']['name']}"

    def attach(self, informer: Informer) -> None:
        informer.add_handler(
            on_add=lambda o: self.events.append(("add", self._key(o))),
            on_update=lambda old, new: self.events.append(("update", self._key(new))),
            on_delete=lambda o: self.events.append(("delete", self._key(o))),
        )

    def take(self) -> list[tuple[str, str]]:
        events, self.events = self.events, []
        return events


@pytest.fixture
def fake() -> FakeApi:
    return FakeApi()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(auto_advance=True)


@pytest.fixture
async def started(fake, clock):
    """Start informers built by the test, and stop them all at the end."""
    informers: list[Informer] = []

    async def start(**kwargs) -> tuple[Informer, Recorder]:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("rand", lambda: 0.0)
        informer = Informer(fake, kwargs.pop("resource_type", CONFIGMAPS), **kwargs)
        recorder = Recorder()
        recorder.attach(informer)
        informer.start()
        informers.append(informer)
        assert await informer.wait_synced(timeout=5), "informer never synced"
        await eventually(lambda: fake.open_watches >= 1, "the informer to start watching")
        return informer, recorder

    yield start
    for informer in informers:
        informer.stop()
    await asyncio.gather(*(i.task for i in informers if i.task), return_exceptions=True)


async def test_initial_list_is_paged_from_the_latest_state(fake, started):
    for i in range(5):
        await fake.create(CONFIGMAPS, _cm(f"cm{i}"))

    informer, recorder = await started(page_size=2)

    lists = fake.calls_of("list")
    assert [c["limit"] for c in lists] == [2, 2, 2]
    assert [c["continue_"] for c in lists] == [None, "2", "4"]
    assert sorted(recorder.take()) == [("add", f"default/cm{i}") for i in range(5)]
    assert len(informer.list()) == 5
    assert informer.get("default", "cm3")["kind"] == "ConfigMap", "list items get their kind"


async def test_watch_starts_at_the_list_revision_with_bookmarks_and_a_random_timeout(
        fake, started):
    await fake.create(CONFIGMAPS, _cm("a"))
    list_rv = fake.resource_version

    await started(rand=lambda: 0.5, watch_timeout_range=(300, 600))

    watch = fake.calls_of("watch")[0]
    assert watch["resource_version"] == list_rv
    assert watch["allow_bookmarks"] is True
    assert watch["timeout_seconds"] == 450


async def test_changes_reach_the_cache_and_the_handlers(fake, started):
    await fake.create(CONFIGMAPS, _cm("keep"))
    informer, recorder = await started()
    recorder.take()

    await fake.create(CONFIGMAPS, _cm("new"))
    await fake.patch(CONFIGMAPS, "keep", {"data": {"v": "2"}}, namespace="default")
    await fake.delete(CONFIGMAPS, "new", namespace="default")
    await eventually(lambda: len(recorder.events) == 3, "three events")

    assert recorder.take() == [("add", "default/new"), ("update", "default/keep"),
                               ("delete", "default/new")]
    assert informer.get("default", "keep")["data"] == {"v": "2"}
    assert informer.get("default", "new") is None
    assert informer.last_sync_resource_version == fake.resource_version


async def test_an_ended_watch_resumes_from_the_last_revision_without_listing(fake, started,
                                                                            clock):
    informer, _ = await started()
    await fake.create(CONFIGMAPS, _cm("a"))
    await eventually(lambda: informer.get("default", "a") is not None, "a in the cache")
    seen_rv = informer.last_sync_resource_version

    time_out_watches(fake, clock)
    await eventually(lambda: len(fake.calls_of("watch")) == 2, "a second watch")

    assert fake.calls_of("watch")[1]["resource_version"] == seen_rv
    assert len(fake.calls_of("list")) == 1, "a normal watch timeout needs no new list"


async def test_bookmarks_move_the_resume_point(fake, started, clock):
    informer, recorder = await started()
    await fake.create(PODS, {"metadata": {"name": "elsewhere", "namespace": "default"}})
    fake.bookmark()
    await eventually(lambda: informer.last_sync_resource_version == fake.resource_version,
                     "the bookmark's revision")

    time_out_watches(fake, clock)
    await eventually(lambda: len(fake.calls_of("watch")) == 2, "a second watch")

    assert fake.calls_of("watch")[1]["resource_version"] == fake.resource_version
    assert recorder.take() == [], "a bookmark is not an object change"


async def test_expired_history_relists_and_reports_only_what_changed(fake):
    clock = FakeClock()  # stands still, so the informer waits in its back-off on cue
    for name in ("unchanged", "modified", "deleted"):
        await fake.create(CONFIGMAPS, _cm(name))
    informer = Informer(fake, CONFIGMAPS, clock=clock, rand=lambda: 0.0)
    recorder = Recorder()
    recorder.attach(informer)
    informer.start()
    try:
        assert await informer.wait_synced(timeout=5)
        await eventually(lambda: fake.open_watches == 1, "the first watch")
        recorder.take()

        # Lose the connection; while the informer backs off, the world moves on and the
        # history it would need to catch up is compacted away.
        fake.fail_next("watch", ConnectionFailed("reset"))
        time_out_watches(fake, clock)
        await eventually(lambda: clock.sleeps, "the informer to back off")
        await fake.create(CONFIGMAPS, _cm("added"))
        await fake.patch(CONFIGMAPS, "modified", {"data": {"v": "2"}}, namespace="default")
        await fake.delete(CONFIGMAPS, "deleted", namespace="default")
        fake.compact()
        clock.advance(60)

        await eventually(lambda: len(fake.calls_of("list")) == 2, "a second list")
        await eventually(lambda: len(recorder.events) == 3, "the three differences")
        assert sorted(recorder.take()) == [("add", "default/added"),
                                           ("delete", "default/deleted"),
                                           ("update", "default/modified")]
        assert sorted(o["metadata"]["name"] for o in informer.list()) == [
            "added", "modified", "unchanged"]
    finally:
        informer.stop()
        await asyncio.gather(informer.task or asyncio.sleep(0), return_exceptions=True)


@pytest.mark.parametrize(
    "break_watch",
    [
        lambda fake, clock: fake.expire_watches(),
        lambda fake, clock: (fake.fail_next("watch", ApiError(gone("too old").to_status())),
                             time_out_watches(fake, clock)),
    ],
    ids=["error-event", "410-answer"],
)
async def test_410_makes_the_informer_list_again(fake, started, clock, break_watch):
    await started()

    break_watch(fake, clock)
    await eventually(lambda: len(fake.calls_of("list")) == 2, "a second list")
    await eventually(lambda: fake.open_watches == 1, "a new watch")

    assert clock.sleeps == [], "expired history is not a failure to back off from"


async def test_lost_connections_back_off_doubling_then_recover(fake, started, clock):
    await fake.create(CONFIGMAPS, _cm("a"))
    for _ in range(3):
        fake.fail_next("list", ConnectionFailed("refused"))

    informer, recorder = await started()

    assert clock.sleeps == pytest.approx([0.8, 1.6, 3.2])
    assert informer.get("default", "a") is not None
    assert recorder.take() == [("add", "default/a")]


async def test_a_busy_server_is_watched_again_without_listing(fake, started, clock):
    await started()

    fake.fail_next("watch", ApiError(internal_error("etcd slow").to_status()))
    time_out_watches(fake, clock)
    await eventually(lambda: len(fake.calls_of("watch")) == 3, "a third watch")

    assert clock.sleeps == pytest.approx([0.8])
    assert len(fake.calls_of("list")) == 1


async def test_a_refused_watch_is_repaired_by_a_new_list(fake, started, clock):
    await started()

    fake.fail_next("watch", ApiError(bad_request("nonsense").to_status()))
    time_out_watches(fake, clock)
    await eventually(lambda: len(fake.calls_of("list")) == 2, "a second list")

    assert clock.sleeps == pytest.approx([0.8])


async def test_a_watch_the_server_ends_at_once_is_not_retried_in_a_hot_loop(fake):
    clock = FakeClock()
    informer = Informer(fake, CONFIGMAPS, clock=clock, rand=lambda: 0.0)
    informer.start()
    try:
        await eventually(lambda: fake.open_watches == 1, "the first watch")
        fake.end_watches()
        await eventually(lambda: clock.sleeps == [0.8], "a back-off")
        assert len(fake.calls_of("watch")) == 1, "no new watch before the back-off ends"
        clock.advance(0.8)
        await eventually(lambda: len(fake.calls_of("watch")) == 2, "the retry")
    finally:
        informer.stop()
        await asyncio.gather(informer.task or asyncio.sleep(0), return_exceptions=True)


async def test_a_failing_handler_does_not_starve_the_others(fake, started):
    informer, recorder = await started()

    def broken(obj):
        raise RuntimeError("bug in a consumer")

    informer.add_handler(on_add=broken)
    recorder2 = Recorder()
    recorder2.attach(informer)

    await fake.create(CONFIGMAPS, _cm("a"))
    await eventually(lambda: recorder2.events, "the second consumer's event")
    assert recorder.take() == [("add", "default/a")]
    assert fake.open_watches == 1, "the informer keeps watching"


async def test_a_late_handler_first_hears_of_everything_cached(fake, started):
    await fake.create(CONFIGMAPS, _cm("a"))
    await fake.create(CONFIGMAPS, _cm("b"))
    informer, _ = await started()

    late = Recorder()
    late.attach(informer)

    assert sorted(late.take()) == [("add", "default/a"), ("add", "default/b")]


async def test_removed_handler_hears_nothing_more(fake, started):
    informer, _ = await started()
    seen = []
    handler = informer.add_handler(on_add=seen.append)
    informer.remove_handler(handler)

    await fake.create(CONFIGMAPS, _cm("a"))
    await eventually(lambda: informer.get("default", "a") is not None, "a in the cache")
    assert seen == []


async def test_namespace_and_selectors_narrow_the_collection(fake, started):
    await fake.create(CONFIGMAPS, _cm("match", "team", app="web"))
    await fake.create(CONFIGMAPS, _cm("other-label", "team", app="db"))
    await fake.create(CONFIGMAPS, _cm("other-ns", "default", app="web"))

    _, recorder = await started(namespace="team", label_selector="app=web")
    await fake.create(CONFIGMAPS, _cm("late", "team", app="web"))
    await fake.create(CONFIGMAPS, _cm("late-db", "team", app="db"))
    await eventually(lambda: len(recorder.events) == 2, "two adds")

    assert recorder.take() == [("add", "team/match"), ("add", "team/late")]
    assert fake.calls_of("watch")[0]["label_selector"] == "app=web"
    assert fake.calls_of("watch")[0]["namespace"] == "team"


async def test_stop_ends_the_run_and_the_watch(fake, clock):
    informer = Informer(fake, CONFIGMAPS, clock=clock)
    task = informer.start()
    await eventually(lambda: fake.open_watches == 1, "a watch")

    informer.stop()
    await asyncio.wait_for(task, 5)

    assert fake.open_watches == 0
    assert not task.cancelled(), "stop() is a normal end, not a cancellation"
    assert informer.task is None


async def test_wait_synced_times_out_while_the_server_is_down(fake):
    clock = FakeClock()
    fake.fail_next("list", ConnectionFailed("refused"))
    informer = Informer(fake, CONFIGMAPS, clock=clock)
    informer.start()
    try:
        assert await informer.wait_synced(timeout=0.05) is False
        assert not informer.has_synced
    finally:
        informer.stop()


async def test_shared_factory_gives_one_informer_per_collection(fake, clock):
    factory = SharedInformerFactory(fake, clock=clock)
    pods = factory.informer(PODS)
    assert factory.informer(PODS) is pods
    assert factory.informer(PODS, namespace="") is pods, "'' and None both mean all"
    assert factory.informer(PODS, namespace="a") is not pods
    assert factory.informer(PODS, label_selector="x=y") is not pods
    assert factory.informer(CONFIGMAPS) is not pods

    await fake.create(PODS, {"metadata": {"name": "p", "namespace": "a"}})
    factory.start()
    assert await factory.wait_for_sync(timeout=5)
    assert pods.get("a", "p") is not None
    await eventually(lambda: fake.open_watches == len(factory.informers), "all watching")

    await factory.shutdown()
    assert fake.open_watches == 0
    assert all(i.task is None for i in factory.informers)


async def test_stop_returns_from_an_awaited_run_and_leaves_the_caller_uncancelled(fake, clock):
    informer = Informer(fake, CONFIGMAPS, clock=clock)

    async def consumer() -> str:
        await informer.run()
        # Still able to wait on things: the stop did not leak a cancellation into us.
        await asyncio.sleep(0)
        return "carried on"

    task = asyncio.create_task(consumer())
    await eventually(lambda: fake.open_watches == 1, "a watch")
    informer.stop()
    assert await asyncio.wait_for(task, 5) == "carried on"
    assert task.cancelling() == 0

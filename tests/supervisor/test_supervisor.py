"""The supervisor's loop against fake processes, fake health and a hand-moved clock."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

import pytest

from observe.supervisor.backoff import RestartBackoff
from observe.supervisor.fake import FakeProcesses
from observe.supervisor.specs import ComponentSpec
from observe.supervisor.supervisor import PROBE_PERIOD, Supervisor, describe_exit, plan_starts


def spec(name: str, port: int, *deps: str) -> ComponentSpec:
    return ComponentSpec(name, (f"bin-{name}", "--port", str(port)), "127.0.0.1", port,
                         depends_on=deps)


SPECS = [spec("apiserver", 1), spec("scheduler", 2, "apiserver"),
         spec("kubelet-node-1", 3, "apiserver")]


class Harness:
    def __init__(self, tmp_path, specs=SPECS, grace=5.0):
        self.time = 100.0
        self.processes = FakeProcesses()
        self.healthy: set[str] = set()
        self.published: list[dict] = []
        self.logs = tmp_path
        by_url = {s.health_url: s.name for s in specs}
        self.supervisor = Supervisor(
            specs, processes=self.processes,
            check_health=lambda urls: {u: by_url[u] in self.healthy for u in urls},
            now=lambda: self.time, wall=lambda: datetime(2025, 1, 1, tzinfo=UTC),
            sleep=self.advance, publish=self.published.append,
            log_file=lambda name: tmp_path / f"{name}.log", env={"A": "1"},
            backoff=RestartBackoff(initial=1, maximum=10, reset_after=100),
            grace_period=grace)

    def advance(self, seconds: float) -> None:
        self.time += seconds

    def step(self) -> dict:
        self.supervisor.step()
        return self.supervisor.document()

    def pid(self, name: str) -> int | None:
        return self.supervisor.observed[name].pid

    def started(self) -> list[str]:
        return [argv[0].removeprefix("bin-") for _, argv in self.processes.spawned]

    def all_up(self) -> None:
        self.healthy = {s.name for s in SPECS}
        for _ in range(3):
            self.step()


def test_dependents_start_once_the_apiserver_is_healthy(tmp_path):
    h = Harness(tmp_path)
    h.step()
    h.step()
    assert h.started() == ["apiserver"], "dependents must wait for a healthy apiserver"
    assert h.supervisor.document()["components"]["scheduler"]["state"] == "Waiting"
    h.healthy.add("apiserver")
    h.step()
    assert h.started() == ["apiserver", "scheduler", "kubelet-node-1"]


def test_a_crashed_component_is_restarted_after_its_back_off(tmp_path):
    h = Harness(tmp_path)
    h.all_up()
    old = h.pid("scheduler")
    h.processes.exit(old, 1)
    doc = h.step()
    assert h.pid("scheduler") is None
    scheduler = doc["components"]["scheduler"]
    assert scheduler["state"] == "BackOff"
    assert scheduler["lastExitCode"] == 1
    assert "exited with code 1; back-off 1s restarting failed component" in scheduler["message"]
    assert doc["phase"] == "Degraded"

    h.advance(0.5)
    h.step()
    assert h.pid("scheduler") is None, "restarted before its back-off passed"
    h.advance(0.5)
    doc = h.step()
    assert h.pid("scheduler") not in (None, old)
    assert doc["components"]["scheduler"]["restarts"] == 1
    assert doc["components"]["scheduler"]["pid"] == h.pid("scheduler")
    assert "starting scheduler (restart 1)" in (tmp_path / "scheduler.log").read_text()


def test_a_crash_loop_backs_off_longer_each_time(tmp_path):
    h = Harness(tmp_path)
    h.all_up()
    waits = []
    for _ in range(4):
        h.processes.exit(h.pid("scheduler"), 2)
        h.step()
        crashed_at = h.time
        while h.pid("scheduler") is None:
            h.advance(0.25)
            h.step()
        waits.append(h.time - crashed_at)
    assert waits == [1, 2, 4, 8]


def test_a_command_that_cannot_start_is_backed_off_like_a_crash(tmp_path):
    h = Harness(tmp_path)
    h.processes.unstartable.add("bin-apiserver")
    doc = h.step()
    api = doc["components"]["apiserver"]
    assert (api["pid"], api["state"], api["lastExitCode"]) == (None, "BackOff", 127)
    assert "cannot start apiserver" in (tmp_path / "apiserver.log").read_text()
    h.step()
    assert len(h.processes.spawned) == 0


def test_phase_follows_health(tmp_path):
    h = Harness(tmp_path)
    assert h.step()["phase"] == "Starting"
    h.all_up()
    assert h.supervisor.document()["phase"] == "Running"
    h.healthy.discard("kubelet-node-1")
    h.advance(PROBE_PERIOD / 2)
    assert h.step()["phase"] == "Running", "a healthy component was probed at every step"
    h.advance(PROBE_PERIOD / 2)
    doc = h.step()
    assert doc["phase"] == "Degraded"
    assert doc["components"]["kubelet-node-1"]["state"] == "Starting"
    assert doc["message"].startswith("kubelet-node-1: ")


def test_a_component_that_does_not_gate_readiness_is_not_waited_for(tmp_path):
    store = ComponentSpec("opensearch", ("bin-opensearch",), "127.0.0.1", 4, gates_ready=False)
    h = Harness(tmp_path, specs=[*SPECS, store])
    h.all_up()  # everything but the store
    doc = h.supervisor.document()
    assert doc["phase"] == "Running"
    assert doc["components"]["opensearch"]["healthy"] is False
    assert h.pid("opensearch") is not None, "it still runs"


def test_state_is_published_only_when_it_changes(tmp_path):
    h = Harness(tmp_path)
    h.all_up()
    count = len(h.published)
    h.step()
    h.step()
    assert len(h.published) == count
    h.processes.exit(h.pid("scheduler"), 1)
    h.step()
    assert len(h.published) == count + 1
    assert h.published[-1]["components"]["scheduler"]["pid"] is None


def test_stop_goes_in_reverse_order_and_kills_what_ignores_sigterm(tmp_path):
    h = Harness(tmp_path, grace=5.0)
    h.all_up()
    pids = {n: h.pid(n) for n in ("apiserver", "scheduler", "kubelet-node-1")}
    h.processes.stubborn.add(pids["scheduler"])
    orphan = h.processes.add_orphan()
    start = h.time
    h.supervisor.stop()

    terms = [pid for pid, sig in h.processes.signals if sig == signal.SIGTERM]
    assert terms[:3] == [pids["scheduler"], pids["kubelet-node-1"], pids["apiserver"]]
    assert terms[3:] == [orphan], "leftover processes must be stopped too"
    assert (-pids["scheduler"], signal.SIGKILL) in h.processes.signals
    assert h.time - start >= 5.0, "SIGKILL came before the grace period ended"
    assert not h.processes.running, "processes left after stop"
    assert len(h.processes.spawned) == 3, "nothing may be restarted while stopping"
    assert h.published[-1]["phase"] == "Stopped"
    assert {c["state"] for c in h.published[-1]["components"].values()} == {"Stopped"}


def test_run_steps_until_told_to_stop_then_stops(tmp_path):
    h = Harness(tmp_path)
    h.healthy = {s.name for s in SPECS}
    ticks = []
    h.supervisor.run(lambda: len(ticks) >= 3, ticks.append, tick=0.5)
    assert ticks == [0.5, 0.5, 0.5]
    assert h.started() == ["apiserver", "scheduler", "kubelet-node-1"]
    assert not h.processes.running


@pytest.mark.parametrize(("running", "healthy", "backing_off", "want"), [
    (set(), set(), set(), ["apiserver"]),
    ({"apiserver"}, set(), set(), []),
    ({"apiserver"}, {"apiserver"}, set(), ["scheduler", "kubelet-node-1"]),
    ({"apiserver"}, {"apiserver"}, {"scheduler"}, ["kubelet-node-1"]),
    ({"apiserver", "scheduler"}, {"apiserver"}, set(), ["kubelet-node-1"]),
    # Healthy but not running (a stale flag) does not count.
    (set(), {"apiserver"}, {"apiserver"}, []),
    ({"apiserver", "scheduler", "kubelet-node-1"}, set(), set(), []),
])
def test_plan_starts(running, healthy, backing_off, want):
    assert plan_starts(SPECS, running, healthy, backing_off) == want


@pytest.mark.parametrize(("code", "text"), [
    (0, "exited with code 0"), (1, "exited with code 1"),
    (-9, "was killed by SIGKILL"), (-15, "was killed by SIGTERM"),
])
def test_describe_exit(code, text):
    assert describe_exit(code) == text

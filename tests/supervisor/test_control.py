"""What the CLI verbs do: wait for readiness, report status, stop the cluster."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from observe.supervisor import control, state
from observe.supervisor.layout import ClusterLayout


class FakeSupervisor:
    """Stands in for the supervisor's Popen."""

    def __init__(self, pid: int = 4242, code: int | None = None) -> None:
        self.pid = pid
        self.code = code

    def poll(self) -> int | None:
        return self.code


class Clock:
    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds


def write(layout: ClusterLayout, phase: str, components: dict, pid: int = 4242) -> None:
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    state.write_state(layout.state_file, {"version": state.VERSION, "phase": phase,
                                          "supervisor": {"pid": pid},
                                          "components": components})


def component(healthy: bool, *deps: str, message: str = "", **extra) -> dict:
    return {"healthy": healthy, "dependsOn": list(deps), "message": message, **extra}


READY_NODE = {"metadata": {"name": "node-1"},
              "status": {"conditions": [{"type": "Ready", "status": "True"}]}}


def wait(layout, supervisor, nodes=("node-1",), list_nodes=lambda: {"items": [READY_NODE]},
         timeout=10.0):
    clock = Clock()
    return control.wait_ready(layout, supervisor, list(nodes), timeout=timeout,
                              list_nodes=list_nodes, now=clock.now, sleep=clock.sleep)


def test_ready_when_every_component_runs_and_every_node_is_ready(tmp_path):
    layout = ClusterLayout(tmp_path)
    write(layout, state.RUNNING, {"apiserver": component(True)})
    assert wait(layout, FakeSupervisor())["phase"] == state.RUNNING


def test_a_previous_runs_state_is_not_taken_for_this_one(tmp_path):
    layout = ClusterLayout(tmp_path)
    write(layout, state.RUNNING, {"apiserver": component(True)}, pid=1)
    with pytest.raises(control.ControlError, match="the supervisor reported nothing"):
        wait(layout, FakeSupervisor(pid=4242))


def test_timeout_names_the_failing_component_with_its_log(tmp_path):
    layout = ClusterLayout(tmp_path)
    write(layout, state.STARTING, {
        "apiserver": component(True),
        "scheduler": component(False, "apiserver", message="exited with code 2",
                               restarts=3),
        "kubelet-node-1": component(False, "apiserver", message="not healthy yet")})
    layout.logs_dir.mkdir()
    layout.log_file("scheduler").write_text("starting\nTraceback ...\nValueError: bad flag\n")
    with pytest.raises(control.ControlError) as failure:
        wait(layout, FakeSupervisor(), timeout=5)
    text = str(failure.value)
    assert text.startswith("the cluster was not ready after 5s: scheduler: exited with code 2 "
                           "(restarted 3 times)")
    assert text.endswith("ValueError: bad flag")


def test_timeout_names_a_node_that_is_not_ready(tmp_path):
    layout = ClusterLayout(tmp_path)
    write(layout, state.RUNNING, {"apiserver": component(True)})
    with pytest.raises(control.ControlError, match="node node-1 is not registered"):
        wait(layout, FakeSupervisor(), list_nodes=lambda: {"items": []}, timeout=1)


def test_an_unreachable_api_is_waited_for(tmp_path):
    layout = ClusterLayout(tmp_path)
    write(layout, state.RUNNING, {"apiserver": component(True)})
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("refused")
        return {"items": [READY_NODE]}

    assert wait(layout, FakeSupervisor(), list_nodes=flaky)["phase"] == state.RUNNING
    assert len(calls) == 3


def test_a_supervisor_that_exits_is_reported_with_its_log(tmp_path):
    layout = ClusterLayout(tmp_path)
    layout.logs_dir.mkdir(parents=True)
    layout.log_file("supervisor").write_text("ERROR observe is already running\n")
    with pytest.raises(control.ControlError,
                       match=r"(?s)the supervisor exited with code 3.*already running"):
        wait(layout, FakeSupervisor(code=3))


def test_report_shows_live_pids_and_probed_health(tmp_path):
    layout = ClusterLayout(tmp_path)
    me = psutil.Process()
    write(layout, state.RUNNING, {
        "apiserver": {"url": "http://a", "healthUrl": "http://a/readyz", "pid": me.pid,
                      "createTime": me.create_time(), "restarts": 2, "log": "a.log"},
        # A pid now used by another process than the one recorded.
        "scheduler": {"url": "http://s", "healthUrl": "http://s/healthz", "pid": me.pid,
                      "createTime": me.create_time() - 100, "restarts": 0, "log": "s.log"},
        "kubelet-node-1": {"url": "http://k", "healthUrl": "http://k/healthz", "pid": None,
                           "createTime": None, "restarts": 0, "log": "k.log"}})
    fd = state.acquire_lock(layout.lock_file)
    try:
        report = control.report(layout, lambda urls: {u: True for u in urls})
    finally:
        os.close(fd)
    assert report["components"] == {
        "apiserver": {"url": "http://a", "pid": me.pid, "healthy": True, "restarts": 2,
                      "log": "a.log"},
        "scheduler": {"url": "http://s", "pid": None, "healthy": False, "restarts": 0,
                      "log": "s.log"},
        "kubelet-node-1": {"url": "http://k", "pid": None, "healthy": False, "restarts": 0,
                           "log": "k.log"}}
    assert report["supervisor"] == {"pid": os.getpid(), "running": True}
    assert report["phase"] == state.RUNNING
    # Without a supervisor the last state is still shown, as stopped.
    assert control.report(layout, lambda urls: {})["phase"] == state.STOPPED


def test_report_without_any_cluster(tmp_path):
    with pytest.raises(control.ControlError, match="observe is not running in"):
        control.report(ClusterLayout(tmp_path))


def test_stop_with_nothing_running(tmp_path):
    assert not control.stop(ClusterLayout(tmp_path), timeout=1, now=time.monotonic,
                            sleep=time.sleep)


LOCK_HOLDER = """
import pathlib, signal, sys, time
from observe.supervisor import state
if sys.argv[2] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
fd = state.acquire_lock(pathlib.Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("behaviour", ["polite", "stubborn"])
def test_stop_signals_the_supervisor_and_waits_for_its_lock(tmp_path, behaviour):
    layout = ClusterLayout(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(layout.lock_file),
                               behaviour], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        assert control.running_supervisor(layout) == holder.pid
        assert control.stop(layout, timeout=1.0, now=time.monotonic, sleep=time.sleep)
        assert holder.wait(10) in (-15, -9)
        assert control.running_supervisor(layout) is None
    finally:
        holder.kill()
        holder.wait()


def test_stop_ends_components_whose_supervisor_is_gone(tmp_path):
    layout = ClusterLayout(tmp_path)
    orphan = subprocess.Popen(["sleep", "60"])
    try:
        write(layout, state.RUNNING, {"scheduler": {
            "pid": orphan.pid, "createTime": psutil.Process(orphan.pid).create_time()}})
        assert control.stop(layout, timeout=1.0, now=time.monotonic, sleep=time.sleep)
        assert not psutil.pid_exists(orphan.pid) or \
            psutil.Process(orphan.pid).status() == psutil.STATUS_ZOMBIE
    finally:
        orphan.kill()
        orphan.wait()

"""The process runtime with real shims and processes: exit codes and reasons, CRI logs,
graceful stop, exec, re-adoption by a new runtime (a restarted kubelet), a vanished shim,
namespaces (root) and cgroup limits with OOM kills (where cgroups are writable)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid

import pytest

from observe.kubelet.layout import Layout
from observe.kubelet.logs import LogOptions, read_log
from observe.kubelet.runtime import cgroups, namespaces
from observe.kubelet.runtime.cgroups import Limits
from observe.kubelet.runtime.namespaces import Mount
from observe.kubelet.runtime.process import ProcessRuntime
from observe.kubelet.runtime.procfs import is_alive, start_ticks
from observe.kubelet.runtime.types import ContainerConfig

PATH = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


def make_runtime(layout, driver=None, use_namespaces=False):
    return ProcessRuntime(layout, python=sys.executable, cgroup_driver=driver,
                          namespaces=use_namespaces, log_max_size=10 << 20, log_max_files=5)


@pytest.fixture
def layout(tmp_path):
    layout = Layout(tmp_path / "root")
    layout.create()
    return layout


@pytest.fixture
def runtime(layout):
    rt = make_runtime(layout)
    yield rt
    for c in rt.containers():
        rt.remove(c.id)


def config(layout, argv, name="app", attempt=0, **extra):
    uid = extra.pop("pod_uid", "pod-uid-1")
    return ContainerConfig(
        pod_uid=uid, pod_name="p", pod_namespace="ns", name=name, attempt=attempt,
        argv=argv, env={**PATH, **extra.pop("env", {})}, working_dir=extra.pop("working_dir",
                                                                              "/"),
        log_path=str(layout.container_log("ns", "p", uid, name, attempt)),
        image="docker.io/library/busybox:latest", image_id="id", **extra)


async def wait_state(rt, container_id, state, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        current = next(c for c in rt.containers() if c.id == container_id)
        if current.state == state:
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"container {container_id[:12]} still {current.state}, "
                                 f"wanted {state}")
        await asyncio.sleep(0.05)


def read(directory, name):
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def log_text(path):
    return b"".join(read_log(path, LogOptions())).decode()


async def test_exit_code_reason_and_cri_log(runtime, layout):
    status = await runtime.start(config(layout, ["sh", "-c", "echo out; echo err >&2; exit 3"]))
    assert status.pid and status.started_at
    done = await wait_state(runtime, status.id, "exited")
    assert (done.exit_code, done.reason) == (3, "Error")
    assert done.finished_at >= done.started_at
    assert sorted(log_text(done.log_path).splitlines()) == ["err", "out"]
    with open(done.log_path) as f:
        streams = sorted(line.split(" ")[1] for line in f)
    assert streams == ["stderr", "stdout"]
    link = layout.container_log_link("ns", "p", "app", status.id)
    assert os.path.realpath(link) == os.path.realpath(done.log_path)


async def test_fallback_to_logs_on_error_is_the_termination_message(runtime, layout):
    script = "for i in $(seq 1 100); do echo line $i; done; exit 2"
    status = await runtime.start(config(layout, ["sh", "-c", script],
                                        termination_message_policy="FallbackToLogsOnError"))
    done = await wait_state(runtime, status.id, "exited")
    assert done.message.splitlines()[0] == "line 21" and done.message.endswith("line 100\n")
    quiet = await runtime.start(config(layout, ["sh", "-c", "echo fine"], name="ok",
                                       termination_message_policy="FallbackToLogsOnError"))
    assert (await wait_state(runtime, quiet.id, "exited")).message == "", "only on failure"


async def test_clean_exit_is_completed(runtime, layout):
    status = await runtime.start(config(layout, ["true"]))
    done = await wait_state(runtime, status.id, "exited")
    assert (done.exit_code, done.reason) == (0, "Completed")


@pytest.mark.parametrize(("argv", "message"), [
    (["no-such-binary-xyz"], 'exec: "no-such-binary-xyz": executable file not found in $PATH'),
    (["/no/such/file"], 'exec: "/no/such/file": stat /no/such/file: no such file or directory'),
])
async def test_exec_failure_is_start_error(runtime, layout, argv, message):
    status = await runtime.start(config(layout, argv))
    assert status.exited and status.reason == "StartError" and status.exit_code == 128
    assert message in status.message


async def test_working_dir_and_environment(runtime, layout, tmp_path):
    workdir = tmp_path / "work" / "dir"
    status = await runtime.start(config(layout, ["sh", "-c", "pwd; echo $GREETING"],
                                        working_dir=str(workdir), env={"GREETING": "hi"}))
    done = await wait_state(runtime, status.id, "exited")
    assert log_text(done.log_path).splitlines() == [str(workdir), "hi"]


async def test_stop_sends_sigterm_then_sigkill(runtime, layout):
    polite = await runtime.start(config(layout, [
        "sh", "-c", "trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"]))
    stubborn = await runtime.start(config(layout, [
        "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"], name="stubborn"))
    await asyncio.sleep(0.3)  # let the shells install their traps
    started = time.monotonic()
    await runtime.stop(polite.id, grace=10)
    assert time.monotonic() - started < 5
    done = next(c for c in runtime.containers() if c.id == polite.id)
    assert (done.exit_code, done.reason) == (0, "Completed")
    assert "bye" in log_text(done.log_path)
    started = time.monotonic()
    await runtime.stop(stubborn.id, grace=1)
    assert 0.9 < time.monotonic() - started < 8
    killed = next(c for c in runtime.containers() if c.id == stubborn.id)
    assert (killed.exit_code, killed.reason) == (137, "Error")


async def test_a_new_runtime_re_adopts_running_containers(layout):
    first = make_runtime(layout)
    status = await first.start(config(layout, ["sleep", "60"]))
    second = make_runtime(layout)  # a restarted kubelet
    [adopted] = second.containers()
    assert (adopted.id, adopted.state, adopted.pid) == (status.id, "running", status.pid)
    assert second.changed() == ["pod-uid-1"]
    assert second.changed() == [], "no change, no wake-up"
    await second.stop(adopted.id, grace=5)
    assert next(iter(second.containers())).exit_code == 143
    second.remove(adopted.id)
    assert make_runtime(layout).containers() == []


async def test_a_container_whose_shim_died_is_killed_and_reported(runtime, layout):
    status = await runtime.start(config(layout, ["sleep", "60"]))
    state = (layout.containers / status.id / "state.json").read_text()
    shim_pid = json.loads(state)["shimPid"]
    os.kill(shim_pid, signal.SIGKILL)
    done = await wait_state(runtime, status.id, "exited")
    assert done.exit_code == 137 and "shim" in done.message
    deadline = time.monotonic() + 5
    while is_alive(status.pid, start_ticks(status.pid)):
        assert time.monotonic() < deadline, "the orphaned container kept running"
        await asyncio.sleep(0.05)


async def test_exec_runs_with_the_container_environment(runtime, layout):
    status = await runtime.start(config(layout, ["sleep", "60"], env={"FLAVOUR": "mint"}))
    code, output = await runtime.exec(status.id, ["sh", "-c", "echo $FLAVOUR; exit 4"], 5)
    assert (code, output) == (4, b"mint\n")
    with pytest.raises(TimeoutError):
        await runtime.exec(status.id, ["sleep", "10"], 0.2)


async def test_usage_of_a_running_container(runtime, layout):
    status = await runtime.start(config(layout, ["sh", "-c", "while true; do :; done"]))
    await asyncio.sleep(0.5)
    usage = runtime.usage(status.id)
    assert usage is not None and usage.cpu_ns > 0 and usage.rss > 0


root_only = pytest.mark.skipif(not namespaces.supported(),
                               reason="mount and UTS namespaces need the kubelet to run as root")


@root_only
async def test_hostname_and_volume_mounts(layout, tmp_path):
    rt = make_runtime(layout, use_namespaces=True)
    volume = tmp_path / "vol"
    volume.mkdir()
    (volume / "hello.txt").write_text("from the volume\n")
    target = f"/tmp/observe-test-mount-{uuid.uuid4().hex[:8]}"
    try:
        status = await rt.start(config(
            layout, ["sh", "-c", f"hostname; cat {target}/hello.txt; "
                                 f"touch {target}/ro 2>/dev/null || echo read-only"],
            hostname="web-0", mounts=(Mount(str(volume), target, read_only=True),)))
        done = await wait_state(rt, status.id, "exited")
        assert log_text(done.log_path).splitlines()[:3] == ["web-0", "from the volume",
                                                           "read-only"]
        assert os.listdir(target) == [], "the mount stays inside the container"
        running = await rt.start(config(layout, ["sleep", "60"], name="other",
                                        hostname="web-0"))
        _, output = await rt.exec(running.id, ["hostname"], 5)
        assert output == b"web-0\n", "exec enters the container's UTS namespace"
    finally:
        for c in rt.containers():
            rt.remove(c.id)
        os.rmdir(target)


DRIVER = cgroups.detect(f"test-{uuid.uuid4().hex[:6]}")
needs_cgroups = pytest.mark.skipif(DRIVER is None, reason="no writable cgroup hierarchy")


@pytest.fixture(scope="module", autouse=True)
def release_cgroups():
    yield
    if DRIVER is not None:
        DRIVER.release()


@needs_cgroups
async def test_memory_limit_oom_kills_and_cpu_quota(layout):
    rt = make_runtime(layout, driver=DRIVER)
    try:
        hog = await rt.start(config(
            layout, [sys.executable, "-c", "x = bytearray(200 * 1024 * 1024); print(len(x))"],
            limits=Limits(memory_bytes=50 << 20)))
        done = await wait_state(rt, hog.id, "exited", timeout=20)
        assert (done.exit_code, done.reason) == (137, "OOMKilled")
        capped = await rt.start(config(layout, ["sleep", "60"], name="capped",
                                       limits=Limits(cpu_limit_millis=250,
                                                     cpu_request_millis=100)))
        paths = cgroups.CgroupPaths.from_json(
            json.loads((layout.containers / capped.id / "config.json").read_text())["cgroups"])
        assert cgroups.procs(paths.dirs[0][1]) == [capped.pid]
        if DRIVER.version == 1:
            quota = read(paths.dir("cpu"), "cpu.cfs_quota_us")
            shares = read(paths.dir("cpu"), "cpu.shares")
            assert (quota, shares) == ("25000", "102")
        else:
            assert read(paths.dir("unified"), "cpu.max").split() == ["25000", "100000"]
    finally:
        for c in rt.containers():
            rt.remove(c.id)
    deadline = time.monotonic() + 5
    while DRIVER.pod_dirs():  # a killed process leaves its cgroup once its shim reaped it
        assert time.monotonic() < deadline, "removing containers removes their cgroups"
        rt.containers()
        await asyncio.sleep(0.05)

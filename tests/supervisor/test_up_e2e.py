"""``observe up`` / ``status`` / ``down`` for real: every component as a process, kubectl
against the kubeconfig, a crashed component restarted, nothing left after ``down``.

Components this build does not have yet are simply not expected (``observe up`` skips them).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from observe.__main__ import COMPONENTS
from observe.logstore.install import why_unavailable
from observe.monitoring import binaries

pytestmark = pytest.mark.slow

NODES = ("node-1", "node-2")
UP_TIMEOUT = 180.0


def observe(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observe", *args], capture_output=True,
                          text=True, timeout=timeout)


def poll(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def status(data_dir: Path) -> dict:
    done = observe("status", "-o", "json", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def expected_components() -> set[str]:
    names = {"apiserver"} | {c for c in ("scheduler", "controller-manager") if c in COMPONENTS}
    for per_node in ("kubelet", "proxy", "node-exporter"):
        if per_node in COMPONENTS:
            names |= {f"{per_node}-{n}" for n in NODES}
    if "pod-exporter" in COMPONENTS:
        names.add("pod-exporter")
    if "shipper" in COMPONENTS and why_unavailable() is None:
        names |= {"opensearch", "events-exporter"} | {f"shipper-{n}" for n in NODES}
    if "prometheus" in COMPONENTS and all(
            binaries.find(t) for t in (binaries.PROMETHEUS, binaries.ALERTMANAGER)):
        names |= {"prometheus-sd", "alertmanager", "prometheus"}
    return names


def processes_mentioning(data_dir: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and proc.info["pid"] != psutil.Process().pid:
            found.append(f"{proc.info['pid']}: {cmdline}")
    return found


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "cluster"
    yield path
    observe("down", "--data-dir", str(path), timeout=120)


def test_up_status_restart_down(data_dir: Path) -> None:
    up = observe("up", "--nodes", str(len(NODES)), "--data-dir", str(data_dir),
                 timeout=UP_TIMEOUT)
    assert up.returncode == 0, f"observe up failed:\n{up.stdout}\n{up.stderr}"
    assert "observe is up" in up.stdout

    again = observe("up", "--data-dir", str(data_dir))
    assert again.returncode == 1
    assert "already running" in again.stderr

    report = status(data_dir)
    assert set(report["components"]) == expected_components()
    # The log store is not waited for by `up` (it takes tens of seconds to start).
    report = poll("every component to be healthy", lambda: (
        (r := status(data_dir)) and all(c["healthy"] for c in r["components"].values())
        and r), timeout=120)
    components = report["components"]
    for name, c in components.items():
        assert isinstance(c["pid"], int) and psutil.pid_exists(c["pid"]), name
        assert c["url"].startswith("http://127.0.0.1:"), c["url"]
    supervisor_pid = report["supervisor"]["pid"]
    assert psutil.pid_exists(supervisor_pid)
    pids = [supervisor_pid, *(c["pid"] for c in components.values())]

    kubectl = shutil.which("kubectl")
    if kubectl and "kubelet" in COMPONENTS:
        nodes = subprocess.run([kubectl, "--kubeconfig", str(data_dir / "kubeconfig"),
                                "get", "nodes", "--no-headers"],
                               capture_output=True, text=True, timeout=30)
        assert nodes.returncode == 0, nodes.stderr
        rows = sorted(line.split()[:2] for line in nodes.stdout.splitlines())
        assert rows == [[n, "Ready"] for n in NODES]

    victim = "scheduler" if "scheduler" in components else "controller-manager"
    if victim in components:
        old = components[victim]["pid"]
        psutil.Process(old).send_signal(signal.SIGKILL)
        restarted = poll(f"{victim} to be restarted", lambda: (
            (c := status(data_dir)["components"][victim])["pid"] not in (None, old)
            and c["healthy"] and c))
        assert restarted["restarts"] == 1
        pids.append(restarted["pid"])

    down = observe("down", "--data-dir", str(data_dir), timeout=120)
    assert down.returncode == 0, down.stderr
    assert "observe stopped" in down.stdout
    alive = [p for p in pids if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"still running after observe down: {alive}"
    assert not processes_mentioning(data_dir)
    assert "not running" in observe("down", "--data-dir", str(data_dir)).stdout


def test_up_that_times_out_names_the_component_and_cleans_up(data_dir: Path) -> None:
    up = observe("up", "--nodes", "1", "--timeout", "0.1s", "--data-dir", str(data_dir),
                 timeout=UP_TIMEOUT)
    assert up.returncode == 1
    assert up.stderr.startswith("error: the cluster was not ready after 0.1s: ")
    assert "observe was stopped again" in up.stderr
    assert poll("processes to end", lambda: not processes_mentioning(data_dir), 30)
    assert "not running" in observe("down", "--data-dir", str(data_dir)).stdout

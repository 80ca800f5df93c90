"""The supervisor loop over real processes: restart after a crash, and nothing left behind
after it stops, not even a process a component orphaned."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from observe.supervisor import state
from observe.supervisor.ports import free_port

REPO = Path(__file__).resolve().parents[2]
DEADLINE = 30.0


def poll(what: str, check: Callable[[], Any], timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_restart_and_clean_stop(tmp_path):
    state_file = tmp_path / "state.json"
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.supervisor.procdriver", str(state_file), str(tmp_path),
         str(free_port("127.0.0.1")), str(free_port("127.0.0.1"))],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=(tmp_path / "driver.log").open("wb"))
    try:
        def running() -> dict | None:
            doc = state.read_state(state_file)
            return doc if doc and doc["phase"] == state.RUNNING else None

        doc = poll("both components running", running)
        first_a = doc["components"]["a"]["pid"]
        orphan = poll("the orphan to be adopted by the supervisor", lambda: [
            p for p in psutil.Process(driver.pid).children()
            if p.name() == "sleep"])[0]

        psutil.Process(first_a).kill()
        doc = poll("a restarted", lambda: (d := running()) and
                   d["components"]["a"]["pid"] not in (None, first_a) and d)
        assert doc["components"]["a"]["restarts"] == 1
        assert doc["components"]["a"]["lastExitCode"] == -signal.SIGKILL
        assert "starting a (restart 1)" in (tmp_path / "a.log").read_text()

        pids = [doc["components"][n]["pid"] for n in ("a", "b")] + [orphan.pid]
        driver.send_signal(signal.SIGTERM)
        assert driver.wait(DEADLINE) == 0
        left = [p for p in pids if not gone(p)]
        assert not left, f"processes left after stop: {left}"
        assert state.read_state(state_file)["phase"] == state.STOPPED
    finally:
        if driver.poll() is None:  # a failed assertion: still let it stop its children
            driver.terminate()
            try:
                driver.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                driver.kill()
                driver.wait()

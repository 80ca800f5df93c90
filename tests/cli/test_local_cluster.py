"""``observe up`` / ``down`` / ``status`` at the command line, without starting a cluster
(the whole run is in tests/supervisor/test_up_e2e.py)."""

from __future__ import annotations

import io
import os

import pytest

from observe.cli.main import main
from observe.cli.status import table
from observe.supervisor import state


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def test_status_without_a_cluster(tmp_path):
    code, out, err = run("status", "--data-dir", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == f"error: observe is not running in {tmp_path}\n"


def test_down_without_a_cluster_is_fine(tmp_path):
    assert run("down", "--data-dir", str(tmp_path)) == (
        0, f"observe is not running in {tmp_path}\n", "")


def test_no_kubeconfig_is_needed(tmp_path):
    # A named kubeconfig that does not exist fails every other verb; these ignore it.
    code, out, _ = run("--kubeconfig", str(tmp_path / "missing"), "down", "--data-dir",
                       str(tmp_path))
    assert (code, out) == (0, f"observe is not running in {tmp_path}\n")


def test_up_on_a_running_cluster_says_so(tmp_path):
    fd = state.acquire_lock(tmp_path / "supervisor.lock")
    try:
        code, out, err = run("up", "--data-dir", str(tmp_path))
    finally:
        os.close(fd)
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: observe is already running in {tmp_path} "
                          f"(supervisor pid {os.getpid()})")
    assert not (tmp_path / "logs").exists(), "a second supervisor was started"


@pytest.mark.parametrize("nodes", ["-1", "x", "1000"])
def test_up_rejects_bad_node_counts(tmp_path, nodes):
    code, _, err = run("up", "--nodes", nodes, "--data-dir", str(tmp_path))
    assert code == 1
    assert "--nodes" in err


def test_status_table():
    report = {"dataDir": "/d", "phase": "Running",
              "supervisor": {"pid": 7, "running": True},
              "components": {
                  "apiserver": {"url": "http://127.0.0.1:1", "pid": 10, "healthy": True,
                                "restarts": 0},
                  "kubelet-node-1": {"url": "http://127.0.0.1:22", "pid": None,
                                     "healthy": False, "restarts": 3}}}
    assert table(report) == (
        "observe in /d: Running (supervisor pid 7)\n"
        "NAME             URL                   PID      HEALTHY   RESTARTS\n"
        "apiserver        http://127.0.0.1:1    10       true      0\n"
        "kubelet-node-1   http://127.0.0.1:22   <none>   false     3\n")

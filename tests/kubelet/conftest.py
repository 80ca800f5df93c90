"""Real kubelet processes for the integration tests, against the session's apiserver.

:class:`KubeletProcess` runs ``python -m observe kubelet`` for a node of its own (a unique
name and pod range) and waits until its node API is ready. On the way out it deletes the
pods bound to its node and waits for the kubelet to stop them, stops the kubelet, kills any
container left behind (read from the runtime's state files) and deletes the Node.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from observe.api.registry import default_registry
from observe.client.config import load_kubeconfig
from observe.client.errors import ApiError
from observe.client.sync import SyncClient
from observe.testing import ApiServerProcess, free_port, wait_http_ok

REGISTRY = default_registry()
PODS = REGISTRY.get("", "pods")
NODES = REGISTRY.get("", "nodes")
_RANGES = itertools.count(200)


class KubeletProcess:
    def __init__(self, apiserver: ApiServerProcess, root: Path, node_name: str | None = None,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.apiserver = apiserver
        self.root = root
        self.node_name = node_name or f"kt-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.pod_cidr = f"127.{next(_RANGES) % 250 + 2}.0.0/16"
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> KubeletProcess:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "kubelet.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "observe", "kubelet", "--node-name", self.node_name,
                 "--kubeconfig", str(self.apiserver.kubeconfig), "--root-dir",
                 str(self.root), "--address", "127.0.0.1", "--port", str(self.port),
                 "--pod-cidr", self.pod_cidr, *self.extra_args],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wait_http_ok(f"{self.url}/readyz", timeout, self.proc)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return (self.root / "kubelet.log").read_text(errors="replace")

    def container_state(self, container_id: str) -> dict[str, Any]:
        """The runtime's state file of a container (``observe://<id>`` or the bare id)."""
        bare = container_id.removeprefix("observe://")
        return json.loads((self.root / "runtime" / "containers" / bare / "state.json")
                          .read_text())

    def kill_leftovers(self) -> None:
        for state_file in (self.root / "runtime" / "containers").glob("*/state.json"):
            with contextlib.suppress(OSError, ValueError):
                state = json.loads(state_file.read_text())
                if state.get("status") == "running":
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(state["pid"], signal.SIGKILL)


@pytest.fixture(scope="module")
def api(apiserver: ApiServerProcess) -> Iterator[SyncClient]:
    with SyncClient(load_kubeconfig(str(apiserver.kubeconfig))) as client:
        yield client


def retire(kubelet: KubeletProcess, api: SyncClient, timeout: float = 60.0) -> None:
    """Delete the node's pods (letting the kubelet stop them), stop it, clean up."""
    try:
        if kubelet.proc is not None and kubelet.proc.poll() is None:
            selector = f"spec.nodeName={kubelet.node_name}"
            for pod in api.list(PODS, field_selector=selector)["items"]:
                with contextlib.suppress(ApiError):
                    api.delete(PODS, pod["metadata"]["name"],
                               namespace=pod["metadata"]["namespace"], grace_period=1)
            deadline = time.monotonic() + timeout
            while api.list(PODS, field_selector=selector)["items"] and \
                    time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        kubelet.stop()
        kubelet.kill_leftovers()
        with contextlib.suppress(ApiError):
            api.delete(NODES, kubelet.node_name)


@pytest.fixture(scope="module")
def kubelet(apiserver: ApiServerProcess, api: SyncClient,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeletProcess]:
    """One real kubelet shared by a test module; tests use their own namespaces."""
    process = KubeletProcess(apiserver, tmp_path_factory.mktemp("kubelet"))
    process.start()
    yield process
    retire(process, api)


def wait_until(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1,
               what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last saw {last!r}")

"""Shared pieces of the whole-cluster benchmarks (``pod_startup.py``, ``hollow_cluster.py``).

- :class:`ObserveUp`: a real cluster from ``observe up --nodes N`` in a given data
  directory, its apiserver URL from ``observe status -o json``, stopped with
  ``observe down``;
- :class:`Component`: one ``python -m observe <component>`` process started directly, for
  benchmarks that want the control plane without ``observe up``'s monitoring stack, and
  :func:`hollow_kubelet`, the one process hosting many hollow nodes;
- pod watching with client-side arrival times, paced starts, percentiles, RSS per
  process tree, and the notes every run prints (load average, no peer control plane).

Nothing here decides pass or fail: the benchmarks print figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import psutil

from observe.testing import free_port, wait_http_ok

JSON = {"Content-Type": "application/json"}
# Hollow pods need no real addresses; a /16 of loopback no `observe up` node uses.
HOLLOW_POD_CIDR = "127.128.0.0/16"
NO_PEER = ("no peer control plane (kube-apiserver, kind, k3s) is installed on this machine, "
           "so figures are compared with the issue's targets and Kubernetes' published "
           "figures only")


def observe_cli(*args: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observe", *args], capture_output=True,
                          text=True, timeout=timeout)


def load_note() -> str:
    one, five, fifteen = os.getloadavg()
    return (f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores "
            "(the machine is shared with other work)")


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    return (f"n={len(values)} p50 {quantile(values, 0.5):.3f}s p99 {quantile(values, 0.99):.3f}s"
            f" max {max(values, default=float('nan')):.3f}s")


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (a component's helper processes count
    as its own); 0 if it is gone."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def rss_line(pids: Mapping[str, int]) -> str:
    sizes = {name: tree_rss(pid) for name, pid in pids.items()}
    parts = ", ".join(f"{name} {size / 2**20:.0f} MiB" for name, size in sizes.items())
    return f"{parts}; total {sum(sizes.values()) / 2**20:.0f} MiB"


class ObserveUp:
    """``observe up --nodes N`` in ``data_dir`` for the length of a ``with`` block."""

    def __init__(self, data_dir: Path, nodes: int) -> None:
        self.data_dir = Path(data_dir)
        self.nodes = nodes
        self.status: dict[str, Any] = {}

    def __enter__(self) -> ObserveUp:
        up = observe_cli("up", "--nodes", str(self.nodes), "--data-dir", str(self.data_dir),
                         "--timeout", "4m")
        if up.returncode != 0:
            observe_cli("down", "--data-dir", str(self.data_dir))
            raise RuntimeError(f"observe up failed:\n{up.stdout}\n{up.stderr}")
        self.refresh()
        return self

    def __exit__(self, *exc: object) -> None:
        observe_cli("down", "--data-dir", str(self.data_dir))

    def refresh(self) -> dict[str, Any]:
        done = observe_cli("status", "-o", "json", "--data-dir", str(self.data_dir))
        self.status = json.loads(done.stdout)
        return self.status

    @property
    def url(self) -> str:
        return self.status["components"]["apiserver"]["url"]

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig"


class Component:
    """One ``python -m observe <command>`` process, logging to ``log_path``."""

    def __init__(self, command: str, args: list[str], log_path: Path, health_url: str) -> None:
        self.command = command
        self.args = args
        self.log_path = log_path
        self.health_url = health_url
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Component:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "observe", self.command, *self.args],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wait_http_ok(self.health_url, timeout, self.proc)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def hollow_kubelet(kubeconfig: Path, nodes: int, root: Path, prefix: str = "hollow-",
                   extra: tuple[str, ...] = ()) -> Component:
    """ONE ``observe kubelet --hollow`` process hosting ``nodes`` nodes named
    ``<prefix><index>`` (not started yet; it is healthy once every node is registered)."""
    port = free_port()
    return Component(
        "kubelet", ["--node-name", "hollow", "--hollow", "--hollow-nodes", str(nodes),
                    "--node-name-prefix", prefix, "--kubeconfig", str(kubeconfig),
                    "--root-dir", str(root / "hollow"), "--port", str(port),
                    "--pod-cidr", HOLLOW_POD_CIDR, *extra],
        root / "hollow-kubelet.log", f"http://127.0.0.1:{port}/readyz")


async def wait_nodes_ready(http: aiohttp.ClientSession, base: str, count: int,
                           timeout: float) -> int:
    """Poll the Nodes until ``count`` are Ready or ``timeout`` passes; returns how many
    are."""
    deadline = time.monotonic() + timeout
    while True:
        async with http.get(f"{base}/api/v1/nodes") as r:
            items = (await r.json())["items"]
        ready = sum(1 for n in items for c in (n.get("status") or {}).get("conditions") or []
                    if c.get("type") == "Ready" and c.get("status") == "True")
        if ready >= count or time.monotonic() >= deadline:
            return ready
        await asyncio.sleep(1)


async def paced(rate: float, count: int) -> AsyncIterator[int]:
    """Yield 0..count-1 at ``rate`` per second on a fixed schedule (a late start is not
    made up for by bunching, only by not sleeping)."""
    started = time.monotonic()
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        yield i


async def resource_version(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url, params={"limit": "1"}) as r:
        r.raise_for_status()
        return (await r.json())["metadata"]["resourceVersion"]


async def watch(http: aiohttp.ClientSession, url: str, from_version: str,
                label_selector: str = "") -> AsyncIterator[tuple[float, str, dict]]:
    """``(arrival time, event type, object)`` for every event of a watch on ``url``, the
    time taken with :func:`time.monotonic` as each line arrives."""
    params = {"watch": "true", "resourceVersion": from_version, "timeoutSeconds": "3600"}
    if label_selector:
        params["labelSelector"] = label_selector
    async with http.get(url, params=params, timeout=aiohttp.ClientTimeout(total=None)) as r:
        r.raise_for_status()
        async for line in r.content:
            arrived = time.monotonic()
            if line.strip():
                event = orjson.loads(line)
                yield arrived, event["type"], event["object"]


def is_ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


async def wait_gone(http: aiohttp.ClientSession, url: str, timeout: float) -> float:
    """Poll ``url`` until it answers 404; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        async with http.get(url) as r:
            if r.status == 404:
                return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{url} still exists after {timeout:.0f}s")

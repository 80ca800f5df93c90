"""``/metrics/cadvisor`` scrape time with 110 pods on one kubelet (target: p99 <= 50 ms);
prints figures, never passes or fails.

    python benchmarks/cadvisor.py [--pods 110] [--scrapes 60]

A real apiserver and kubelet run as processes; ``--pods`` pods (one ``busybox`` container
running ``sleep``, a real process in its own cgroups where cgroups are writable) are bound to
the node. Once all run, the endpoint is scraped sequentially, as Prometheus scrapes one
target, each scrape more than the endpoint's cache age after the previous one so that every
scrape is a fresh collection. Reported: wall time of one GET, response read whole
(p50/p99/max), samples and bytes per scrape; and, since wall time on a busy machine mostly
measures the other work, the CPU time of one collection, run in this process over the
kubelet's directories (thread CPU time, p50/p99).

Peer in the same run: the kubelet's own ``/stats/summary`` over the same pods, the other
usage endpoint a node serves (no real cAdvisor or kubelet is installed on this machine).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._cluster import Component, load_note, quantile
from observe.kubelet.cadvisorsource import MAX_AGE, CadvisorSource
from observe.kubelet.layout import Layout
from observe.kubelet.runtime.process import ProcessRuntime
from observe.kubelet.stats import StatsProvider
from observe.testing import ApiServerProcess, free_port

CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_MS = 50.0


def cpu_seconds(pid: int) -> float:
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def request(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if body else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read())


def create_pods(api: str, node: str, count: int) -> None:
    for i in range(count):
        request(f"{api}/api/v1/namespaces/default/pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"sleeper-{i:03d}"},
            "spec": {"nodeName": node, "terminationGracePeriodSeconds": 1, "containers": [{
                "name": "sleep", "image": "busybox", "command": ["sleep", "3600"]}]}})


def running(api: str) -> int:
    pods = request(f"{api}/api/v1/namespaces/default/pods")["items"]
    return sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Running")


def timed_get(url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    return (time.perf_counter() - start) * 1000, body


def measure(url: str, scrapes: int, gap: float) -> tuple[list[float], bytes]:
    timed_get(url)  # warm-up
    times, body = [], b""
    for _ in range(scrapes):
        time.sleep(gap)
        elapsed, body = timed_get(url)
        times.append(elapsed)
    return times, body


def cpu_per_collection(collect: Callable[[], object], count: int) -> list[float]:
    """CPU milliseconds of this thread per call: what one collection costs, whatever else
    the machine is doing (wall time on a loaded machine mostly measures the others)."""
    out = []
    for _ in range(count):
        start = time.thread_time()
        collect()
        out.append((time.thread_time() - start) * 1000)
    return out


def in_process(root: Path, api: str, count: int) -> None:
    """The two endpoints' collections run here over the kubelet's directories (read only:
    the runtime re-reads the containers' state files, as a restarted kubelet would)."""
    layout = Layout(root)
    runtime = ProcessRuntime(layout, python=sys.executable, cgroup_driver=None,
                             namespaces=False, log_max_size=1 << 20, log_max_files=1)
    pods = request(f"{api}/api/v1/namespaces/default/pods")["items"]
    cadvisor = CadvisorSource("bench", layout, runtime)
    summary = StatsProvider("bench", layout, runtime, lambda: pods)
    for name, collect in (("/metrics/cadvisor", lambda: cadvisor.render(runtime.containers())),
                          ("/stats/summary (peer)", summary.summary)):
        times = cpu_per_collection(collect, count)
        print(f"{name:22} cpu per collection p50 {quantile(times, 0.5):6.1f} ms  "
              f"p99 {quantile(times, 0.99):6.1f} ms")


def report(name: str, times: list[float], body: bytes) -> None:
    samples = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    print(f"{name:22} scrape p50 {quantile(times, 0.5):6.1f} ms  p99 "
          f"{quantile(times, 0.99):6.1f} ms  max {max(times):6.1f} ms  {samples} samples  "
          f"{len(body) / 1024:.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=110)
    parser.add_argument("--scrapes", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cadvisor-bench-") as tmp:
        root = Path(tmp)
        apiserver = ApiServerProcess(root / "apiserver").start()
        port = free_port()
        kubelet = Component("kubelet", [
            "--node-name", "bench", "--kubeconfig", str(apiserver.kubeconfig),
            "--root-dir", str(root / "kubelet"), "--port", str(port),
            "--pod-cidr", "127.77.0.0/16", "--max-pods", str(args.pods)],
            root / "kubelet.log", f"http://127.0.0.1:{port}/readyz")
        kubelet.start()
        base = f"http://127.0.0.1:{port}"
        try:
            create_pods(apiserver.url, "bench", args.pods)
            deadline = time.monotonic() + 300
            while (ready := running(apiserver.url)) < args.pods:
                if time.monotonic() > deadline:
                    sys.exit(f"only {ready}/{args.pods} pods running after 300 s")
                time.sleep(1)
            print(f"{args.pods} pods running on one kubelet; {args.scrapes} sequential scrapes "
                  f"each, {MAX_AGE + 0.1:.1f} s apart (every scrape a fresh collection)")
            for name, path in (("/metrics/cadvisor", "/metrics/cadvisor"),
                               ("/stats/summary (peer)", "/stats/summary")):
                report(name, *measure(base + path, args.scrapes, MAX_AGE + 0.1))
            in_process(root / "kubelet", apiserver.url, args.scrapes)
            print(f"target: /metrics/cadvisor p99 <= {TARGET_MS:.0f} ms with 110 pods")
            print(load_note())
        finally:
            for i in range(args.pods):
                req = urllib.request.Request(
                    f"{apiserver.url}/api/v1/namespaces/default/pods/sleeper-{i:03d}",
                    method="DELETE")
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(req, timeout=10).close()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and request(
                    f"{apiserver.url}/api/v1/namespaces/default/pods")["items"]:
                time.sleep(1)
            kubelet.stop()
            apiserver.stop()


if __name__ == "__main__":
    main()

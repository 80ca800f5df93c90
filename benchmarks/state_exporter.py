"""State exporter benchmark (issue target: a scrape with 30,000 pods on hollow nodes in
<= 1 s, exporter RSS <= 300 MB); prints figures, never passes or fails.

    python benchmarks/state_exporter.py [--nodes 1000] [--pods 30000] [--scrapes 20]

A fresh ``observe apiserver``; that many fake Nodes created through the API (Ready, with
capacity, addresses and node info, every tenth a control-plane node), then the pods, each
bound to a node and given a Running status through ``pods/<name>/status`` as a kubelet
would (hollow nodes: nothing runs). Only then does a real ``observe pod-exporter`` process
start. Reported:

- start-up: process start until ``/readyz`` (initial lists rendered);
- scrape time p50/p99/max of ``GET /metrics``, response read whole by a lean (urllib)
  client, scrapes sequential as Prometheus does; the exporter's CPU seconds per scrape
  (the figure a busy machine disturbs least); series and bytes per scrape;
- exporter RSS after the scrapes and its peak (VmHWM).

Peer, in the same run: rendering the same pods at scrape time instead of when they change
(what an exporter that keeps objects in an informer and formats them on every scrape pays),
timed in this process on the pods listed from the apiserver. kube-state-metrics' own sizing
guide asks for 250 MiB + 2 MiB per node (about 2.2 GiB at 1,000 nodes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp
import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exporters.state.metrics.kind import MetricOptions
from exporters.state.metrics.pods import KIND as PODS
from exporters.state.store import KindRenderer
from exporters.state.testing import PodExporterProcess
from observe.testing import ApiServerProcess

CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_SECONDS = 1.0
TARGET_RSS_MB = 300
NAMESPACE = "bench"
STAMP = "2026-01-01T00:00:00Z"


def node(i: int) -> dict:
    name = f"hollow-{i:04d}"
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    if i % 10 == 0:
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}


def node_status(i: int) -> dict:
    resources = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    conditions = [{"type": t, "status": "True" if t == "Ready" else "False", "reason": t,
                   "lastHeartbeatTime": STAMP, "lastTransitionTime": STAMP}
                  for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")]
    addresses = [{"type": "InternalIP", "address": f"10.0.{i // 250}.{i % 250}"},
                 {"type": "Hostname", "address": f"hollow-{i:04d}"}]
    return {"status": {"capacity": resources, "allocatable": resources, "conditions": conditions,
                       "addresses": addresses,
                       "nodeInfo": {"kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12",
                                    "containerRuntimeVersion": "observe://0.1.0",
                                    "kubeletVersion": "v1.32.0", "kubeProxyVersion": "v1.32.0",
                                    "systemUUID": f"uuid-{i}", "machineID": f"m-{i}",
                                    "bootID": f"b-{i}", "operatingSystem": "linux",
                                    "architecture": "amd64"}}}


def pod(i: int, nodes: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:06d}", "labels": {"app": f"app-{i % 50}"}},
            "spec": {"nodeName": f"hollow-{i % nodes:04d}",
                     "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                     "resources": {"requests": {"cpu": "100m",
                                                                "memory": "128Mi"},
                                                   "limits": {"memory": "256Mi"}}}]}}


def pod_status(i: int, nodes: int) -> dict:
    ip = f"10.{1 + i // 65000}.{i // 250 % 250}.{i % 250}"
    conditions = [{"type": t, "status": "True", "lastTransitionTime": STAMP}
                  for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
    return {"status": {
        "phase": "Running", "hostIP": f"10.0.{i % nodes // 250}.{i % nodes % 250}", "podIP": ip,
        "podIPs": [{"ip": ip}], "startTime": STAMP, "conditions": conditions,
        "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "started": True,
                               "state": {"running": {"startedAt": STAMP}}, "lastState": {},
                               "image": "registry.k8s.io/pause:3.10",
                               "imageID": "registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a1"
                                          "81d4cff9be1ac3f505666ef0e3c98fae8199917a",
                               "containerID": f"observe://{i:064x}"}]}}


async def write_all(base: str, requests: list[tuple[str, str, dict]],
                    concurrency: int = 32) -> None:
    slots = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:
        async def send(method: str, path: str, body: dict) -> None:
            content_type = ("application/merge-patch+json" if method == "PATCH"
                            else "application/json")
            async with slots, http.request(method, base + path, data=orjson.dumps(body),
                                           headers={"Content-Type": content_type}) as r:
                if r.status >= 300:
                    raise RuntimeError(f"{method} {path} answered {r.status}: {await r.text()}")

        await asyncio.gather(*(send(*r) for r in requests))


def populate(base: str, nodes: int, pods: int) -> None:
    namespace = {"metadata": {"name": NAMESPACE}}
    asyncio.run(write_all(base, [("POST", "/api/v1/namespaces", namespace)]))
    asyncio.run(write_all(base, [("POST", "/api/v1/nodes", node(i)) for i in range(nodes)]))
    asyncio.run(write_all(base, [("PATCH", f"/api/v1/nodes/hollow-{i:04d}/status",
                                  node_status(i)) for i in range(nodes)]))
    pods_path = f"/api/v1/namespaces/{NAMESPACE}/pods"
    for start in range(0, pods, 5000):  # in slices, to keep this process small
        batch = range(start, min(pods, start + 5000))
        asyncio.run(write_all(base, [("POST", pods_path, pod(i, nodes)) for i in batch]))
        asyncio.run(write_all(base, [("PATCH", f"{pods_path}/pod-{i:06d}/status",
                                      pod_status(i, nodes)) for i in batch]))


def timed_scrapes(url: str, count: int) -> tuple[list[float], int, int]:
    """Sequential scrapes, each read whole by a lean client (Prometheus is a Go client; an
    asyncio client would time its own buffering)."""
    durations = []
    body = b""
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=300) as response:
            body = response.read()
        durations.append(time.perf_counter() - started)
    series = sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))
    return durations, len(body), series


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def render_at_scrape_peer(base: str) -> tuple[float, int]:
    """Seconds to render every pod from objects, as a render-on-scrape exporter would."""
    async def list_pods() -> list[dict]:
        url = f"{base}/api/v1/namespaces/{NAMESPACE}/pods"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http, \
                http.get(url) as response:
            return orjson.loads(await response.read())["items"]

    items = asyncio.run(list_pods())
    renderer = KindRenderer(PODS, PODS.families(MetricOptions({}, {})))
    started = time.perf_counter()
    exposition = renderer.exposition([renderer.render(o) for o in items])
    size = sum(len(chunk) for chunk in exposition.chunks)
    return time.perf_counter() - started, size


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=30000)
    parser.add_argument("--scrapes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = ApiServerProcess(Path(tmp) / "apiserver")
        server.start()
        exporter = None
        try:
            started = time.monotonic()
            populate(server.url, args.nodes, args.pods)
            print(f"created {args.nodes} nodes and {args.pods} running pods in "
                  f"{time.monotonic() - started:.0f}s (not measured)")
            exporter = PodExporterProcess(server.kubeconfig, Path(tmp) / "exporter.log")
            launched = time.monotonic()
            exporter.start()
            exporter.wait_ready(timeout=600)
            print(f"start-up (process start to ready, initial lists rendered): "
                  f"{time.monotonic() - launched:.1f}s")
            cpu_before = cpu_seconds(exporter.pid)
            durations, size, series = timed_scrapes(f"{exporter.base}/metrics", args.scrapes)
            cpu_per_scrape = (cpu_seconds(exporter.pid) - cpu_before) / args.scrapes
            rss = psutil.Process(exporter.pid).memory_info().rss / 2**20
            peak = peak_rss_mb(exporter.pid)
            p50, p99 = pct(durations, 50), pct(durations, 99)
            print(f"scrape ({args.scrapes}x, {series} series, {size / 2**20:.0f} MiB): "
                  f"p50 {p50:.2f}s p99 {p99:.2f}s max {max(durations):.2f}s "
                  f"mean {statistics.mean(durations):.2f}s; exporter CPU {cpu_per_scrape:.2f}s "
                  f"per scrape; machine load average {os.getloadavg()[0]:.1f}")
            print(f"exporter RSS: {rss:.0f} MiB now, {peak:.0f} MiB peak")
            verdict = ("meets" if p99 <= TARGET_SECONDS and peak <= TARGET_RSS_MB else "misses")
            print(f"{verdict} the targets (scrape <= {TARGET_SECONDS:.0f}s, RSS <= "
                  f"{TARGET_RSS_MB} MB)")
            peer_seconds, peer_size = render_at_scrape_peer(server.url)
            print(f"peer, rendering the {args.pods} pods at scrape time in this process: "
                  f"{peer_seconds:.1f}s for the pod families alone ({peer_size / 2**20:.0f} MiB)")
            print(f"kube-state-metrics' sizing guide: {250 + 2 * args.nodes} MiB for "
                  f"{args.nodes} nodes")
        finally:
            if exporter is not None:
                exporter.stop()
            server.stop()


if __name__ == "__main__":
    main()

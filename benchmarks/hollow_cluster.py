"""A control plane driving 1,000 hollow nodes; prints figures, never passes or fails.

    python benchmarks/hollow_cluster.py [--nodes 1000] [--replicas 1000] [--pods 30000]
                                        [--step 5000] [--budget 480]

A real ``observe apiserver``, ``scheduler`` and ``controller-manager`` (started directly,
without ``observe up``'s monitoring stack) and ONE ``observe kubelet --hollow`` process
hosting ``--nodes`` hollow nodes (they register, renew Leases every 10 s, report status,
and report every pod bound to them Running and Ready without starting a process). Then:

1. a Deployment of ``--replicas`` pods: seconds from its creation until a watch on its
   pods has seen every one Running, and until the Deployment's status says every replica
   is ready (the controllers' view);
2. more Deployments of ``--step`` replicas (or, with ``--bound-pods``, pods created already
   bound to hollow nodes, ``--step`` at a time) until ``--pods`` pods exist or ``--budget``
   seconds have passed, with the resident memory of each control-plane component (its
   process tree, psutil) after each step — printed as it goes, so a run cut short still
   leaves its figures.

Peers, for scale: Kubernetes' scalability SLOs are stated for clusters up to 5,000 nodes
and 150,000 pods; kube-scheduler's CI floor is 680 pods/s (Go, 5,000 nodes). The issue's
target here is the figures themselves (time to 1,000 Running, RSS at 1,000 nodes and
30,000 pods).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _cluster import (
    JSON,
    NO_PEER,
    Component,
    hollow_kubelet,
    load_note,
    resource_version,
    rss_line,
    tree_rss,
    wait_nodes_ready,
    watch,
)

from observe.testing import ApiServerProcess, free_port

NAMESPACE = "bench"
PROGRESS_EVERY = 15.0


def pod_spec(node: str | None = None) -> dict:
    spec = {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}
    return {**spec, "nodeName": node} if node else spec


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": pod_spec()}}}


def bound_pod(index: int, nodes: int) -> dict:
    """A pod created already bound to a hollow node (as a DaemonSet's would be)."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"bound-{index:06d}", "labels": {"app": "bound"}},
            "spec": pod_spec(f"hollow-{index % nodes}")}


class ControlPlane:
    """The components, started in order and stopped in reverse."""

    def __init__(self, root: Path, nodes: int) -> None:
        self.root = root
        self.nodes = nodes
        self.apiserver = ApiServerProcess(root / "apiserver")
        self.components: list[Component] = []

    def start(self) -> None:
        self.apiserver.start()
        kubeconfig = str(self.apiserver.kubeconfig)
        for command in ("scheduler", "controller-manager"):
            port = free_port()
            flags = ["--kubeconfig", kubeconfig, "--port", str(port)]
            self._start(command, flags, f"http://127.0.0.1:{port}/healthz")
        self.hollow = hollow_kubelet(self.apiserver.kubeconfig, self.nodes, self.root)
        self.components.append(self.hollow)
        self.hollow.start(timeout=600)

    def _start(self, command: str, args: list[str], health_url: str) -> None:
        component = Component(command, args, self.root / f"{command}.log", health_url)
        self.components.append(component)
        component.start()

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()
        self.apiserver.stop()

    def pids(self) -> dict[str, int]:
        assert self.apiserver.proc is not None
        return {"apiserver": self.apiserver.proc.pid,
                **{c.command: c.pid for c in self.components if c.command != "kubelet"}}

    def rss(self) -> str:
        return (f"control plane RSS: {rss_line(self.pids())}; hollow kubelet (not counted) "
                f"{tree_rss(self.hollow.pid) / 2**20:.0f} MiB")


async def deployment_status(http: aiohttp.ClientSession, base: str, name: str) -> dict:
    url = f"{base}/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{name}"
    async with http.get(url) as r:
        return (await r.json()).get("status") or {}


async def create_deployment(http: aiohttp.ClientSession, base: str, name: str, replicas: int
                            ) -> None:
    url = f"{base}/apis/apps/v1/namespaces/{NAMESPACE}/deployments"
    async with http.post(url, data=orjson.dumps(deployment(name, replicas)), headers=JSON) as r:
        if r.status != 201:
            raise RuntimeError(f"create deployment {name}: {r.status} {await r.text()}")


async def count_running(http: aiohttp.ClientSession, pods_url: str, selector: str,
                        replicas: int, version: str) -> float:
    """When a watch of the pods matching ``selector`` has seen ``replicas`` of them
    Running."""
    running: set[str] = set()
    async for arrived, _kind, pod in watch(http, pods_url, version, selector):
        if (pod.get("status") or {}).get("phase") == "Running":
            running.add(pod["metadata"]["name"])
            if len(running) >= replicas:
                return arrived
    raise RuntimeError("the pod watch ended early")


async def wait_deployment(http: aiohttp.ClientSession, base: str, name: str, replicas: int,
                          started: float, deadline: float, plane: ControlPlane,
                          total_before: int) -> float | None:
    """Poll the Deployment until every replica is ready; prints progress. Returns when it
    was, or None at the deadline."""
    next_progress = time.monotonic() + PROGRESS_EVERY
    while time.monotonic() < deadline:
        status = await deployment_status(http, base, name)
        if status.get("readyReplicas", 0) >= replicas and status.get("updatedReplicas",
                                                                     0) >= replicas:
            return time.monotonic()
        if time.monotonic() >= next_progress:
            next_progress += PROGRESS_EVERY
            print(f"    ... {time.monotonic() - started:.0f}s: {name} has "
                  f"{status.get('replicas', 0)} pods, {status.get('readyReplicas', 0)} ready "
                  f"({total_before + status.get('readyReplicas', 0)} ready in all); "
                  f"{plane.rss()}; {load_note()}", flush=True)
        await asyncio.sleep(0.5)
    return None


async def first_deployment(http: aiohttp.ClientSession, base: str, replicas: int,
                           plane: ControlPlane, deadline: float) -> bool:
    pods_url = f"{base}/api/v1/namespaces/{NAMESPACE}/pods"
    version = await resource_version(http, pods_url)
    watcher = asyncio.create_task(count_running(http, pods_url, "app=bench-0", replicas,
                                                version))
    started = time.monotonic()
    await create_deployment(http, base, "bench-0", replicas)
    ready_at = await wait_deployment(http, base, "bench-0", replicas, started, deadline, plane,
                                     0)
    if ready_at is None:
        watcher.cancel()
        print(f"  Deployment of {replicas}: not fully ready within the budget")
        return False
    running_at = await asyncio.wait_for(watcher, max(deadline - time.monotonic(), 1))
    print(f"  Deployment of {replicas} replicas: all Running after "
          f"{running_at - started:.1f}s (pod watch), all ready per the Deployment's status "
          f"after {ready_at - started:.1f}s ({replicas / (running_at - started):.0f} pods/s "
          f"end to end: controllers, scheduler, hollow kubelet)", flush=True)
    print(f"  {plane.rss()}", flush=True)
    return True


async def scale_out(http: aiohttp.ClientSession, base: str, first: int, total: int, step: int,
                    plane: ControlPlane, deadline: float) -> None:
    pods = first
    index = 1
    while pods < total and time.monotonic() < deadline:
        replicas = min(step, total - pods)
        name = f"bench-{index}"
        started = time.monotonic()
        await create_deployment(http, base, name, replicas)
        ready_at = await wait_deployment(http, base, name, replicas, started, deadline, plane,
                                         pods)
        if ready_at is None:
            status = await deployment_status(http, base, name)
            print(f"  budget spent while {name} had {status.get('readyReplicas', 0)}/"
                  f"{replicas} ready: {pods + status.get('readyReplicas', 0)} pods ready in "
                  f"all; {plane.rss()}", flush=True)
            return
        pods += replicas
        print(f"  {pods} pods Running on {plane.nodes} nodes (+{replicas} in "
              f"{ready_at - started:.1f}s, {replicas / (ready_at - started):.0f} pods/s); "
              f"{plane.rss()}; {load_note()}", flush=True)
        index += 1


async def create_bound(http: aiohttp.ClientSession, url: str, indices: Iterator[int],
                       nodes: int, deadline: float) -> int:
    """One of the concurrent creators: takes indices from the shared iterator until it is
    exhausted or the deadline passes; returns how many pods it created."""
    made = 0
    for i in indices:
        if time.monotonic() >= deadline:
            break
        async with http.post(url, data=orjson.dumps(bound_pod(i, nodes)), headers=JSON) as r:
            if r.status != 201:
                raise RuntimeError(f"create pod: {r.status} {await r.text()}")
        made += 1
    return made


async def fill_bound(http: aiohttp.ClientSession, base: str, first: int, total: int,
                     step: int, plane: ControlPlane, deadline: float,
                     concurrency: int = 32) -> None:
    """Create pods already bound to the hollow nodes, ``concurrency`` at a time, printing
    RSS after every ``step``: the memory figure at ``total`` pods without waiting for the
    Deployment path's throughput."""
    url = f"{base}/api/v1/namespaces/{NAMESPACE}/pods"
    pods = first
    while pods < total and time.monotonic() < deadline:
        indices = iter(range(pods, min(pods + step, total)))
        started = time.monotonic()
        made = sum(await asyncio.gather(*(create_bound(http, url, indices, plane.nodes,
                                                       deadline)
                                          for _ in range(concurrency))))
        pods += made
        elapsed = time.monotonic() - started
        print(f"  {pods} pods exist (+{made} bound pods in {elapsed:.1f}s, "
              f"{made / elapsed:.0f} creates/s); {plane.rss()}; {load_note()}", flush=True)
    await wait_running(http, plane, pods, deadline)


async def running_pods(http: aiohttp.ClientSession, plane: ControlPlane) -> int:
    """The hollow kubelet's own ``kubelet_running_pods`` (cheaper than listing pods)."""
    metrics_url = plane.hollow.health_url.replace("/readyz", "/metrics")
    async with http.get(metrics_url) as r:
        text = await r.text()
    return next((int(float(line.split()[-1])) for line in text.splitlines()
                 if line.startswith("kubelet_running_pods ")), 0)


async def wait_running(http: aiohttp.ClientSession, plane: ControlPlane, pods: int,
                       deadline: float) -> None:
    """Until the hollow kubelet reports every pod Running (or the deadline), printing the
    count and RSS as it goes."""
    started = time.monotonic()
    while True:
        running = await running_pods(http, plane)
        done = running >= pods or time.monotonic() >= deadline
        if done or time.monotonic() - started >= PROGRESS_EVERY:
            print(f"  {running} of {pods} pods Running; {plane.rss()}; {load_note()}",
                  flush=True)
            started = time.monotonic()
        if done:
            return
        await asyncio.sleep(1)


async def run(plane: ControlPlane, args: argparse.Namespace, deadline: float) -> None:
    base = plane.apiserver.url
    async with aiohttp.ClientSession() as http:
        ready = await wait_nodes_ready(http, base, args.nodes, timeout=300)
        print(f"  {ready}/{args.nodes} hollow nodes Ready; {plane.rss()}", flush=True)
        async with http.post(f"{base}/api/v1/namespaces", headers=JSON,
                             data=orjson.dumps({"metadata": {"name": NAMESPACE}})) as r:
            r.raise_for_status()
        if not await first_deployment(http, base, args.replicas, plane, deadline):
            return
        if args.bound_pods:
            await fill_bound(http, base, args.replicas, args.pods, args.step, plane, deadline)
        else:
            await scale_out(http, base, args.replicas, args.pods, args.step, plane, deadline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=1000,
                        help="replicas of the first (timed) Deployment")
    parser.add_argument("--pods", type=int, default=30000, help="pods to scale out to")
    parser.add_argument("--step", type=int, default=5000,
                        help="replicas of each further Deployment")
    parser.add_argument("--budget", type=float, default=480.0,
                        help="seconds after the nodes are up to stop scaling out")
    parser.add_argument("--bound-pods", action="store_true",
                        help="scale out with pods created already bound to hollow nodes "
                             "instead of Deployments (reaches --pods sooner)")
    parser.add_argument("--work-dir", type=Path,
                        help="keep databases and component logs here (default: a temporary "
                             "directory, removed)")
    args = parser.parse_args()
    print(f"Control plane with {args.nodes} hollow nodes (one kubelet process); "
          f"{load_note()}")
    print(NO_PEER, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.work_dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        plane = ControlPlane(root, args.nodes)
        started = time.monotonic()
        try:
            plane.start()
            print(f"  components started and {args.nodes} hollow nodes registered in "
                  f"{time.monotonic() - started:.1f}s", flush=True)
            asyncio.run(run(plane, args, time.monotonic() + args.budget))
        finally:
            plane.stop()
            print(f"  component logs in {root}"
                  f"{' (removed)' if args.work_dir is None else ''}; {load_note()}")


if __name__ == "__main__":
    main()

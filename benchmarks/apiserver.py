"""Apiserver benchmarks (issue targets in brackets); prints figures, never passes or fails.

    python benchmarks/apiserver.py [--pods 30000] [--watchers 1000] [--skip-large]

1. create/get/update latency p50/p99 with 50 concurrent clients at a paced 200 requests/s
   [mutating p99 <= 50 ms; Kubernetes' SLO is 1 s]
2. list of 10,000 pods, plain JSON and as a Table [<= 1 s]
3. N concurrent watchers, delivery latency from the write's acknowledgement to each watcher
   [p99 <= 100 ms at 1,000 watchers]
4. apiserver RSS with 30,000 pods stored [<= 500 MB]

The apiserver is a real ``observe apiserver`` process on loopback; the load generator is
this process (aiohttp), so on 2 cores the two compete for CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from observe.testing import ApiServerProcess


def pod(name: str, i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": f"app-{i % 50}", "bench": "yes"}},
            "spec": {"containers": [{"name": "app", "image": "python:3.12",
                                     "resources": {"requests": {"cpu": "100m",
                                                                "memory": "64Mi"}}}]}}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(v: float) -> str:
    return f"{v * 1000:.1f} ms"


async def paced_crud(base: str, clients: int, rate: float, duration: float) -> None:
    ns_url = f"{base}/api/v1/namespaces/bench-crud/pods"
    latencies: dict[str, list[float]] = {"create": [], "get": [], "update": []}
    errors = 0
    interval = clients / rate  # each client issues one request per interval
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
        await http.post(f"{base}/api/v1/namespaces", json={"metadata": {"name": "bench-crud"}})

        async def client(c: int) -> None:
            nonlocal errors
            n = 0
            end = time.monotonic() + duration
            next_at = time.monotonic() + (c / clients) * interval
            current: dict | None = None
            while time.monotonic() < end:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += interval
                op = ("create", "get", "update")[n % 3]
                started = time.perf_counter()
                if op == "create":
                    name = f"c{c}-{n}"
                    async with http.post(ns_url, data=orjson.dumps(pod(name, n)),
                                         headers={"Content-Type": "application/json"}) as r:
                        current = await r.json() if r.status == 201 else None
                        ok = r.status == 201
                elif current is None:
                    continue
                elif op == "get":
                    async with http.get(f"{ns_url}/{current['metadata']['name']}") as r:
                        await r.read()
                        ok = r.status == 200
                else:
                    current["metadata"].setdefault("labels", {})["touched"] = str(n)
                    async with http.put(f"{ns_url}/{current['metadata']['name']}",
                                        data=orjson.dumps(current),
                                        headers={"Content-Type": "application/json"}) as r:
                        await r.read()
                        ok = r.status == 200
                latencies[op].append(time.perf_counter() - started)
                errors += not ok
                n += 1

        await asyncio.gather(*(client(c) for c in range(clients)))
    total = sum(len(v) for v in latencies.values())
    print(f"[1] {clients} clients, target {rate:.0f} req/s for {duration:.0f}s: "
          f"{total / duration:.0f} req/s achieved, {errors} errors")
    for op, values in latencies.items():
        print(f"    {op:7s} n={len(values):5d}  p50 {ms(pct(values, 50))}  "
              f"p99 {ms(pct(values, 99))}  max {ms(max(values, default=0))}")


async def fill(base: str, namespace: str, count: int, concurrency: int = 32) -> float:
    url = f"{base}/api/v1/namespaces/{namespace}/pods"
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        await http.post(f"{base}/api/v1/namespaces", json={"metadata": {"name": namespace}})
        queue = iter(range(count))

        async def worker() -> None:
            for i in queue:
                async with http.post(url, data=orjson.dumps(pod(f"p-{i:06d}", i)),
                                     headers={"Content-Type": "application/json"}) as r:
                    if r.status != 201:
                        raise RuntimeError(f"create failed: {r.status} {await r.text()}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def list_pods(base: str, namespace: str) -> None:
    url = f"{base}/api/v1/namespaces/{namespace}/pods"
    table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    async with aiohttp.ClientSession() as http:
        for label, headers in (("JSON", {}), ("Table", {"Accept": table})):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                async with http.get(url, headers=headers) as r:
                    body = await r.read()
                times.append(time.perf_counter() - started)
            print(f"[2] list {namespace} as {label:5s}: best {ms(min(times))}, "
                  f"median {ms(statistics.median(times))} ({len(body) / 1e6:.1f} MB)")


async def watch_child(url: str, rv: str, watchers: int, writes: int) -> None:
    """Runs in a separate process: hold ``watchers`` watches, report arrival times."""
    arrivals: dict[str, list[float]] = {}
    ready = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def watcher() -> None:
            nonlocal ready
            async with http.get(url, params={"watch": "true", "resourceVersion": rv,
                                             "timeoutSeconds": "300"},
                                timeout=aiohttp.ClientTimeout(total=None)) as r:
                ready += 1
                if ready == watchers:
                    print("READY", flush=True)
                seen = 0
                async for line in r.content:
                    if not line.strip():
                        continue
                    name = orjson.loads(line)["object"]["metadata"]["name"]
                    arrivals.setdefault(name, []).append(time.monotonic())
                    seen += 1
                    if seen == writes:
                        return

        await asyncio.gather(*(watcher() for _ in range(watchers)))
    print(orjson.dumps(arrivals).decode(), flush=True)


async def watch_latency(base: str, watchers: int, writes: int, children: int = 2) -> None:
    """Watchers live in ``children`` other processes, so the writer's timing is not
    delayed by their reading; CLOCK_MONOTONIC is shared by all processes."""
    url = f"{base}/api/v1/namespaces/bench-watch/configmaps"
    async with aiohttp.ClientSession() as http:
        await http.post(f"{base}/api/v1/namespaces", json={"metadata": {"name": "bench-watch"}})
        async with http.get(url) as r:
            rv = (await r.json())["metadata"]["resourceVersion"]
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--watch-child", url, rv, str(watchers // children),
            str(writes), stdout=asyncio.subprocess.PIPE) for _ in range(children)]
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
            assert line.strip() == b"READY", line
        sent: dict[str, float] = {}
        for i in range(writes):
            name = f"w-{i}"
            async with http.post(url, json={"metadata": {"name": name}}) as r:
                await r.read()
                sent[name] = time.monotonic()
            await asyncio.sleep(0.1)
    arrivals: dict[str, list[float]] = {}
    for proc in procs:
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        for name, times in orjson.loads(out.strip().splitlines()[-1]).items():
            arrivals.setdefault(name, []).extend(times)
    delays = [t - sent[name] for name, ts in arrivals.items() for t in ts]
    last = [max(ts) - sent[name] for name, ts in arrivals.items()]
    print(f"[3] {watchers} watchers ({children} client processes) x {writes} writes: "
          f"delivery after ack p50 {ms(pct(delays, 50))}, p99 {ms(pct(delays, 99))}; "
          f"last watcher reached: p50 {ms(pct(last, 50))}, max {ms(max(last))}")


def rss_mb(proc: ApiServerProcess) -> float:
    assert proc.proc is not None
    return psutil.Process(proc.proc.pid).memory_info().rss / 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=30_000)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--crud-seconds", type=float, default=20)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--watch-child", nargs=4, metavar=("URL", "RV", "N", "WRITES"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.watch_child:
        url, rv, n, writes = args.watch_child
        await watch_child(url, rv, int(n), int(writes))
        return
    with tempfile.TemporaryDirectory() as tmp, ApiServerProcess(Path(tmp)) as server:
        print(f"apiserver RSS at start: {rss_mb(server):.0f} MB")
        await paced_crud(server.url, clients=50, rate=200, duration=args.crud_seconds)
        await watch_latency(server.url, args.watchers, writes=20)
        if args.skip_large:
            return
        took = await fill(server.url, "bench-list", 10_000)
        print(f"    created 10,000 pods in {took:.1f}s ({10_000 / took:.0f}/s)")
        await list_pods(server.url, "bench-list")
        rest = args.pods - 10_000
        if rest > 0:
            took = await fill(server.url, "bench-more", rest)
            print(f"    created {rest} more pods in {took:.1f}s")
        print(f"[4] apiserver RSS with {args.pods} pods stored: {rss_mb(server):.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())

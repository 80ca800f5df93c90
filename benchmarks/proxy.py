"""Service proxy benchmark; prints figures, never passes or fails.

    python benchmarks/proxy.py [--round-trips 5000] [--connections 1000] [--megabytes 200]
                               [--unready-trials 5]

Runs a real ``observe apiserver``, ``observe controller-manager --controllers
endpoint,endpointslice`` and ``observe proxy``, and two echo backends (separate processes)
at pod addresses; the benchmark plays the kubelet by writing pod status. The peer is a
direct connection to the same backend in the same run:

- latency of 64-byte request/response round trips on one connection, and of whole short
  connections (connect, one round trip, close): p50/p99 direct vs through the ClusterIP,
  and the p99 the proxy adds (issue target ≤ 1 ms);
- throughput of a bulk echo (MB/s) direct vs proxied;
- time from a pod's Ready condition turning False (status write acknowledged) to its
  address leaving the Endpoints' ready addresses, and to the proxy no longer sending new
  connections to it (issue target ≤ 1 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from observe.testing import ApiServerProcess, free_port, wait_http_ok

BACKEND = r"""
import asyncio, sys
name = sys.argv[3].encode()
async def serve(reader, writer):
    writer.write(name + b"\n")
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()
async def main():
    server = await asyncio.start_server(serve, sys.argv[1], int(sys.argv[2]), backlog=1024)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def api(base: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def set_ready(base: str, name: str, ip: str, ready: bool) -> None:
    path = f"/api/v1/namespaces/default/pods/{name}"
    pod = api(base, "GET", path)
    flag = "True" if ready else "False"
    pod["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                     "conditions": [{"type": "Ready", "status": flag,
                                     "lastTransitionTime": now_rfc3339()}]}
    api(base, "PUT", path + "/status", pod)


def wait_until(check, timeout: float = 30.0, step: float = 0.002):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("condition not reached")


def connect(address: tuple[str, int]) -> tuple[socket.socket, str]:
    sock = socket.create_connection(address, timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    greeting = b""
    while not greeting.endswith(b"\n"):
        chunk = sock.recv(64)
        if not chunk:
            return sock, ""
        greeting += chunk
    return sock, greeting.decode().strip()


def who(address: tuple[str, int]) -> str:
    """The backend a new connection reaches ("" if none: refused or closed)."""
    try:
        sock, name = connect(address)
    except OSError:
        return ""
    sock.close()
    return name


def round_trip(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(payload)
    got = 0
    while got < len(payload):
        got += len(sock.recv(65536))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency(address: tuple[str, int], round_trips: int) -> list[float]:
    sock, _ = connect(address)
    payload = b"x" * 64
    for _ in range(200):  # warm up
        round_trip(sock, payload)
    samples = []
    for _ in range(round_trips):
        started = time.perf_counter()
        round_trip(sock, payload)
        samples.append(time.perf_counter() - started)
    sock.close()
    return samples


def connection_latency(address: tuple[str, int], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        sock, _ = connect(address)
        round_trip(sock, b"x" * 64)
        sock.close()
        samples.append(time.perf_counter() - started)
    return samples


def throughput(address: tuple[str, int], megabytes: int) -> float:
    import threading

    sock, _ = connect(address)
    total = megabytes * 1024 * 1024
    chunk = b"y" * 65536

    def send() -> None:
        sent = 0
        while sent < total:
            sock.sendall(chunk)
            sent += len(chunk)

    started = time.perf_counter()
    sender = threading.Thread(target=send)
    sender.start()
    received = 0
    while received < total:
        received += len(sock.recv(1 << 20))
    elapsed = time.perf_counter() - started
    sender.join()
    sock.close()
    return megabytes / elapsed


def report(label: str, direct: list[float], proxied: list[float]) -> None:
    d50, d99 = percentile(direct, 0.5) * 1e3, percentile(direct, 0.99) * 1e3
    p50, p99 = percentile(proxied, 0.5) * 1e3, percentile(proxied, 0.99) * 1e3
    print(f"{label}: direct p50 {d50:.3f} ms p99 {d99:.3f} ms | via ClusterIP p50 {p50:.3f} ms "
          f"p99 {p99:.3f} ms | added p99 {p99 - d99:.3f} ms (target <= 1 ms)")


def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="proxy-bench-"))
    server = ApiServerProcess(work / "apiserver").start()
    base = server.url
    procs: list[subprocess.Popen] = []
    try:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}

        def component(*argv: str) -> int:
            port = free_port()
            log = open(work / f"{argv[0]}.log", "wb")  # noqa: SIM115 - child owns it
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "observe", *argv, "--kubeconfig",
                 str(server.kubeconfig), "--port", str(port)], stdout=log,
                stderr=subprocess.STDOUT, env=env))
            wait_http_ok(f"http://127.0.0.1:{port}/readyz", 30, procs[-1])
            return port

        component("controller-manager", "--controllers", "endpoint,endpointslice")
        component("proxy", "--node-name", "node-1")
        backend_port = free_port()
        pods = {f"pod-{i}": f"127.1.{random.randint(1, 254)}.{10 + i}" for i in range(2)}
        for name, ip in pods.items():
            procs.append(subprocess.Popen([sys.executable, "-c", BACKEND, ip,
                                           str(backend_port), name]))
            api(base, "POST", "/api/v1/namespaces/default/pods", {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "labels": {"app": "echo"}},
                "spec": {"nodeName": "node-1",
                         "containers": [{"name": "c", "image": "busybox"}]}})
            set_ready(base, name, ip, True)
        svc = api(base, "POST", "/api/v1/namespaces/default/services", {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "echo"},
            "spec": {"selector": {"app": "echo"},
                     "ports": [{"port": random.randint(20000, 29999),
                                "targetPort": backend_port}]}})
        cluster = (svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["port"])
        direct = (pods["pod-0"], backend_port)
        seen: set[str] = set()
        wait_until(lambda: seen.add(who(cluster)) or len(seen) == 2)

        # Only pod-0 behind the Service for the latency figures: the same backend as direct.
        set_ready(base, "pod-1", pods["pod-1"], False)
        wait_until(lambda: all(who(cluster) == "pod-0" for _ in range(10)))
        report(f"round trip (64 B, {args.round_trips} on one connection)",
               latency(direct, args.round_trips), latency(cluster, args.round_trips))
        report(f"short connection (connect + 64 B round trip + close, {args.connections})",
               connection_latency(direct, args.connections),
               connection_latency(cluster, args.connections))
        d_mb, p_mb = throughput(direct, args.megabytes), throughput(cluster, args.megabytes)
        print(f"bulk echo ({args.megabytes} MB): direct {d_mb:.0f} MB/s | via ClusterIP "
              f"{p_mb:.0f} MB/s ({100 * p_mb / d_mb:.0f}% of direct)")

        set_ready(base, "pod-1", pods["pod-1"], True)
        endpoints_times, proxy_times = [], []
        for _ in range(args.unready_trials):
            wait_until(lambda: any(who(cluster) == "pod-1" for _ in range(4)))
            started = time.monotonic()
            set_ready(base, "pod-1", pods["pod-1"], False)
            wait_until(lambda: pods["pod-1"] not in json.dumps(
                [s.get("addresses") for s in api(base, "GET", "/api/v1/namespaces/default/"
                                                              "endpoints/echo")["subsets"]]))
            endpoints_times.append(time.monotonic() - started)
            wait_until(lambda: all(who(cluster) == "pod-0" for _ in range(4)))
            proxy_times.append(time.monotonic() - started)
            set_ready(base, "pod-1", pods["pod-1"], True)
        print(f"pod unready -> out of Endpoints ready addresses: median "
              f"{statistics.median(endpoints_times) * 1e3:.0f} ms, max "
              f"{max(endpoints_times) * 1e3:.0f} ms; -> no new connections from the proxy: "
              f"median {statistics.median(proxy_times) * 1e3:.0f} ms, max "
              f"{max(proxy_times) * 1e3:.0f} ms (target <= 1000 ms; "
              f"{args.unready_trials} trials)")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round-trips", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--unready-trials", type=int, default=5)
    run(parser.parse_args())


if __name__ == "__main__":
    main()

"""Log shipper benchmarks (issue targets in brackets); prints figures, never passes or fails.

    python benchmarks/shipper.py [--lines 200000] [--files 500] [--skip-opensearch]

1. lines/s per CPU-second from files through parse, enrich and bulk encoding to a null
   output [>= 50,000], next to a bare loop (split the CRI line, dump a minimal document:
   what any Python shipper pays at least) as the peer in the same run;
2. lines/s into a real OpenSearch node (wall clock; the node shares the 2 cores);
3. RSS of an ``observe shipper`` process tailing ``--files`` files [<= 200 MB];
4. delay from a line's write to the moment it is searchable, p50/p99 (includes the
   index's 1 s refresh interval, as a user searching would see it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from observe.logstore.opensearch import OpenSearchNode, free_port
from observe.logstore.outputs.null import NullOutput
from observe.logstore.outputs.opensearch import opensearch_output
from observe.shipper.config import ShipperConfig
from observe.shipper.metadata import PodIndex
from observe.shipper.shipper import Shipper

NODE = "bench-node"
TEXTS = [
    "GET /api/v1/items/{i} 200 12ms user=alice",
    '{{"level":"info","msg":"handled request","path":"/items/{i}","status":200,"ms":12}}',
    "2024-01-02 03:04:05,678 WARNING worker.pool: queue depth {i} above threshold",
    "I0102 03:04:05.678901       1 controller.go:123] synced object default/item-{i}",
]


def stamp(ns: int) -> str:
    seconds, frac = divmod(ns, 1_000_000_000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{frac:09d}Z"


def pod(i: int) -> dict:
    return {"metadata": {"name": f"app-{i}", "namespace": "bench", "uid": f"uid-{i}",
                         "labels": {"app": "bench", "app.kubernetes.io/name": "bench",
                                    "pod-template-hash": "5d8f7c"},
                         "annotations": {"prometheus.io/scrape": "true"},
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "app-5d8f7c",
                                              "controller": True}]},
            "spec": {"nodeName": NODE, "containers": [{"name": "app", "image": "app:1"}]},
            "status": {"podIP": f"127.1.{i // 250}.{i % 250 + 1}",
                       "containerStatuses": [{"name": "app", "containerID": f"observe://{i}"}]}}


def write_logs(root: Path, files: int, lines_per_file: int) -> int:
    """CRI files of numbered lines; returns the bytes written."""
    total = 0
    start = time.time_ns()
    for f in range(files):
        directory = root / "pods" / f"bench_app-{f}_uid-{f}" / "app"
        directory.mkdir(parents=True, exist_ok=True)
        chunk = []
        for i in range(lines_per_file):
            text = TEXTS[i % len(TEXTS)].format(i=i)
            chunk.append(f"{stamp(start + f * lines_per_file + i)} stdout F {text}\n")
        data = "".join(chunk).encode()
        (directory / "0.log").write_bytes(data)
        total += len(data)
    return total


def config(root: Path, index: str = "bench") -> ShipperConfig:
    return ShipperConfig(root=str(root), node=NODE, state_dir=root / "state", index=index,
                         dead_letter_index=None, metadata_wait=0.0, poll_interval=0.05,
                         scan_interval=0.5, flush_interval=0.2)


async def run_until(shipper: Shipper, done, timeout: float = 600.0) -> float:
    stop = asyncio.Event()
    task = asyncio.create_task(shipper.run(stop))
    started = time.monotonic()
    while not done() and time.monotonic() - started < timeout:
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    stop.set()
    await task
    return elapsed


def pods_index(files: int) -> PodIndex:
    pods = PodIndex()
    for i in range(files):
        pods.upsert(pod(i))
    pods.synced = True
    return pods


def bench_null(lines: int, files: int = 10) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        size = write_logs(root, files, lines // files)
        output = NullOutput()
        shipper = Shipper(config(root), output, pods_index(files))
        cpu0 = time.process_time()
        wall = asyncio.run(run_until(shipper, lambda: output.records >= lines))
        cpu = time.process_time() - cpu0
        print(f"1. to a null output: {lines} lines ({size / 1e6:.1f} MB, {files} files) in "
              f"{wall:.2f} s wall, {cpu:.2f} s CPU -> {lines / cpu:,.0f} lines/s per core "
              f"[target >= 50,000]; bulk body {output.bytes / lines:.0f} bytes/line")
        cpu0 = time.process_time()
        count = bare_loop(root)
        cpu = time.process_time() - cpu0
        print(f"   peer, a bare loop (split CRI, dump {{time, stream, message}}): "
              f"{count / cpu:,.0f} lines/s per core")


def bare_loop(root: Path) -> int:
    count = 0
    for path in (root / "pods").glob("*/*/0.log"):
        with open(path, "rb") as f:
            for line in f:
                stamp_, stream, _tag, text = line.rstrip(b"\n").split(b" ", 3)
                orjson.dumps({"@timestamp": stamp_.decode(), "stream": stream.decode(),
                              "message": text.decode()})
                count += 1
    return count


def bench_opensearch(node: OpenSearchNode, lines: int, files: int = 10) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_logs(root, files, lines // files)
        shipper = Shipper(config(root, "bench-throughput"), opensearch_output([node.url]),
                          pods_index(files))
        stats = shipper.delivery.stats
        cpu0 = time.process_time()
        wall = asyncio.run(run_until(
            shipper, lambda: stats.records_delivered + stats.records_duplicate >= lines))
        cpu = time.process_time() - cpu0
        print(f"2. into OpenSearch: {lines} lines in {wall:.2f} s -> {lines / wall:,.0f} "
              f"lines/s wall ({lines / cpu:,.0f} per shipper CPU-second; the node shares "
              f"the cores)")


def bench_rss(files: int, lines_per_file: int = 100) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_logs(root, files, lines_per_file)
        port = free_port()
        import subprocess

        proc = subprocess.Popen(
            [sys.executable, "-m", "observe", "shipper", "--node-name", NODE, "--root-dir",
             str(root), "--output", "null", "--no-metadata", "--port", str(port),
             "--log-level", "WARNING"])
        try:
            want = files * lines_per_file
            deadline = time.monotonic() + 120
            lines_read = 0.0
            while time.monotonic() < deadline:
                time.sleep(0.5)
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
                        for row in r.read().decode().splitlines():
                            if row.startswith("observe_shipper_lines_read_total "):
                                lines_read = float(row.split()[1])
                except OSError:
                    continue
                if lines_read >= want:
                    break
            time.sleep(1.0)
            rss = psutil.Process(proc.pid).memory_info().rss
            print(f"3. RSS tailing {files} files ({int(lines_read)} lines read): "
                  f"{rss / 2**20:.0f} MiB [target <= 200 MB]")
        finally:
            proc.terminate()
            proc.wait(30)


def bench_delay(node: OpenSearchNode, seconds: float = 10.0, interval: float = 0.02) -> None:
    index = "bench-delay"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        directory = root / "pods" / "bench_app-0_uid-0" / "app"
        directory.mkdir(parents=True)
        log = directory / "0.log"
        written: list[float] = []
        seen: dict[int, float] = {}
        stop_writing = threading.Event()

        def writer() -> None:
            with open(log, "ab", buffering=0) as f:
                i = 0
                while not stop_writing.is_set():
                    written.append(time.monotonic())
                    f.write(f"{stamp(time.time_ns())} stdout F line {i}\n".encode())
                    i += 1
                    time.sleep(interval)

        def newest() -> int:
            body = orjson.dumps({"size": 1, "sort": [{"log.offset": "desc"}],
                                 "_source": ["message"]})
            req = urllib.request.Request(f"{node.url}/{index}/_search", data=body,
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    hits = orjson.loads(r.read())["hits"]["hits"]
            except OSError:
                return -1
            return int(hits[0]["_source"]["message"].split()[1]) if hits else -1

        shipper = Shipper(config(root, index), opensearch_output([node.url]),
                          pods_index(1))

        def poller() -> None:
            while not stop_writing.is_set() or len(seen) < len(written):
                top = newest()
                now = time.monotonic()
                for i in range(top + 1):
                    seen.setdefault(i, now)
                if stop_writing.is_set() and time.monotonic() > deadline:
                    break
                time.sleep(0.01)

        deadline = time.monotonic() + seconds + 30
        threads = [threading.Thread(target=writer), threading.Thread(target=poller)]
        for t in threads:
            t.start()

        async def main() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(shipper.run(stop))
            await asyncio.sleep(seconds)
            stop_writing.set()
            while threads[1].is_alive():
                await asyncio.sleep(0.1)
            stop.set()
            await task

        asyncio.run(main())
        for t in threads:
            t.join()
        delays = sorted(seen[i] - written[i] for i in seen if i < len(written))
        if not delays:
            print("4. write-to-searchable delay: nothing became searchable")
            return
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        print(f"4. write-to-searchable delay over {len(delays)} lines: "
              f"p50 {statistics.median(delays) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
              f"(index refresh interval 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--skip-opensearch", action="store_true")
    args = parser.parse_args()
    bench_null(args.lines)
    bench_rss(args.files)
    if args.skip_opensearch:
        return
    with tempfile.TemporaryDirectory() as tmp, OpenSearchNode(Path(tmp)) as node:
        bench_opensearch(node, args.lines // 2)
        bench_delay(node)


if __name__ == "__main__":
    main()

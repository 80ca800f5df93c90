"""Acceptance against a real OpenSearch node: each scenario writes a known set of numbered
lines and checks the index holds exactly that many distinct, correctly attributed
documents — no loss, no duplicates."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path

import pytest

from observe.kubelet.logs import LogWriter
from observe.logstore.opensearch import OpenSearchNode
from observe.logstore.outputs.opensearch import opensearch_output

from .harness import RunningShipper, fast_config
from .logfiles import append, container_dir, copytruncate, cri
from .store import ShipperProcess, count, documents, request, settle, wait_count

pytestmark = pytest.mark.slow


def new_index() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def numbers(docs) -> list[int]:
    return sorted(int(d["message"].split()[1]) for d in docs
                  if d["message"].startswith("line "))


def assert_exactly(url: str, index: str, n: int, pod: str = "web") -> list[dict]:
    total = settle(url, index)
    docs = documents(url, index)
    assert total == len(docs) == n, f"{total} documents (want {n})"
    assert numbers(docs) == list(range(n)), "missing or repeated line numbers"
    assert {d["kubernetes"]["pod"]["name"] for d in docs} == {pod}
    return docs


def shipper_for(root: Path, url: str, index: str, **config) -> RunningShipper:
    return RunningShipper(fast_config(root, index=index, **config),
                          output=opensearch_output([url]))


class PacedWriter(threading.Thread):
    """The kubelet's own log writer (size rotation, gzip, max files) fed in bursts."""

    def __init__(self, path: Path, n: int, burst: int, pause: float, max_size: int,
                 start_at: int = 0) -> None:
        super().__init__(daemon=True)
        self.writer = LogWriter(str(path), max_size=max_size, max_files=5)
        self.n, self.burst, self.pause, self.start_at = n, burst, pause, start_at
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for i in range(self.start_at, self.n):
                self.writer.feed("stdout", f"line {i} {'x' * 40}\n".encode())
                if i % self.burst == self.burst - 1:
                    time.sleep(self.pause)
            self.writer.close()
        except BaseException as e:  # surfaced by the test
            self.error = e


async def test_fast_rotation_during_a_burst(tmp_path, opensearch):
    index, n = new_index(), 20_000
    log = container_dir(tmp_path, "ns", "web", "uid-rot", "app") / "0.log"
    writer = PacedWriter(log, n, burst=500, pause=0.1, max_size=64 * 1024)
    async with shipper_for(tmp_path, opensearch.url, index):
        writer.start()
        while writer.is_alive():
            await asyncio.sleep(0.05)
        assert writer.error is None
        rotated = list(log.parent.iterdir())
        assert any(p.name.endswith(".gz") for p in rotated), "the writer never gzipped"
        await asyncio.to_thread(wait_count, opensearch.url, index, n, 60, "rotation burst")
    assert_exactly(opensearch.url, index, n)


def test_sigkill_mid_stream_and_restart(tmp_path, opensearch):
    index, n = new_index(), 30_000
    log = container_dir(tmp_path, "ns", "web", "uid-kill", "app") / "0.log"
    writer = PacedWriter(log, n, burst=1000, pause=0.05, max_size=1024 * 1024)
    shipper = ShipperProcess(tmp_path, opensearch.url, index).start()
    try:
        writer.start()
        wait_count(opensearch.url, index, n // 4, 60, "before the kill")
        shipper.kill()
        killed_at = count(opensearch.url, index)
        assert killed_at < n, "everything was shipped before the kill; the test proves nothing"
        writer.join()
        shipper.start()
        wait_count(opensearch.url, index, n, 90, f"after restart\n{shipper.log_tail()}")
    finally:
        shipper.stop()
    assert_exactly(opensearch.url, index, n)


async def test_store_down_then_back(tmp_path):
    node = OpenSearchNode(tmp_path / "os")
    node.start()
    index = new_index()
    log = container_dir(tmp_path, "ns", "web", "uid-down", "app") / "0.log"
    try:
        async with shipper_for(tmp_path, node.url, index) as run:
            append(log, *(cri(f"line {i}") for i in range(1000)))
            await asyncio.to_thread(wait_count, node.url, index, 1000, 60, "before outage")
            await asyncio.to_thread(node.stop)
            append(log, *(cri(f"line {i}") for i in range(1000, 2000)))
            log.rename(log.with_name("0.log.20240101-000000"))  # rotated during the outage
            append(log, *(cri(f"line {i}") for i in range(2000, 3000)))
            await run.until(lambda: not run.shipper.delivery.stats.output_up, 30,
                            "the outage noticed")
            await asyncio.sleep(3)  # the outage (short: the behaviour is the same)
            assert run.shipper.delivery.stats.retries > 0
            await asyncio.to_thread(node.start)
            await asyncio.to_thread(wait_count, node.url, index, 3000, 90, "after outage")
        assert_exactly(node.url, index, 3000)
    finally:
        node.stop()


async def test_copytruncate(tmp_path, opensearch):
    index = new_index()
    log = container_dir(tmp_path, "ns", "web", "uid-ct", "app") / "0.log"
    append(log, *(cri(f"line {i}") for i in range(500)))
    async with shipper_for(tmp_path, opensearch.url, index) as run:
        await asyncio.to_thread(wait_count, opensearch.url, index, 500, 60)
        run.shipper.delivery.max_inflight_bytes = 0  # lines written now stay unread ...
        append(log, *(cri(f"line {i}") for i in range(500, 700)))
        copytruncate(log, "1")  # ... until after the copy and the truncate
        run.shipper.delivery.max_inflight_bytes = 1 << 24
        append(log, *(cri(f"line {i}") for i in range(700, 1000)))
        await asyncio.to_thread(wait_count, opensearch.url, index, 1000, 60)
    assert_exactly(opensearch.url, index, 1000)


async def test_partial_line_across_a_restart(tmp_path, opensearch):
    index = new_index()
    log = container_dir(tmp_path, "ns", "web", "uid-p", "app") / "0.log"
    append(log, cri("line 0"), cri("line 1 begins ", tag="P"))
    async with shipper_for(tmp_path, opensearch.url, index):
        await asyncio.to_thread(wait_count, opensearch.url, index, 1, 60)
    append(log, cri("and ends", tag="F"), cri("line 2"))
    async with shipper_for(tmp_path, opensearch.url, index):
        await asyncio.to_thread(wait_count, opensearch.url, index, 3, 60)
    docs = assert_exactly(opensearch.url, index, 3)
    assert "line 1 begins and ends" in {d["message"] for d in docs}


async def test_malformed_binary_and_huge_lines(tmp_path, opensearch):
    index = new_index()
    log = container_dir(tmp_path, "ns", "web", "uid-m", "app") / "0.log"
    huge = "line 2 " + "y" * (1024 * 1024)
    append(log, cri("line 0"), b"line 1 is not in CRI format\n", cri(huge),
           cri(b"line 3 \xff\xfe\x00 raw bytes"), cri("line 4"))
    async with shipper_for(tmp_path, opensearch.url, index):
        await asyncio.to_thread(wait_count, opensearch.url, index, 5, 60)
    docs = {int(d["message"].split()[1]): d for d in assert_exactly(opensearch.url, index, 5)}
    assert "parse_error" in docs[1]["log"]["flags"]
    assert docs[2]["message"] == huge
    assert "binary" in docs[3]["log"]["flags"]
    assert docs[3]["message"] == "line 3 \\xff\\xfe\\x00 raw bytes"


def test_a_pod_deleted_right_after_writing_keeps_its_metadata(tmp_path, opensearch,
                                                              apiserver):
    index, n = new_index(), 200
    shipper = ShipperProcess(tmp_path, opensearch.url, index,
                             kubeconfig=apiserver.kubeconfig).start()
    name = f"short-{uuid.uuid4().hex[:6]}"
    try:
        pod = request(f"{apiserver.url}/api/v1/namespaces/default/pods", "POST", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": "cron", "tier": "batch"}},
            "spec": {"nodeName": "node-1",
                     "containers": [{"name": "job", "image": "busybox"}]}})
        uid = pod["metadata"]["uid"]
        log = container_dir(tmp_path, "default", name, uid, "job") / "0.log"
        append(log, *(cri(f"line {i}") for i in range(n)))
        request(f"{apiserver.url}/api/v1/namespaces/default/pods/{name}"
                "?gracePeriodSeconds=0", "DELETE")
        wait_count(opensearch.url, index, n, 60, shipper.log_tail())
    finally:
        shipper.stop()
    docs = assert_exactly(opensearch.url, index, n, pod=name)
    for doc in docs:
        assert doc["kubernetes"]["labels"] == {"app": "cron", "tier": "batch"}, doc
        assert doc["kubernetes"]["pod"]["uid"] == uid
        assert "metadata_missing" not in doc["log"].get("flags", [])


async def test_a_mapping_conflict_between_apps_is_stored_flagged_not_dropped(tmp_path,
                                                                           opensearch):
    index = new_index()
    one = container_dir(tmp_path, "ns", "web", "uid-a", "app") / "0.log"
    two = container_dir(tmp_path, "ns", "web", "uid-b", "app") / "0.log"
    append(one, cri('{"msg": "line 0", "status": 200}'))
    async with shipper_for(tmp_path, opensearch.url, index) as run:
        await asyncio.to_thread(wait_count, opensearch.url, index, 1, 60)
        append(two, cri('{"msg": "line 1", "status": {"code": "ok"}}'))
        await asyncio.to_thread(wait_count, opensearch.url, index, 2, 60)
        assert run.shipper.delivery.stats.records_dead_lettered == 0
    docs = {d["message"]: d for d in assert_exactly(opensearch.url, index, 2)}
    assert docs["line 0"]["status"] == 200
    assert "mapping_conflict" in docs["line 1"]["log"]["flags"]
    assert docs["line 1"]["json_text"] == '{"status":{"code":"ok"}}'


async def test_a_refused_record_goes_to_the_dead_letter_index_with_its_reason(tmp_path,
                                                                            opensearch):
    index = new_index()
    dead = f"{index}-dead"
    log = container_dir(tmp_path, "ns", "web", "uid-dl", "app") / "0.log"
    append(log, cri("line 0"))
    async with shipper_for(tmp_path, opensearch.url, index, dead_letter_index=dead) as run:
        await asyncio.to_thread(wait_count, opensearch.url, index, 1, 60)
        append(log, b"2024-99-99T99:99:99.000000000Z stdout F line 1 has a bad time\n",
               cri("line 2"))
        await asyncio.to_thread(wait_count, opensearch.url, dead, 1, 60)
        await asyncio.to_thread(wait_count, opensearch.url, index, 2, 60)
        assert run.shipper.delivery.stats.records_dead_lettered == 1
    [letter] = documents(opensearch.url, dead)
    assert letter["error"]["code"] == 400 and "parse" in letter["error"]["message"]
    assert "line 1 has a bad time" in letter["event"]["original"]
    assert letter["observe"]["index"] == index
    assert sorted(d["message"] for d in documents(opensearch.url, index)) == ["line 0",
                                                                           "line 2"]

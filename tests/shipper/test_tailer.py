"""Following files through rotation, compression, truncation and restarts: every line
shipped exactly once (by id) — the shipper end to end against the fake store."""

from __future__ import annotations

import os
import sqlite3

from observe.logstore.outputs.base import OutputUnavailable
from observe.shipper.metadata import PodIndex

from .harness import RunningShipper, fast_config
from .logfiles import append, container_dir, copytruncate, cri, gzip_file, rotate


def numbered(lo, hi, stream="stdout"):
    return [cri(f"line {i:05d}", stream) for i in range(lo, hi)]


def expect(lo, hi):
    return [f"line {i:05d}" for i in range(lo, hi)]


async def test_lines_become_documents_with_ids_from_fingerprint_and_offset(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, *numbered(0, 3))
    async with RunningShipper(fast_config(tmp_path)) as run:
        await run.until_count(3)
    ids = sorted(key[1] for key in run.documents)
    fingerprints = {i.rsplit("-", 1)[0] for i in ids}
    assert len(fingerprints) == 1
    offsets = sorted(int(i.rsplit("-", 1)[1], 16) for i in ids)
    assert offsets[0] == 0 and offsets[1] == len(cri("line 00000"))
    doc = next(iter(run.documents.values()))
    assert doc["kubernetes"]["namespace"] == "ns" and doc["kubernetes"]["pod"]["uid"] == "uid-1"
    assert doc["host"]["name"] == "node-1" and doc["stream"] == "stdout"


async def test_a_restart_resumes_from_the_checkpoint_without_resending(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, *numbered(0, 50))
    config = fast_config(tmp_path)
    async with RunningShipper(config) as first:
        await first.until_count(50)
    append(log, *numbered(50, 60))
    async with RunningShipper(config) as second:
        await second.until_count(10)
    assert second.messages() == expect(50, 60), "the restart sent old lines again"


async def test_rename_rotation_mid_stream_loses_nothing(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    async with RunningShipper(fast_config(tmp_path)) as run:
        for round_ in range(5):
            append(log, *numbered(round_ * 100, round_ * 100 + 100))
            rotate(log, f"2024010{round_}-000000")
        append(log, *numbered(500, 550))
        await run.until_count(550)
        await run.until(lambda: len(run.shipper.tailer.files) == 1, what="rotated closed")
    assert run.messages() == expect(0, 550)


async def test_a_rotated_file_gzipped_while_the_shipper_was_down_is_finished(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, *numbered(0, 20))
    config = fast_config(tmp_path)
    async with RunningShipper(config) as first:
        await first.until_count(20)
    append(log, *numbered(20, 40))  # written while the shipper is down ...
    gzip_file(rotate(log, "20240101-000000"))  # ... then rotated and compressed
    append(log, *numbered(40, 45))
    async with RunningShipper(config) as second:
        await second.until_count(25)
        await second.until(lambda: len(second.shipper.tailer.files) == 1, what="gz retired")
    assert second.messages() == expect(20, 45)
    assert second.shipper.delivery.stats.records_duplicate == 0


async def test_copytruncate_keeps_the_lines_written_before_the_copy(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, *numbered(0, 30))
    async with RunningShipper(fast_config(tmp_path)) as run:
        await run.until_count(30)
        run.shipper.delivery.max_inflight_bytes = 0  # hold reading: lines pile up unread
        append(log, *numbered(30, 40))
        copytruncate(log, "1")
        run.shipper.delivery.max_inflight_bytes = 1 << 20
        append(log, *numbered(40, 70))
        await run.until_count(70)
    assert run.messages() == expect(0, 70)


async def test_a_truncated_file_without_a_copy_starts_over(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, *numbered(0, 10))
    async with RunningShipper(fast_config(tmp_path)) as run:
        await run.until_count(10)
        with open(log, "r+b") as f:
            f.truncate(0)
        append(log, *numbered(10, 15))
        await run.until_count(15)
    assert run.messages() == expect(0, 15)


async def test_a_new_file_on_a_reused_inode_is_read_from_its_start(tmp_path):
    directory = container_dir(tmp_path, "ns", "web", "uid-1", "app")
    log = directory / "0.log"
    append(log, *numbered(0, 5))
    config = fast_config(tmp_path)
    async with RunningShipper(config) as first:
        await first.until_count(5)
    inode = os.stat(log).st_ino
    os.unlink(log)
    append(log, *numbered(5, 8))
    async with RunningShipper(config) as second:
        await second.until_count(3)
    assert second.messages() == expect(5, 8), f"inode {inode} -> {os.stat(log).st_ino}"


async def test_a_partial_line_across_a_restart_is_shipped_once_and_whole(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, cri("before"), cri("first half ", tag="P"))
    config = fast_config(tmp_path)
    async with RunningShipper(config) as first:
        await first.until_count(1)
    append(log, cri("second half"), cri("after"))
    async with RunningShipper(config) as second:
        await second.until_count(2)
    assert second.messages() == ["after", "first half second half"]


async def test_offsets_are_not_saved_before_the_output_acknowledged(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, *numbered(0, 10))
    config = fast_config(tmp_path)
    down = RunningShipper(config)
    down.transport.fail_next.extend(OutputUnavailable("down") for _ in range(1000))
    async with down:
        await down.until(lambda: down.transport.calls >= 2, what="failed sends")
    db = sqlite3.connect(tmp_path / "state" / "checkpoints.db")
    assert db.execute("SELECT MAX(offset) FROM files").fetchone()[0] in (None, 0)
    async with RunningShipper(config) as up:
        await up.until_count(10)
    assert up.messages() == expect(0, 10)


async def test_a_one_mebibyte_line_arrives_whole(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    big = "x" * (1024 * 1024)
    append(log, cri("small"), cri(big), cri("after"))
    async with RunningShipper(fast_config(tmp_path)) as run:
        await run.until_count(3)
    assert sorted(len(m) for m in run.messages()) == [5, 5, 1024 * 1024]


async def test_malformed_and_binary_lines_are_shipped_raw_and_flagged(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, cri("fine"), b"not a cri line at all\n", cri(b"\xff\xfe\x00binary"))
    async with RunningShipper(fast_config(tmp_path)) as run:
        await run.until_count(3)
    flags = {d["message"]: d["log"].get("flags", []) for d in run.documents.values()}
    assert "parse_error" not in flags["fine"] and "binary" not in flags["fine"]
    assert "parse_error" in flags["not a cri line at all"]
    assert "binary" in flags["\\xff\\xfe\\x00binary"]


def pod(uid, annotations=None):
    return {"metadata": {"name": "web", "namespace": "ns", "uid": uid,
                         "labels": {"app": "web", "app.kubernetes.io/name": "web"},
                         "annotations": annotations or {},
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-123",
                                              "controller": True}]},
            "spec": {"nodeName": "node-1", "containers": [{"name": "app",
                                                            "image": "busybox:1"}]},
            "status": {"podIP": "127.1.0.5", "containerStatuses": [
                {"name": "app", "containerID": "observe://abc123", "image": "busybox:1"}]}}


async def test_records_carry_pod_metadata_from_the_watch(tmp_path):
    pods = PodIndex()
    pods.upsert(pod("uid-1"))
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    append(log, cri("hello"))
    async with RunningShipper(fast_config(tmp_path), pods=pods) as run:
        await run.until_count(1)
    doc = next(iter(run.documents.values()))
    assert doc["kubernetes"]["labels"] == {"app": "web", "app_kubernetes_io/name": "web"}
    assert doc["kubernetes"]["owner"] == {"kind": "ReplicaSet", "name": "web-123"}
    assert doc["kubernetes"]["pod"]["ip"] == "127.1.0.5"
    assert doc["container"] == {"name": "app", "id": "abc123", "runtime": "observe",
                                "image": {"name": "busybox:1"}}
    assert "flags" not in doc["log"]


async def test_excluded_pods_ship_nothing_but_their_offsets_move(tmp_path):
    pods = PodIndex()
    pods.upsert(pod("uid-1", {"observe.io/exclude": "true"}))
    pods.upsert({**pod("uid-2"), "metadata": {**pod("uid-2")["metadata"], "name": "other"}})
    append(container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log", cri("secret"))
    append(container_dir(tmp_path, "ns", "other", "uid-2", "app") / "0.log", cri("public"))
    async with RunningShipper(fast_config(tmp_path), pods=pods) as run:
        await run.until_count(1)
        await run.until(lambda: run.shipper.records_excluded == 1, what="exclusion")
    assert run.messages() == ["public"]
    db = sqlite3.connect(tmp_path / "state" / "checkpoints.db")
    assert all(offset > 0 for (offset,) in db.execute("SELECT offset FROM files"))


async def test_the_parser_annotation_applies_per_container(tmp_path):
    pods = PodIndex()
    pods.upsert(pod("uid-1", {"observe.io/parser-app": "none"}))
    append(container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log",
           cri('{"msg": "kept raw"}'))
    async with RunningShipper(fast_config(tmp_path), pods=pods) as run:
        await run.until_count(1)
    assert run.messages() == ['{"msg": "kept raw"}']


async def test_stack_traces_become_one_record_with_level_error(tmp_path):
    log = container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log"
    trace = ["Traceback (most recent call last):", '  File "a.py", line 1, in <module>',
             "KeyError: 'x'"]
    append(log, *(cri(t, "stderr") for t in trace), cri("next", "stderr"))
    async with RunningShipper(fast_config(tmp_path)) as run:
        await run.until_count(2)
    by_message = {d["message"]: d for d in run.documents.values()}
    assert by_message["\n".join(trace)]["log"]["level"] == "error"

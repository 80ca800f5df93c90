"""Every saved search in dashboards/kibana finds documents in the real indices, after the
real shipper and events exporter wrote logs and events that should match it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from observe.eventsexporter.exporter import EventsExporter
from observe.logstore.deadletter import FileDeadLetters
from observe.logstore.delivery import Delivery
from observe.logstore.outputs.opensearch import opensearch_output
from observe.logstore.savedobjects import load, saved_searches
from observe.logstore.templates import StoreAdmin, TemplatedOutput
from tests.shipper.harness import RunningShipper, fast_config
from tests.shipper.logfiles import append, container_dir, cri
from tests.shipper.store import request

SAVED = Path(__file__).resolve().parents[2] / "dashboards" / "kibana"
EXPORTS = sorted(SAVED.glob("*.ndjson"))


def all_objects():
    return [o for path in EXPORTS for o in load(path)]


def test_exports_are_complete():
    objects = all_objects()
    types = [o["type"] for o in objects]
    assert types.count("index-pattern") == 2 and "dashboard" in types
    ids = {o["id"] for o in objects}
    for obj in objects:
        for ref in obj.get("references") or []:
            assert ref["id"] in ids, f"{obj['id']} refers to missing {ref['id']}"
    titles = {s.title for s in saved_searches(objects)}
    assert {"Errors by namespace", "One pod's logs", "OOM and crash events"} <= titles


def event(uid, reason, type_, message, count=1):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"metadata": {"name": f"web-1.{uid}", "namespace": "shop", "uid": uid},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
            "reason": reason, "type": type_, "message": message, "count": count,
            "firstTimestamp": now, "lastTimestamp": now,
            "source": {"component": "kubelet", "host": "node-1"}}


async def ship(url: str, root: Path) -> None:
    logs = container_dir(root, "shop", "web-1", "uid-web-1", "app")
    append(logs / "0.log", cri("starting"), cri('{"level":"error","msg":"payment failed"}'),
           cri("ERROR cannot reach db"), cri("\x00\x01 binary"),
           cri("x" * 50, tag="P"), cri("tail"))
    shipper = RunningShipper(fast_config(root, index="observe-logs-%Y.%m.%d"),
                             output=TemplatedOutput(opensearch_output([url]), StoreAdmin(url)))
    async with shipper:
        await shipper.until(lambda: shipper.shipper.delivery.stats.records_delivered >= 5,
                            timeout=60, what="logs delivered")
    output = TemplatedOutput(opensearch_output([url]), StoreAdmin(url))
    exporter = EventsExporter(Delivery(output, FileDeadLetters(root / "dl"), lambda r: None,
                                       flush_interval=0.05), poll_interval=0.02)
    stop = asyncio.Event()
    running = asyncio.create_task(exporter.run(stop))
    exporter.on_add(event("e1", "OOMKilling", "Warning", "Memory cgroup out of memory"))
    exporter.on_add(event("e2", "BackOff", "Warning",
                          "Back-off restarting failed container", count=4))
    exporter.on_add(event("e3", "Scheduled", "Normal", "Successfully assigned"))
    deadline = time.monotonic() + 60
    while exporter.delivery.stats.records_delivered < 3:
        assert time.monotonic() < deadline, "events not delivered"
        await asyncio.sleep(0.05)
    stop.set()
    await running
    await output.close()


@pytest.mark.slow
async def test_every_saved_search_returns_hits(opensearch, tmp_path):
    await ship(opensearch.url, tmp_path)
    request(f"{opensearch.url}/observe-*/_refresh", "POST")
    searches = saved_searches(all_objects())
    assert searches
    for search in searches:
        found = request(f"{opensearch.url}/{search.index}/_search", "POST", search.body())
        hits = found["hits"]["hits"]
        assert hits, f"saved search {search.title!r} ({search.query}) found nothing"
    by_id = {s.id: s for s in searches}
    oom = request(f"{opensearch.url}/observe-events-*/_search", "POST",
                  by_id["observe-oom-crash-events"].body())
    reasons = {h["_source"]["kubernetes"]["event"]["reason"] for h in oom["hits"]["hits"]}
    assert reasons == {"OOMKilling", "BackOff"}, "Normal events are not crashes"
    errors = request(f"{opensearch.url}/observe-logs-*/_search", "POST",
                     by_id["observe-errors-by-namespace"].body(size=50))
    messages = {h["_source"]["message"] for h in errors["hits"]["hits"]}
    assert {"payment failed", "ERROR cannot reach db"} <= messages
    assert "starting" not in messages

"""The log pipeline on a real ``observe up --nodes 1``: a pod's numbered lines reach
``observe-logs-*`` with the pod's metadata, its events reach ``observe-events-*``, every
saved search in dashboards/kibana finds documents, and ``observe status`` lists the
shipper, the events exporter and OpenSearch healthy."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from observe.api.registry import default_registry
from observe.client.config import load_kubeconfig
from observe.client.sync import SyncClient
from observe.logstore.install import why_unavailable
from observe.logstore.savedobjects import load, saved_searches
from tests.shipper.store import request

pytestmark = pytest.mark.slow

SAVED = Path(__file__).resolve().parents[2] / "dashboards" / "kibana"
LINES = 30
PODS = default_registry().get("", "pods")


def observe(*args: str, timeout: float = 240.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observe", *args], capture_output=True,
                          text=True, timeout=timeout)


def poll(what: str, check: Callable[[], Any], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def search(url: str, index: str, body: dict) -> list[dict]:
    try:
        request(f"{url}/{index}/_refresh", "POST")
        return request(f"{url}/{index}/_search", "POST", body)["hits"]["hits"]
    except (urllib.error.URLError, OSError):
        return []


def pod(name: str, script: str, annotations: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": name, "app.kubernetes.io/part-of":
                                                  "shop"},
                         "annotations": annotations or {}},
            "spec": {"restartPolicy": "Always", "containers": [
                {"name": "main", "image": "busybox", "command": ["sh", "-c", script]}]}}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    reason = why_unavailable()
    if reason:
        pytest.skip(f"no OpenSearch here: {reason}")
    data_dir = tmp_path_factory.mktemp("logs") / "cluster"
    up = observe("up", "--nodes", "1", "--data-dir", str(data_dir))
    assert up.returncode == 0, f"observe up failed:\n{up.stdout}\n{up.stderr}"
    try:
        yield data_dir
    finally:
        observe("down", "--data-dir", str(data_dir))


def test_logs_and_events_are_searchable(cluster: Path) -> None:
    def report() -> dict:
        done = observe("status", "-o", "json", "--data-dir", str(cluster), timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["components"]

    names = ("shipper-node-1", "events-exporter", "opensearch")
    components = poll("the log pipeline to be healthy", lambda: (
        (c := report()) and all(c.get(n, {}).get("healthy") for n in names) and c), 180)
    url = components["opensearch"]["url"]

    with SyncClient(load_kubeconfig(str(cluster / "kubeconfig")), timeout=10.0) as api:
        numbered = "; ".join(f"echo line {i}" for i in range(LINES))
        api.create(PODS, pod("numbered", f"{numbered}; echo ERROR lost the db; sleep 3600"),
                   namespace="default")
        api.create(PODS, pod("crasher", "echo not json; exit 1",
                             {"observe.io/parser": "json"}), namespace="default")

    def numbered_lines() -> list[dict]:
        hits = search(url, "observe-logs-*", {
            "size": 200, "query": {"bool": {"filter": [
                {"term": {"kubernetes.pod.name": "numbered"}},
                {"match_phrase_prefix": {"message": "line"}}]}}})
        return [h["_source"] for h in hits] if len(hits) >= LINES else []

    docs = poll("the numbered lines in observe-logs-*", numbered_lines, 120)
    assert sorted(int(d["message"].split()[1]) for d in docs) == list(range(LINES))
    first = docs[0]
    assert first["kubernetes"]["namespace"] == "default"
    assert first["kubernetes"]["node"]["name"] == "node-1"
    assert first["kubernetes"]["container"]["name"] == "main"
    assert first["kubernetes"]["labels"] == {"app": "numbered",
                                             "app_kubernetes_io/part-of": "shop"}
    assert first["kubernetes"]["pod"]["uid"]

    events = poll("an event of the pod in observe-events-*", lambda: search(
        url, "observe-events-*",
        {"query": {"term": {"kubernetes.involved_object.name": "numbered"}}}), 60)
    event = events[0]["_source"]["kubernetes"]
    assert event["involved_object"]["kind"] == "Pod"
    assert event["event"]["reason"] and event["event"]["count"] >= 1
    assert event["event"]["first_timestamp"] and event["event"]["last_timestamp"]

    searches = saved_searches(o for path in sorted(SAVED.glob("*.ndjson")) for o in load(path))
    for saved in searches:
        poll(f"saved search {saved.title!r} to find documents",
             lambda saved=saved: search(url, saved.index, saved.body()), 120)

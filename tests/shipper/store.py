"""Reading what reached the real OpenSearch node, and a shipper as a child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from observe.logstore.opensearch import free_port
from observe.testing import wait_http_ok


def request(url: str, method: str = "GET", body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read())


def count(url: str, index: str) -> int:
    try:
        request(f"{url}/{index}/_refresh", "POST")
        return request(f"{url}/{index}/_count")["count"]
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return 0
        raise
    except (urllib.error.URLError, OSError):
        return -1


def documents(url: str, index: str) -> list[dict[str, Any]]:
    request(f"{url}/{index}/_refresh", "POST")
    found: list[dict[str, Any]] = []
    body = {"size": 5000, "sort": ["_doc"], "query": {"match_all": {}}}
    page = request(f"{url}/{index}/_search?scroll=1m", "POST", body)
    while page["hits"]["hits"]:
        found.extend({"_id": h["_id"], **h["_source"]} for h in page["hits"]["hits"])
        page = request(f"{url}/_search/scroll", "POST",
                       {"scroll": "1m", "scroll_id": page["_scroll_id"]})
    return found


def wait_count(url: str, index: str, n: int, timeout: float = 60.0,
               what: str = "") -> int:
    deadline = time.monotonic() + timeout
    have = count(url, index)
    while have < n and time.monotonic() < deadline:
        time.sleep(0.25)
        have = count(url, index)
    assert have >= n, f"{what}: {have} documents in {index} after {timeout}s, want {n}"
    return have


def settle(url: str, index: str, quiet: float = 1.5) -> int:
    """The count once it stopped changing for ``quiet`` seconds (nothing more arrives)."""
    last = count(url, index)
    stable_since = time.monotonic()
    while time.monotonic() - stable_since < quiet:
        time.sleep(0.25)
        now = count(url, index)
        if now != last:
            last, stable_since = now, time.monotonic()
    return last


class ShipperProcess:
    """``python -m observe shipper`` against a store, for crash tests."""

    def __init__(self, root: Path, url: str, index: str, *, kubeconfig: Path | None = None,
                 extra: tuple[str, ...] = ()) -> None:
        self.root = root
        self.url = url
        self.index = index
        self.kubeconfig = kubeconfig
        self.extra = extra
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = root / "shipper.log"

    def start(self) -> ShipperProcess:
        metadata = (["--kubeconfig", str(self.kubeconfig)] if self.kubeconfig
                    else ["--no-metadata"])
        command = [sys.executable, "-m", "observe", "shipper", "--node-name", "node-1",
                   "--root-dir", str(self.root), "--output", "opensearch", "--url", self.url,
                   "--index", self.index, "--port", str(self.port), "--scan-interval", "0.1",
                   "--poll-interval", "0.05", *metadata, *self.extra]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        # Ready means the pod watch has synced: pods created from now on are seen.
        wait_http_ok(f"http://127.0.0.1:{self.port}/readyz", 30, self.proc)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

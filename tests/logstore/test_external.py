"""The ``elasticsearch`` component of ``observe up --es-url``: ready exactly while the
external store answers yellow or green."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from observe.logstore.opensearch import free_port

pytestmark = pytest.mark.slow


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return 0


@pytest.mark.parametrize(("store", "want_ready"), [("up", 200), ("down", 503)])
def test_readyz_follows_the_store(opensearch, store, want_ready):
    es_url = opensearch.url if store == "up" else f"http://127.0.0.1:{free_port()}"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "observe.logstore.external",
                             "--es-url", es_url, "--port", str(port)])
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while status_of(f"{base}/healthz") != 200:
            assert time.monotonic() < deadline, "the watcher never served /healthz"
            time.sleep(0.1)
        deadline = time.monotonic() + 15
        while status_of(f"{base}/readyz") != want_ready:
            assert time.monotonic() < deadline, f"/readyz never answered {want_ready}"
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0

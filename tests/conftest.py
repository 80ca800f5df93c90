"""Fixtures shared by the whole suite: real apiserver processes and one OpenSearch node."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from observe.logstore.opensearch import OpenSearchNode
from observe.testing import ApiServerProcess


@pytest.fixture(scope="session")
def apiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServerProcess]:
    """One real apiserver shared by the session; tests isolate themselves by namespace
    (see the ``namespace`` fixture) or by unique names."""
    server = ApiServerProcess(tmp_path_factory.mktemp("apiserver"),
                              extra_args=("--bookmark-interval", "1"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh_apiserver(tmp_path) -> Iterator[ApiServerProcess]:
    """An apiserver of the test's own, for tests that restart or kill it."""
    server = ApiServerProcess(tmp_path / "apiserver")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def namespace(apiserver: ApiServerProcess) -> Iterator[str]:
    """A namespace of the test's own on the shared apiserver."""
    import json
    import urllib.request

    name = f"t-{uuid.uuid4().hex[:10]}"
    body = json.dumps({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": name}}).encode()
    request = urllib.request.Request(f"{apiserver.url}/api/v1/namespaces", data=body,
                                     headers={"Content-Type": "application/json"},
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    yield name


@pytest.fixture(scope="session")
def opensearch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    """A real OpenSearch node (installed by .ci/setup); tests isolate themselves by index."""
    node = OpenSearchNode(tmp_path_factory.mktemp("opensearch"))
    node.start()
    yield node
    node.stop()

"""Fixtures for the shipper tests: one real OpenSearch node for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from observe.logstore.opensearch import OpenSearchNode


@pytest.fixture(scope="session")
def opensearch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    """A real OpenSearch node (installed by .ci/setup); tests isolate themselves by index."""
    node = OpenSearchNode(tmp_path_factory.mktemp("opensearch"))
    node.start()
    yield node
    node.stop()

from __future__ import annotations

import pytest

from tests.exporters.node.nodefs import FakeNode


@pytest.fixture
def node(tmp_path) -> FakeNode:
    return FakeNode(tmp_path)

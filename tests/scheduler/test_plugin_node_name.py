"""NodeName: spec.nodeName pins the node."""

from __future__ import annotations

import pytest

from observe.scheduler.plugins.node_name import NodeName
from tests.scheduler.builders import node_info, pod_info, reasons, run_filter


@pytest.mark.parametrize(("name", "wanted_node", "node_name", "want"), [
    ("no node named", "", "n1", ()),
    ("the named node", "n1", "n1", ()),
    ("another node", "n2", "n1", ("node(s) didn't match the requested node name",)),
])
def test_filter(name: str, wanted_node: str, node_name: str, want: tuple[str, ...]) -> None:
    p = pod_info(node_name=wanted_node)
    assert reasons(run_filter(NodeName(), p, node_info(node_name))) == want, name

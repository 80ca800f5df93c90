"""NodeUnschedulable: cordoned nodes take only pods that tolerate the unschedulable taint."""

from __future__ import annotations

import pytest

from observe.api.podinfo import PodInfo
from observe.scheduler.framework import Code
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.plugins.node_unschedulable import NodeUnschedulable
from tests.scheduler.builders import node, node_info, pod, pod_info, reasons, run_filter

TOLERATES = [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
              "effect": "NoSchedule"}]


@pytest.mark.parametrize(("name", "p", "n", "want"), [
    ("schedulable node", pod_info(), node_info(), ()),
    ("cordoned node", pod_info(), node_info(unschedulable=True),
     ("node(s) were unschedulable",)),
    ("cordoned node, tolerated", pod_info(tolerations=TOLERATES),
     node_info(unschedulable=True), ()),
    ("wildcard toleration", pod_info(tolerations=[{"operator": "Exists"}]),
     node_info(unschedulable=True), ()),
])
def test_filter(name: str, p: PodInfo, n: NodeInfo, want: tuple[str, ...]) -> None:
    status = run_filter(NodeUnschedulable(), p, n)
    assert reasons(status) == want, name
    if status is not None:
        assert status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE


def test_hint_waits_for_uncordon() -> None:
    [(_, hint)] = NodeUnschedulable().events_to_register()
    assert hint is not None
    p = pod_info()
    assert not hint(p, None, NodeInfo(node(unschedulable=True)))
    assert hint(p, None, NodeInfo(node()))
    assert hint(PodInfo(pod(tolerations=TOLERATES)), None, NodeInfo(node(unschedulable=True)))

"""Per-node aggregates and host port conflicts."""

from __future__ import annotations

from collections import Counter

import pytest

from observe.api.podinfo import DEFAULT_MEMORY_REQUEST, HostPort
from observe.scheduler.nodeinfo import NodeInfo, ports_conflict
from tests.scheduler.builders import node, node_info, pod_info


def test_aggregates_follow_pods_in_and_out() -> None:
    a = pod_info("a", cpu="500m", memory="1Gi")
    b = pod_info("b")  # no requests: counts only towards the non-zero totals
    info = node_info("n1", with_pods=[a, b])
    assert (info.req_cpu, info.req_memory) == (500, 1024**3)
    assert (info.nonzero_cpu, info.nonzero_memory) == (600, 1024**3 + DEFAULT_MEMORY_REQUEST)
    assert len(info.pods) == 2
    info.remove_pod(a.uid)
    assert (info.req_cpu, info.req_memory, len(info.pods)) == (0, 0, 1)
    assert info.remove_pod("unknown") is None


def test_node_parsing() -> None:
    info = NodeInfo(node("n1", cpu="1500m", memory="2Gi", pods="30", unschedulable=True,
                         taints=[{"key": "a", "effect": "NoSchedule"},
                                 {"key": "b", "value": "x", "effect": "PreferNoSchedule"}],
                         **{"example.com/gpu": "4"}))
    assert (info.alloc_cpu, info.alloc_memory, info.alloc_pods) == (1500, 2 * 1024**3, 30)
    assert info.alloc_scalars == {"example.com/gpu": 4}
    assert info.unschedulable
    assert [t.key for t in info.no_schedule_taints] == ["a"]
    assert [t.key for t in info.prefer_no_schedule_taints] == ["b"]


def test_used_ports_and_clone_are_independent() -> None:
    web = pod_info("web", containers=[{"name": "c", "image": "x",
                                       "ports": [{"containerPort": 80, "hostPort": 8080}]}])
    info = node_info("n1", with_pods=[web])
    copy = info.clone()
    copy.remove_pod(web.uid)
    assert HostPort("0.0.0.0", "TCP", 8080) in info.used_ports
    assert not copy.used_ports and len(info.pods) == 1


@pytest.mark.parametrize(("used", "wanted", "conflict"), [
    ([("0.0.0.0", "TCP", 80)], ("0.0.0.0", "TCP", 80), True),
    ([("0.0.0.0", "TCP", 80)], ("10.0.0.1", "TCP", 80), True),
    ([("10.0.0.1", "TCP", 80)], ("0.0.0.0", "TCP", 80), True),
    ([("10.0.0.1", "TCP", 80)], ("10.0.0.2", "TCP", 80), False),
    ([("0.0.0.0", "TCP", 80)], ("0.0.0.0", "UDP", 80), False),
    ([("0.0.0.0", "TCP", 80)], ("0.0.0.0", "TCP", 81), False),
    ([], ("0.0.0.0", "TCP", 80), False),
])
def test_ports_conflict(used: list[tuple], wanted: tuple, conflict: bool) -> None:
    assert ports_conflict(Counter(HostPort(*u) for u in used), HostPort(*wanted)) is conflict

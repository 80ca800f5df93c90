"""NodeResourcesFit: requests against what the node has left; LeastAllocated scoring."""

from __future__ import annotations

import pytest

from observe.api.podinfo import PodInfo
from observe.scheduler.framework import Code, CycleState
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.plugins.node_resources_fit import NodeResourcesFit
from tests.scheduler.builders import node_info, pod_info, reasons, run_filter

GPU = "example.com/gpu"


@pytest.mark.parametrize(("name", "p", "n", "want"), [
    ("fits", pod_info(cpu="1", memory="1Gi"), node_info(cpu="2", memory="2Gi"), ()),
    ("exactly fits", pod_info(cpu="2", memory="2Gi"), node_info(cpu="2", memory="2Gi"), ()),
    ("cpu short", pod_info(cpu="3"), node_info(cpu="2"), ("Insufficient cpu",)),
    ("cpu short after other pods", pod_info(cpu="1"),
     node_info(cpu="2", with_pods=[pod_info("a", cpu="1500m")]), ("Insufficient cpu",)),
    ("both short, all reasons kept", pod_info(cpu="3", memory="3Gi"),
     node_info(cpu="2", memory="2Gi"), ("Insufficient cpu", "Insufficient memory")),
    ("pod count", pod_info(), node_info(pods="1", with_pods=[pod_info("a")]),
     ("Too many pods",)),
    ("pod count first, then resources", pod_info(cpu="3"),
     node_info(cpu="2", pods="1", with_pods=[pod_info("a")]),
     ("Too many pods", "Insufficient cpu")),
    ("no requests fit an overcommitted node", pod_info(),
     node_info(cpu="1", with_pods=[pod_info("a", cpu="2")]), ()),
    ("init container peak counts", pod_info(initContainers=[
        {"name": "i", "image": "x", "resources": {"requests": {"cpu": "3"}}}]),
     node_info(cpu="2"), ("Insufficient cpu",)),
    ("overhead counts", pod_info(cpu="1500m", overhead={"cpu": "600m"}), node_info(cpu="2"),
     ("Insufficient cpu",)),
    ("ephemeral storage", pod_info(containers=[{"name": "c", "image": "x", "resources": {
        "requests": {"ephemeral-storage": "2Gi"}}}]),
     node_info(**{"ephemeral-storage": "1Gi"}), ("Insufficient ephemeral-storage",)),
    ("extended resource missing on node", pod_info(containers=[{"name": "c", "image": "x",
                                                                "resources": {"requests": {
                                                                    GPU: "1"}}}]),
     node_info(), (f"Insufficient {GPU}",)),
    ("extended resource present", pod_info(containers=[{"name": "c", "image": "x",
                                                        "resources": {"requests": {GPU: "1"}}}]),
     node_info(**{GPU: "2"}), ()),
])
def test_filter(name: str, p: PodInfo, n: NodeInfo, want: tuple[str, ...]) -> None:
    status = run_filter(NodeResourcesFit(), p, n)
    assert reasons(status) == want, name
    if status is not None:
        # Unschedulable, not unresolvable: preemption may still help.
        assert status.code == Code.UNSCHEDULABLE


def test_ignored_extended_resources() -> None:
    plugin = NodeResourcesFit({"ignoredResourceGroups": ["example.com"]})
    p = pod_info(containers=[{"name": "c", "image": "x",
                              "resources": {"requests": {GPU: "1"}}}])
    assert run_filter(plugin, p, node_info()) is None


# Upstream's least_allocated_test "nothing scheduled, resources requested, differently sized
# nodes": ((4000-3000)/4000*100 + (10000-5000)/10000*100) / 2 = 37, and 50 on the bigger one.
@pytest.mark.parametrize(("strategy", "want"), [("LeastAllocated", [37, 50]),
                                                ("MostAllocated", [62, 50])])
def test_scoring_strategies(strategy: str, want: list[int]) -> None:
    plugin = NodeResourcesFit({"scoringStrategy": {"type": strategy}})
    p = pod_info(cpu="3", memory="5000")
    nodes = [node_info("n1", cpu="4", memory="10000"), node_info("n2", cpu="6", memory="10000")]
    assert [plugin.score(CycleState(), p, n) for n in nodes] == want


def test_least_allocated_counts_pods_without_requests_as_100m_200mi() -> None:
    plugin = NodeResourcesFit()
    empty_pod = pod_info()
    n = node_info(cpu="1", memory="2000Mi")
    # cpu: (1000-100)/1000 -> 90; memory: (2000Mi-200Mi)/2000Mi -> 90.
    assert plugin.score(CycleState(), empty_pod, n) == 90
    busy = node_info(cpu="1", memory="2000Mi", with_pods=[pod_info("a")])
    assert plugin.score(CycleState(), empty_pod, busy) == 80


def test_weighted_resources_and_overcommit() -> None:
    plugin = NodeResourcesFit({"scoringStrategy": {"type": "LeastAllocated", "resources": [
        {"name": "cpu", "weight": 3}, {"name": "memory", "weight": 1}]}})
    p = pod_info(cpu="1", memory="1000")
    n = node_info(cpu="2", memory="500")  # memory over capacity scores 0
    assert plugin.score(CycleState(), p, n) == (50 * 3 + 0 * 1) // 4


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        NodeResourcesFit({"scoringStrategy": {"type": "Sideways"}})


def test_hint_requeues_only_for_a_node_that_could_fit() -> None:
    [_, (_, node_hint)] = NodeResourcesFit().events_to_register()
    p = pod_info(cpu="3")
    assert node_hint is not None
    assert not node_hint(p, None, node_info(cpu="2"))
    assert node_hint(p, None, node_info(cpu="4"))
    assert not node_hint(p, node_info(cpu="4"), node_info(cpu="4", labels={"a": "b"}))
    assert node_hint(p, node_info(cpu="3500m"), node_info(cpu="4"))

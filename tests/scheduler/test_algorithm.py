"""One scheduling attempt over a hand-built cache with the default plugins."""

from __future__ import annotations

import collections
import itertools

import pytest

from observe.api.podinfo import PodInfo
from observe.scheduler.algorithm import (
    NO_NODES_AVAILABLE,
    Algorithm,
    ScheduleResult,
    num_feasible_nodes_to_find,
    select_host,
)
from observe.scheduler.cache import Cache
from observe.scheduler.framework import CycleState, FitError, Status
from tests.scheduler.builders import cluster, framework, node, node_info, pod


@pytest.mark.parametrize(("percentage", "nodes", "want"), [
    (0, 50, 50),  # small clusters: every node
    (0, 100, 100),
    (0, 200, 100),  # 49% would be 98: at least 100
    (0, 1000, 420),  # 50 - 1000/125 = 42%
    (0, 5000, 500),  # 10%
    (0, 6000, 300),  # 50 - 48 = 2% -> the 5% floor
    (10, 1000, 100),
    (30, 1000, 300),
])
def test_num_feasible_nodes_to_find(percentage: int, nodes: int, want: int) -> None:
    assert num_feasible_nodes_to_find(percentage, nodes) == want


def test_select_host_picks_the_best_and_breaks_ties_evenly() -> None:
    nodes = [node_info(f"n{i}") for i in range(4)]
    assert select_host(nodes, [1, 9, 3, 2]).name == "n1"
    draws = itertools.count()
    picks = collections.Counter(
        select_host(nodes, [5, 1, 5, 5], lambda n: next(draws) % n).name for _ in range(30))
    assert set(picks) == {"n0", "n2", "n3"} and min(picks.values()) == 10


def schedule(cache: Cache, p: dict, algorithm: Algorithm | None = None):
    algorithm = algorithm or Algorithm(framework(cache), cache)
    return algorithm.schedule_pod(CycleState(), PodInfo(p))


def test_the_emptier_node_wins() -> None:
    cache = cluster(node("busy", cpu="4"), node("idle", cpu="4"),
                    pods=[pod("x", cpu="3", node_name="busy")])
    result = schedule(cache, pod("new", cpu="500m"))
    assert isinstance(result, ScheduleResult)
    assert (result.suggested_host, result.feasible_nodes) == ("idle", 2)


def test_assumed_pods_spread_later_ones() -> None:
    cache = cluster(node("a"), node("b"), node("c"))
    algorithm = Algorithm(framework(cache), cache)
    for i in range(6):
        p = PodInfo(pod(f"p{i}", cpu="500m", memory="256Mi"))
        result = algorithm.schedule_pod(CycleState(), p)
        cache.assume_pod(p, result.suggested_host)
    assert sorted(len(cache.node(n).pods) for n in "abc") == [2, 2, 2]


def test_filtering_stops_at_enough_feasible_nodes_and_moves_on() -> None:
    cache = cluster(*(node(f"n{i:03d}") for i in range(200)))
    algorithm = Algorithm(framework(cache), cache)
    first = schedule(cache, pod("p1"), algorithm)
    assert (first.evaluated_nodes, first.feasible_nodes) == (100, 100)
    assert algorithm.next_start_node_index == 100
    schedule(cache, pod("p2"), algorithm)
    assert algorithm.next_start_node_index == 0


def test_no_nodes() -> None:
    result = schedule(Cache(), pod("p"))
    assert isinstance(result, Status) and result.message == NO_NODES_AVAILABLE


def test_the_unschedulable_message() -> None:
    cache = cluster(node("n1", cpu="1"), node("n2", cpu="1", unschedulable=True),
                    node("n3", cpu="8", taints=[{"key": "gpu", "value": "true",
                                                 "effect": "NoSchedule"}]))
    result = schedule(cache, pod("big", cpu="2"))
    assert isinstance(result, FitError)
    assert result.message == ("0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had "
                              "untolerated taint {gpu: true}, 1 node(s) were unschedulable.")
    assert result.diagnosis.unschedulable_plugins == {
        "NodeResourcesFit", "NodeUnschedulable", "TaintToleration"}


def test_a_pod_pinned_to_one_node_reports_the_others_once() -> None:
    cache = cluster(node("n1", cpu="1"), node("n2"), node("n3"))
    daemon = pod("ds", cpu="2", affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}})
    result = schedule(cache, daemon)
    assert isinstance(result, FitError)
    assert result.message == ("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't "
                              "satisfy plugin(s) [NodeAffinity].")


def test_a_nominated_node_is_tried_first() -> None:
    cache = cluster(*(node(f"n{i}") for i in range(5)))
    p = pod("p")
    p["status"]["nominatedNodeName"] = "n3"
    result = schedule(cache, p)
    assert (result.suggested_host, result.evaluated_nodes) == ("n3", 1)

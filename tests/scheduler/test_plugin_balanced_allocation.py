"""NodeResourcesBalancedAllocation: 1 - std(cpu fraction, memory fraction)."""

from __future__ import annotations

import pytest

from observe.scheduler.framework import CycleState
from observe.scheduler.plugins.balanced_allocation import (
    BalancedAllocation,
    balanced_resource_score,
)
from tests.scheduler.builders import node_info, pod_info


# Upstream's balanced_resource_allocation_test, "nothing scheduled, resources requested,
# differently sized nodes": fractions 0.75/0.5 -> 87, 0.5/0.5 -> 100.
def test_scores_like_upstream() -> None:
    plugin = BalancedAllocation()
    p = pod_info(cpu="3", memory="5000")
    nodes = [node_info("n1", cpu="4", memory="10000"), node_info("n2", cpu="6", memory="10000")]
    state = CycleState()
    plugin.pre_score(state, p, nodes)
    assert plugin.score_all(state, p, nodes) == [87, 100]
    assert [plugin.score(state, p, n) for n in nodes] == [87, 100]


def test_counts_actual_requests_of_placed_pods() -> None:
    plugin = BalancedAllocation()
    placed = pod_info("a", cpu="2")  # memory unrequested counts as 0, not 200Mi
    n = node_info(cpu="4", memory="10000", with_pods=[placed])
    state = CycleState()
    p = pod_info()
    plugin.pre_score(state, p, [n])
    # cpu 2/4 = 0.5, memory 0 -> std 0.25 -> 75
    assert plugin.score(state, p, n) == 75


@pytest.mark.parametrize(("requested", "allocatable", "want"), [
    ([1, 1], [2, 2], 100),
    ([3, 1], [4, 4], 75),
    ([8, 0], [4, 4], 50),  # fractions above 1 count as 1
    ([1, 5], [0, 10], 100),  # a resource the node lacks is left out
    ([1, 2, 3], [4, 4, 4], 79),  # three: population std sqrt(0.125/3)
])
def test_balanced_resource_score(requested: list[int], allocatable: list[int],
                                 want: int) -> None:
    assert balanced_resource_score(requested, allocatable) == want


def test_configured_resources_take_the_general_path() -> None:
    plugin = BalancedAllocation({"resources": [{"name": "cpu", "weight": 1},
                                               {"name": "memory", "weight": 1},
                                               {"name": "example.com/gpu", "weight": 1}]})
    p = pod_info(cpu="3", memory="5000")
    n = node_info(cpu="4", memory="10000")
    state = CycleState()
    plugin.pre_score(state, p, [n])
    assert plugin.score(state, p, n) == 87  # the pod wants no gpu: left out

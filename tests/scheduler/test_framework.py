"""The framework runner: registry, pre_filter merging, weights, the FitError message."""

from __future__ import annotations

from typing import Any

import pytest

from observe.scheduler.framework import (
    Code,
    CycleState,
    Diagnosis,
    FitError,
    Framework,
    NodeToStatus,
    PluginSpec,
    PreFilterResult,
    Profile,
    SimpleHandle,
    Status,
    default_normalize,
)
from observe.scheduler.snapshot import Snapshot
from tests.scheduler.builders import node_info, pod_info


class Pinning:
    """Restricts nodes to a fixed set."""

    def __init__(self, name: str, names: set[str]) -> None:
        self.name, self.names = name, frozenset(names)

    def pre_filter(self, state: CycleState, pod: Any) -> tuple[PreFilterResult, None]:
        return PreFilterResult(self.names), None


class Constant:
    def __init__(self, name: str, per_node: dict[str, int], default_weight: int = 1) -> None:
        self.name, self.per_node, self.default_weight = name, per_node, default_weight

    def score(self, state: CycleState, pod: Any, node: Any) -> int:
        return self.per_node[node.name]


def build(*plugins: tuple[Any, int]) -> Framework:
    registry = {p.name: (lambda args, handle, p=p: p) for p, _ in plugins}
    profile = Profile(plugins=tuple(PluginSpec(p.name, w) for p, w in plugins))
    return Framework(profile, registry, SimpleHandle(Snapshot()))


def test_unknown_plugins_are_refused() -> None:
    with pytest.raises(ValueError, match="'Nope' is not in the registry"):
        Framework(Profile(plugins=(PluginSpec("Nope"),)), {}, SimpleHandle(Snapshot()))


def test_pre_filter_results_intersect() -> None:
    fw = build((Pinning("A", {"n1", "n2"}), 0), (Pinning("B", {"n2", "n3"}), 0))
    result, status, plugins = fw.run_pre_filter(CycleState(), pod_info())
    assert status is None and result is not None and result.node_names == {"n2"}
    assert plugins == {"A", "B"}


@pytest.mark.parametrize(("pins", "message"), [
    ([("A", set())], "node(s) didn't satisfy plugin A"),
    ([("A", {"n1"}), ("B", {"n2"})], "node(s) didn't satisfy plugin(s) [A B] simultaneously"),
])
def test_pre_filter_results_that_leave_no_node(pins: list, message: str) -> None:
    fw = build(*((Pinning(name, names), 0) for name, names in pins))
    _, status, _ = fw.run_pre_filter(CycleState(), pod_info())
    assert status is not None and status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert status.message == message


def test_scores_are_weighted_and_summed() -> None:
    fw = build((Constant("A", {"n1": 10, "n2": 50}), 2),
               (Constant("B", {"n1": 100, "n2": 0}, default_weight=3), 0))
    state = CycleState()
    nodes = [node_info("n1"), node_info("n2")]
    assert fw.run_pre_score(state, pod_info(), nodes) is None
    assert fw.run_score(state, pod_info(), nodes) == [10 * 2 + 100 * 3, 50 * 2 + 0 * 3]


@pytest.mark.parametrize(("scores", "reverse", "want"), [
    ([0, 0], False, [0, 0]),
    ([0, 0], True, [100, 100]),
    ([1, 2, 4], False, [25, 50, 100]),
    ([1, 2, 4], True, [75, 50, 0]),
    ([3, 7], False, [42, 100]),
])
def test_default_normalize(scores: list[int], reverse: bool, want: list[int]) -> None:
    default_normalize(scores, reverse)
    assert scores == want


def failing(*per_node: tuple[str, Status], absent: Status | None = None) -> NodeToStatus:
    statuses = NodeToStatus(absent)
    for name, status in per_node:
        statuses.set(name, status)
    return statuses


def test_fit_error_counts_and_sorts_reasons_as_strings() -> None:
    cpu = Status(Code.UNSCHEDULABLE, "Insufficient cpu")
    taint = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) had untolerated taint {a: b}")
    both = Status(Code.UNSCHEDULABLE, "Insufficient cpu", "Insufficient memory")
    statuses = failing(*[(f"c{i}", cpu) for i in range(10)],
                       *[(f"t{i}", taint) for i in range(2)], ("b", both))
    error = FitError(pod_info(), 13, Diagnosis(node_to_status=statuses))
    # Sorted as strings, not by count: "1 Insufficient memory" < "11 Insufficient cpu".
    assert error.message == ("0/13 nodes are available: 1 Insufficient memory, 11 Insufficient "
                             "cpu, 2 node(s) had untolerated taint {a: b}.")


def test_fit_error_counts_nodes_never_evaluated() -> None:
    cpu = Status(Code.UNSCHEDULABLE, "Insufficient cpu")
    absent = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                    "node(s) didn't satisfy plugin(s) [NodeAffinity]")
    error = FitError(pod_info(), 4, Diagnosis(node_to_status=failing(("n1", cpu),
                                                                      absent=absent)))
    error.diagnosis.post_filter_msg = "preemption: x."
    assert error.message == ("0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't "
                             "satisfy plugin(s) [NodeAffinity]. preemption: x.")


def test_fit_error_after_a_pre_filter_rejection_names_it_once() -> None:
    error = FitError(pod_info(), 3, Diagnosis(pre_filter_msg="pod affinity terms conflict"))
    assert error.message == "0/3 nodes are available: pod affinity terms conflict."

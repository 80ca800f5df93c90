"""TaintToleration: NoSchedule/NoExecute filter, PreferNoSchedule score."""

from __future__ import annotations

import pytest

from observe.scheduler.framework import Code, CycleState
from observe.scheduler.plugins.taint_toleration import TaintToleration
from tests.scheduler.builders import node_info, pod_info, reasons, run_filter


def taint(key: str, value: str = "", effect: str = "NoSchedule") -> dict[str, str]:
    return {"key": key, "value": value, "effect": effect}


@pytest.mark.parametrize(("name", "tolerations", "taints", "want"), [
    ("no taints", [], [], ()),
    ("untolerated NoSchedule", [], [taint("dedicated", "gpu")],
     ("node(s) had untolerated taint {dedicated: gpu}",)),
    ("untolerated NoExecute", [], [taint("k", "", "NoExecute")],
     ("node(s) had untolerated taint {k: }",)),
    ("PreferNoSchedule does not filter", [], [taint("k", "", "PreferNoSchedule")], ()),
    ("tolerated by Equal", [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
     [taint("dedicated", "gpu")], ()),
    ("value mismatch", [{"key": "dedicated", "value": "cpu", "effect": "NoSchedule"}],
     [taint("dedicated", "gpu")], ("node(s) had untolerated taint {dedicated: gpu}",)),
    ("the first untolerated taint is reported",
     [{"key": "a", "operator": "Exists"}], [taint("a"), taint("b", "1"), taint("c", "2")],
     ("node(s) had untolerated taint {b: 1}",)),
])
def test_filter(name: str, tolerations: list, taints: list, want: tuple[str, ...]) -> None:
    status = run_filter(TaintToleration(), pod_info(tolerations=tolerations),
                        node_info(taints=taints))
    assert reasons(status) == want, name
    if status is not None:
        assert status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE


def test_score_prefers_fewer_untolerated_prefer_no_schedule_taints() -> None:
    plugin = TaintToleration()
    nodes = [
        node_info("clean"),
        node_info("one", taints=[taint("a", "", "PreferNoSchedule")]),
        node_info("two", taints=[taint("a", "", "PreferNoSchedule"),
                                 taint("b", "", "PreferNoSchedule")]),
        node_info("tolerated", taints=[taint("c", "", "PreferNoSchedule")]),
    ]
    p = pod_info(tolerations=[{"key": "c", "operator": "Exists", "effect": "PreferNoSchedule"}])
    state = CycleState()
    assert plugin.pre_score(state, p, nodes) is None
    scores = [plugin.score(state, p, n) for n in nodes]
    assert scores == [0, 1, 2, 0]
    plugin.normalize_score(state, p, nodes, scores)
    assert scores == [100, 50, 0, 100]


def test_score_skips_when_no_node_has_prefer_no_schedule_taints() -> None:
    nodes = [node_info("a"), node_info("b", taints=[taint("x")])]
    assert TaintToleration().pre_score(CycleState(), pod_info(), nodes).code == Code.SKIP

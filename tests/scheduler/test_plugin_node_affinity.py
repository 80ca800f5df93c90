"""NodeAffinity: nodeSelector, required and preferred node affinity."""

from __future__ import annotations

from typing import Any

import pytest

from observe.scheduler.framework import Code, CycleState
from observe.scheduler.plugins.node_affinity import NodeAffinity
from tests.scheduler.builders import node_info, pod_info, reasons, run_filter

MISMATCH = ("node(s) didn't match Pod's node affinity/selector",)


def required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": list(terms)}}}


def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": key, "operator": operator, "values": list(values)}]}


@pytest.mark.parametrize(("name", "spec", "labels", "want"), [
    ("nothing asked", {}, {}, ()),
    ("nodeSelector matches", {"nodeSelector": {"disk": "ssd"}}, {"disk": "ssd"}, ()),
    ("nodeSelector misses", {"nodeSelector": {"disk": "ssd"}}, {"disk": "hdd"}, MISMATCH),
    ("In", {"affinity": required(expr("zone", "In", "a", "b"))}, {"zone": "b"}, ()),
    ("NotIn", {"affinity": required(expr("zone", "NotIn", "a"))}, {"zone": "a"}, MISMATCH),
    ("Exists", {"affinity": required({"matchExpressions": [
        {"key": "gpu", "operator": "Exists"}]})}, {"gpu": "x"}, ()),
    ("DoesNotExist", {"affinity": required({"matchExpressions": [
        {"key": "gpu", "operator": "DoesNotExist"}]})}, {"gpu": "x"}, MISMATCH),
    ("Gt", {"affinity": required(expr("cores", "Gt", "8"))}, {"cores": "16"}, ()),
    ("Lt", {"affinity": required(expr("cores", "Lt", "8"))}, {"cores": "16"}, MISMATCH),
    ("terms are ORed", {"affinity": required(expr("zone", "In", "a"), expr("zone", "In", "b"))},
     {"zone": "b"}, ()),
    ("expressions are ANDed", {"affinity": required({"matchExpressions": [
        {"key": "zone", "operator": "In", "values": ["a"]},
        {"key": "disk", "operator": "In", "values": ["ssd"]}]})},
     {"zone": "a", "disk": "hdd"}, MISMATCH),
    ("selector and affinity both apply",
     {"nodeSelector": {"disk": "ssd"}, "affinity": required(expr("zone", "In", "a"))},
     {"zone": "a", "disk": "hdd"}, MISMATCH),
    ("matchFields on metadata.name", {"affinity": required({"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": ["n1"]}]})}, {}, ()),
])
def test_filter(name: str, spec: dict, labels: dict, want: tuple[str, ...]) -> None:
    status = run_filter(NodeAffinity(), pod_info(**spec), node_info("n1", labels=labels))
    assert reasons(status) == want, name


def test_pre_filter_pins_node_names_from_match_fields() -> None:
    plugin = NodeAffinity()
    daemon = pod_info(affinity=required({"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": ["n7"]}]}))
    result, status = plugin.pre_filter(CycleState(), daemon)
    assert status is None and result is not None and result.node_names == {"n7"}
    # Any term without a name restriction means any node may do.
    mixed = pod_info(affinity=required(
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n7"]}]},
        expr("zone", "In", "a")))
    assert plugin.pre_filter(CycleState(), mixed) == (None, None)
    conflicting = pod_info(affinity=required({"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": ["a"]},
        {"key": "metadata.name", "operator": "In", "values": ["b"]}]}))
    _, status = plugin.pre_filter(CycleState(), conflicting)
    assert status is not None and status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert status.reasons == ("pod affinity terms conflict",)


def test_score_sums_preferred_weights_and_normalises() -> None:
    plugin = NodeAffinity()
    p = pod_info(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 2, "preference": expr("zone", "In", "a")},
        {"weight": 6, "preference": expr("disk", "In", "ssd")}]}})
    nodes = [node_info("a", labels={"zone": "a"}), node_info("b", labels={"disk": "ssd"}),
             node_info("c", labels={"zone": "a", "disk": "ssd"}), node_info("d")]
    state = CycleState()
    assert plugin.pre_score(state, p, nodes) is None
    scores = [plugin.score(state, p, n) for n in nodes]
    assert scores == [2, 6, 8, 0]
    plugin.normalize_score(state, p, nodes, scores)
    assert scores == [25, 75, 100, 0]
    assert plugin.pre_score(state, pod_info(), nodes).code == Code.SKIP

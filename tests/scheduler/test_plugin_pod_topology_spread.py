"""PodTopologySpread: maxSkew filtering and spreading scores, with system defaults."""

from __future__ import annotations

from typing import Any

import pytest

from observe.api.podinfo import PodInfo
from observe.api.selectors import label_selector_from_dict
from observe.scheduler.plugins.pod_topology_spread import NAME
from tests.scheduler.builders import cluster, filter_all, framework, node, only, pod, scores_of

NOT_MATCH = ("node(s) didn't match pod topology spread constraints",)
MISSING = ("node(s) didn't match pod topology spread constraints (missing required label)",)
ZONE, HOST = "topology.kubernetes.io/zone", "kubernetes.io/hostname"


def spread(key: str = ZONE, skew: int = 1, when: str = "DoNotSchedule",
           **extra: Any) -> dict[str, Any]:
    return {"maxSkew": skew, "topologyKey": key, "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": {"app": "web"}}, **extra}


def web(name: str, node_name: str = "", **kwargs: Any) -> dict[str, Any]:
    labels = kwargs.pop("labels", {"app": "web"})
    return pod(name, labels=labels, node_name=node_name, **kwargs)


def zones(*pods: dict[str, Any], extra_nodes: tuple[dict, ...] = ()) -> Any:
    return cluster(node("a1", labels={ZONE: "a"}), node("b1", labels={ZONE: "b"}),
                   node("c1", labels={ZONE: "c"}), *extra_nodes, pods=pods)


def test_filter_keeps_the_skew_within_max_skew() -> None:
    cache = zones(web("w1", "a1"), web("w2", "a1"), web("w3", "b1"))
    fw = framework(cache, only(NAME))
    got = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[spread()])))
    assert got == {"a1": NOT_MATCH, "b1": NOT_MATCH, "c1": ()}


def test_max_skew_two_allows_more() -> None:
    cache = zones(web("w1", "a1"), web("w2", "a1"), web("w3", "b1"))
    fw = framework(cache, only(NAME))
    got = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[spread(skew=2)])))
    assert got == {"a1": NOT_MATCH, "b1": (), "c1": ()}


def test_a_node_without_the_topology_label_is_unresolvable() -> None:
    cache = zones(extra_nodes=(node("nolabel"),))
    fw = framework(cache, only(NAME))
    got = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[spread()])))
    assert got["nolabel"] == MISSING


def test_other_namespaces_terminating_pods_and_non_matching_labels_do_not_count() -> None:
    terminating = web("t", "a1")
    terminating["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    cache = zones(web("elsewhere", "a1", namespace="other"), terminating,
                  web("db", "a1", labels={"app": "db"}))
    fw = framework(cache, only(NAME))
    got = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[spread()])))
    assert got == {"a1": (), "b1": (), "c1": ()}


def test_min_domains_treats_the_global_minimum_as_zero() -> None:
    cache = cluster(node("a1", labels={ZONE: "a"}), node("b1", labels={ZONE: "b"}),
                    pods=[web("w1", "a1"), web("w2", "b1")])
    fw = framework(cache, only(NAME))
    without = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[spread()])))
    assert without == {"a1": (), "b1": ()}
    with_min = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[
        spread(minDomains=3)])))
    assert with_min == {"a1": NOT_MATCH, "b1": NOT_MATCH}


def test_node_affinity_policy_decides_which_nodes_count() -> None:
    # Pods on zone c's node do not count when the pod could never go there (Honor).
    cache = zones(web("w1", "c1"), web("w2", "c1"))
    fw = framework(cache, only(NAME))
    selector = {"nodeSelector": {ZONE: "a"}}
    honoured = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[spread()],
                                           **selector)))
    assert honoured["a1"] == ()
    ignored = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[
        spread(nodeAffinityPolicy="Ignore")], **selector)))
    assert ignored["a1"] == ()  # a=0, min 0 (b): skew 1 is fine either way
    cache.add_pod(PodInfo(web("w3", "b1")))
    ignored = filter_all(fw, PodInfo(web("new", topologySpreadConstraints=[
        spread(nodeAffinityPolicy="Ignore", skew=1)], **selector)))
    assert ignored["b1"] == NOT_MATCH  # b=1 +1 - min(a=0) = 2


def test_match_label_keys_narrow_the_selector_to_the_pods_own_values() -> None:
    cache = zones(web("v1", "a1", labels={"app": "web", "rev": "1"}),
                  web("v2", "a1", labels={"app": "web", "rev": "1"}))
    fw = framework(cache, only(NAME))
    incoming = PodInfo(web("new", labels={"app": "web", "rev": "2"},
                           topologySpreadConstraints=[spread(matchLabelKeys=["rev"])]))
    assert filter_all(fw, incoming) == {"a1": (), "b1": (), "c1": ()}


def test_schedule_anyway_does_not_filter_but_scores() -> None:
    cache = cluster(node("n1"), node("n2"), node("n3"),
                    pods=[web("w1", "n1"), web("w2", "n1"), web("w3", "n2")])
    fw = framework(cache, only(NAME))
    incoming = PodInfo(web("new", topologySpreadConstraints=[
        spread(HOST, when="ScheduleAnyway")]))
    assert filter_all(fw, incoming) == {"n1": (), "n2": (), "n3": ()}
    # counts 2,1,0 weighted by log(3+2): round(3.22)=3, round(1.61)=2, 0; then
    # 100 * (max + min - score) / max.
    assert scores_of(fw, incoming) == {"n1": 0, "n2": 33, "n3": 100}


def test_system_default_spreading_applies_to_pods_of_a_workload() -> None:
    cache = cluster(node("n1"), node("n2"), pods=[web("w1", "n1"), web("w2", "n1")])
    selector = label_selector_from_dict({"matchLabels": {"app": "web"}})
    fw = framework(cache, only(NAME), selectors=lambda p: selector)
    # hostname, maxSkew 3: 2*log(4)+2 -> 5 and 0+2 -> 2; the zone default adds nothing on
    # nodes without a zone label. Normalised: 100*(5+2-5)/5 and 100*(5+2-2)/5.
    assert scores_of(fw, PodInfo(web("new"))) == {"n1": 40, "n2": 100}
    # Nothing selects a lone pod: no default constraints, the plugin skips.
    lone = framework(cache, only(NAME))
    state_scores = scores_of(lone, PodInfo(web("new")))
    assert state_scores == {}


@pytest.mark.parametrize("when", ["DoNotSchedule", "ScheduleAnyway"])
def test_an_empty_selector_counts_nothing(when: str) -> None:
    cache = zones(web("w1", "a1"), web("w2", "a1"))
    fw = framework(cache, only(NAME))
    incoming = PodInfo(web("new", topologySpreadConstraints=[
        spread(when=when, labelSelector={})]))
    assert filter_all(fw, incoming) == {"a1": (), "b1": (), "c1": ()}

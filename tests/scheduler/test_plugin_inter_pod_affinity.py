"""InterPodAffinity: required (anti-)affinity filters, preferred terms score."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.plugins.inter_pod_affinity import NAME
from tests.scheduler.builders import cluster, filter_all, framework, node, only, pod, scores_of

HOST, ZONE = "kubernetes.io/hostname", "topology.kubernetes.io/zone"
AFFINITY = ("node(s) didn't match pod affinity rules",)
ANTI = ("node(s) didn't match pod anti-affinity rules",)
EXISTING = ("node(s) didn't satisfy existing pods anti-affinity rules",)


def term(app: str, key: str = HOST, **extra: Any) -> dict[str, Any]:
    return {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key, **extra}


def required(kind: str, *terms: dict[str, Any]) -> dict[str, Any]:
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def preferred(kind: str, weight: int, t: dict[str, Any]) -> dict[str, Any]:
    return {kind: {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": weight, "podAffinityTerm": t}]}}


def app(name: str, label: str, node_name: str = "", **kwargs: Any) -> dict[str, Any]:
    return pod(name, labels={"app": label}, node_name=node_name, **kwargs)


def two_nodes(*pods: dict[str, Any]) -> Any:
    return cluster(node("n1", labels={ZONE: "a"}), node("n2", labels={ZONE: "b"}), pods=pods)


def test_required_affinity_needs_a_matching_pod_in_the_domain() -> None:
    fw = framework(two_nodes(app("db", "db", "n1")), only(NAME))
    incoming = PodInfo(app("web", "web", affinity=required("podAffinity", term("db"))))
    assert filter_all(fw, incoming) == {"n1": (), "n2": AFFINITY}


def test_the_first_pod_of_a_self_affine_group_may_go_anywhere() -> None:
    fw = framework(two_nodes(), only(NAME))
    incoming = PodInfo(app("web", "web", affinity=required("podAffinity", term("web"))))
    assert filter_all(fw, incoming) == {"n1": (), "n2": ()}
    other = PodInfo(app("web", "web", affinity=required("podAffinity", term("db"))))
    assert filter_all(fw, other) == {"n1": AFFINITY, "n2": AFFINITY}


def test_affinity_by_zone_and_a_node_without_the_key() -> None:
    cache = cluster(node("n1", labels={ZONE: "a"}), node("n2", labels={ZONE: "a"}),
                    node("bare"), pods=[app("db", "db", "n1")])
    fw = framework(cache, only(NAME))
    incoming = PodInfo(app("web", "web", affinity=required("podAffinity", term("db", ZONE))))
    assert filter_all(fw, incoming) == {"n1": (), "n2": (), "bare": AFFINITY}


def test_required_anti_affinity_keeps_pods_apart() -> None:
    fw = framework(two_nodes(app("w1", "web", "n1")), only(NAME))
    incoming = PodInfo(app("w2", "web", affinity=required("podAntiAffinity", term("web"))))
    assert filter_all(fw, incoming) == {"n1": ANTI, "n2": ()}


def test_existing_pods_anti_affinity_is_respected() -> None:
    loner = app("loner", "loner", "n1", affinity=required("podAntiAffinity", term("web")))
    fw = framework(two_nodes(loner), only(NAME))
    assert filter_all(fw, PodInfo(app("w", "web"))) == {"n1": EXISTING, "n2": ()}
    assert filter_all(fw, PodInfo(app("d", "db"))) == {"n1": (), "n2": ()}


def test_terms_look_in_the_pods_namespace_unless_told_otherwise() -> None:
    cache = two_nodes(app("db", "db", "n1", namespace="data"))
    cache.set_namespace({"metadata": {"name": "data", "labels": {"team": "storage"}}})
    fw = framework(cache, only(NAME))
    same_ns = PodInfo(app("web", "web", affinity=required("podAffinity", term("db"))))
    assert filter_all(fw, same_ns)["n1"] == AFFINITY
    named = PodInfo(app("web", "web", affinity=required(
        "podAffinity", term("db", namespaces=["data"]))))
    assert filter_all(fw, named)["n1"] == ()
    by_label = PodInfo(app("web", "web", affinity=required(
        "podAffinity", term("db", namespaceSelector={"matchLabels": {"team": "storage"}}))))
    assert filter_all(fw, by_label)["n1"] == ()


def test_preferred_affinity_and_anti_affinity_score() -> None:
    fw = framework(two_nodes(app("db", "db", "n1")), only(NAME))
    near = PodInfo(app("web", "web", affinity=preferred("podAffinity", 10, term("db"))))
    assert scores_of(fw, near) == {"n1": 100, "n2": 0}
    far = PodInfo(app("web", "web", affinity=preferred("podAntiAffinity", 10, term("db"))))
    assert scores_of(fw, far) == {"n1": 0, "n2": 100}


def test_existing_pods_required_affinity_attracts_matching_pods() -> None:
    clingy = app("clingy", "clingy", "n2", affinity=required("podAffinity", term("web")))
    fw = framework(two_nodes(clingy), only(NAME))
    assert scores_of(fw, PodInfo(app("w", "web"))) == {"n1": 0, "n2": 100}
    assert scores_of(fw, PodInfo(app("d", "db"))) == {}  # nothing to score: skipped

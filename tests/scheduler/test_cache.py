"""The cache: assume-then-bind, confirmation by the informer, node order."""

from __future__ import annotations

from observe.api.podinfo import PodInfo
from observe.scheduler.cache import Cache
from tests.scheduler.builders import node, pod


def test_an_assumed_pod_counts_until_forgotten() -> None:
    cache = Cache()
    cache.add_node(node("n1"))
    p = PodInfo(pod("web", cpu="1"))
    assumed = cache.assume_pod(p, "n1")
    assert assumed.node_name == "n1" and p.node_name == ""
    assert cache.is_assumed(p.uid)
    assert cache.node("n1").req_cpu == 1000
    cache.forget_pod(p.uid)
    assert cache.node("n1").req_cpu == 0
    assert not cache.is_assumed(p.uid)


def test_the_informer_confirms_an_assumed_pod() -> None:
    cache = Cache()
    cache.add_node(node("n1"))
    p = PodInfo(pod("web", cpu="1"))
    cache.assume_pod(p, "n1")
    cache.finish_binding(p.uid)
    bound = PodInfo({**p.pod, "spec": {**p.pod["spec"], "nodeName": "n1"}})
    cache.add_pod(bound)
    assert not cache.is_assumed(p.uid)
    assert cache.node("n1").req_cpu == 1000  # counted once, not twice
    cache.forget_pod(p.uid)  # too late to forget a confirmed pod
    assert cache.node("n1").req_cpu == 1000
    cache.remove_pod(p.uid)
    assert cache.node("n1").req_cpu == 0


def test_pods_on_unknown_nodes_wait_for_the_node() -> None:
    cache = Cache()
    cache.add_pod(PodInfo(pod("early", cpu="1", node_name="later")))
    assert cache.refresh().nodes == []
    cache.add_node(node("later"))
    [info] = cache.refresh().nodes
    assert info.req_cpu == 1000


def test_a_deleted_node_leaves_with_its_last_pod() -> None:
    cache = Cache()
    cache.add_node(node("n1"))
    p = PodInfo(pod("web", node_name="n1"))
    cache.add_pod(p)
    cache.remove_node("n1")
    assert cache.refresh().nodes == []
    assert cache.node("n1") is not None
    cache.remove_pod(p.uid)
    assert cache.node("n1") is None


def test_nodes_are_listed_zone_by_zone() -> None:
    cache = Cache()
    for name, zone in [("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b"), ("c1", "c"),
                       ("b2", "b")]:
        cache.add_node(node(name, labels={"topology.kubernetes.io/zone": zone}))
    assert [n.name for n in cache.refresh().nodes] == ["a1", "b1", "c1", "a2", "b2", "a3"]


def test_affinity_counters_follow_pods() -> None:
    cache = Cache()
    cache.add_node(node("n1"))
    anti = PodInfo(pod("anti", node_name="n1", affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {}, "topologyKey": "kubernetes.io/hostname"}]}}))
    cache.add_pod(anti)
    snapshot = cache.refresh()
    assert [n.name for n in snapshot.with_pods_with_required_anti_affinity()] == ["n1"]
    assert [n.name for n in snapshot.with_pods_with_affinity()] == ["n1"]
    cache.remove_pod(anti.uid)
    assert snapshot.with_pods_with_required_anti_affinity() == []
    assert snapshot.pods_with_affinity == 0

"""Reading a Pod: requests as upstream's PodRequests, tolerations, node selectors."""

from __future__ import annotations

import pytest

from observe.api.podinfo import (
    DEFAULT_MEMORY_REQUEST,
    PodInfo,
    Taint,
    Toleration,
    parse_node_selector_term,
    pod_requests,
)
from tests.scheduler.builders import pod


def container(cpu: str | None = None, memory: str | None = None, **extra: object) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "image": "x", "resources": {"requests": requests}, **extra}


@pytest.mark.parametrize(("name", "spec", "want"), [
    ("containers add up",
     {"containers": [container("100m", "1Gi"), container("250m", "1Gi")]},
     {"cpu": 350, "memory": 2 * 1024**3}),
    ("the biggest init container wins over the sum",
     {"initContainers": [container("2", "1G"), container("2", "3G")],
      "containers": [container("2", "1G"), container("1", "1G")]},
     {"cpu": 3000, "memory": 3 * 10**9}),
    ("sidecars add to everything after them",
     {"initContainers": [container("500m", restartPolicy="Always"), container("1")],
      "containers": [container("200m")]},
     {"cpu": 1500}),
    ("overhead comes on top",
     {"containers": [container("100m")], "overhead": {"cpu": "250m", "memory": "120Mi"}},
     {"cpu": 350, "memory": 120 * 1024**2}),
    ("no requests at all", {"containers": [{"name": "c", "image": "x"}]}, {}),
    ("extended resources are counted like the others",
     {"containers": [container(**{}), {"name": "g", "image": "x", "resources": {
         "requests": {"example.com/gpu": "2"}}}]},
     {"example.com/gpu": 2}),
])
def test_pod_requests(name: str, spec: dict, want: dict) -> None:
    assert pod_requests(spec) == want, name


def test_non_missing_requests_default_only_absent_cpu_and_memory() -> None:
    spec = {"containers": [container("0"), container(memory="64Mi"), {"name": "e", "image": "x"}]}
    got = pod_requests(spec, non_missing=True)
    # An explicit 0 stays 0; missing ones count as 100m / 200Mi.
    assert got == {"cpu": 0 + 100 + 100,
                   "memory": DEFAULT_MEMORY_REQUEST + 64 * 1024**2 + DEFAULT_MEMORY_REQUEST}


@pytest.mark.parametrize(("toleration", "taint", "tolerated"), [
    (Toleration("k", "Equal", "v", "NoSchedule"), Taint("k", "v", "NoSchedule"), True),
    (Toleration("k", "", "v", ""), Taint("k", "v", "NoExecute"), True),
    (Toleration("k", "Equal", "other", ""), Taint("k", "v", "NoSchedule"), False),
    (Toleration("k", "Exists", "", ""), Taint("k", "anything", "NoSchedule"), True),
    (Toleration("", "Exists", "", ""), Taint("any", "thing", "NoExecute"), True),
    (Toleration("k", "Exists", "", "NoSchedule"), Taint("k", "", "NoExecute"), False),
    (Toleration("k", "Gt", "1", ""), Taint("k", "2", "NoSchedule"), False),
])
def test_toleration_tolerates_taint(toleration: Toleration, taint: Taint,
                                    tolerated: bool) -> None:
    assert toleration.tolerates(taint) is tolerated


@pytest.mark.parametrize(("term", "labels", "name", "matches"), [
    ({"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]},
     {"disk": "ssd"}, "n", True),
    ({"matchExpressions": [{"key": "disk", "operator": "NotIn", "values": ["ssd"]}]},
     {}, "n", True),
    ({"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["3"]}]},
     {"gen": "4"}, "n", True),
    ({"matchExpressions": [{"key": "gen", "operator": "Lt", "values": ["3"]}]},
     {"gen": "4"}, "n", False),
    ({"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["3"]}]},
     {"gen": "four"}, "n", False),
    ({"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}, {"gpu": ""}, "n", True),
    ({"matchExpressions": [{"key": "gpu", "operator": "DoesNotExist"}]},
     {"gpu": ""}, "n", False),
    ({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n"]}]},
     {}, "n", True),
    ({"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["n"]}]},
     {}, "n", False),
    ({}, {"a": "b"}, "n", False),  # an empty term selects nothing
])
def test_node_selector_term(term: dict, labels: dict, name: str, matches: bool) -> None:
    parsed = parse_node_selector_term(term)
    assert parsed is not None
    assert parsed.matches(labels, name) is matches


@pytest.mark.parametrize("term", [
    {"matchExpressions": [{"key": "a", "operator": "Near", "values": ["b"]}]},
    {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
    {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]},
    {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1", "2"]}]},
    {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["x"]}]},
    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a", "b"]}]},
    {"matchFields": [{"key": "metadata.name", "operator": "Exists"}]},
])
def test_terms_upstream_cannot_convert_match_nothing(term: dict) -> None:
    assert parse_node_selector_term(term) is None


def test_pod_info_reads_what_scheduling_needs() -> None:
    info = PodInfo(pod("web", cpu="250m", memory="64Mi", labels={"app": "web"}, priority=7,
                       tolerations=[{"key": "k", "operator": "Exists"}],
                       nodeSelector={"disk": "ssd"},
                       affinity={"podAntiAffinity": {
                           "requiredDuringSchedulingIgnoredDuringExecution": [{
                               "labelSelector": {"matchLabels": {"app": "web"}},
                               "topologyKey": "kubernetes.io/hostname"}]}}))
    assert (info.cpu, info.memory, info.priority) == (250, 64 * 1024**2, 7)
    assert info.tolerations == (Toleration("k", "Exists", "", ""),)
    assert info.required_node_affinity is not None
    assert info.required_node_affinity.matches({"disk": "ssd"}, "n")
    assert not info.required_node_affinity.matches({"disk": "hdd"}, "n")
    [term] = info.required_anti_affinity_terms
    assert term.namespaces == frozenset({"default"})
    assert term.matches("default", {"app": "web"}, None)
    assert not term.matches("other", {"app": "web"}, None)
    assert info.has_pod_affinity


def test_unparseable_quantities_read_as_zero() -> None:
    info = PodInfo(pod(cpu="lots"))
    assert info.cpu == 0

"""The metrics store: rendered once per change, written grouped by family, exact length."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporters.state.exposition import GAUGE, FamilyGenerator, Sample
from exporters.state.metrics.kind import Kind, MetricOptions, namespaced_identity
from exporters.state.metrics.pods import KIND as PODS
from exporters.state.store import KindRenderer, RenderedObject, concatenate, deleted_stub


def pod(name: str, phase: str = "Running", **extra: object) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}",
                         "resourceVersion": "7", "labels": {"app": name}},
            "spec": {"containers": [{"name": "c", "image": "img"}], "nodeName": "n1"},
            "status": {"phase": phase}, **extra}


def write(renderer: KindRenderer, objects: list) -> str:
    exposition = renderer.exposition(objects)
    text = b"".join(exposition.chunks)
    assert len(text) == exposition.size, "the announced length must be the written one"
    return text.decode()


def test_families_are_grouped_across_objects() -> None:
    renderer = KindRenderer(PODS, PODS.families(MetricOptions({}, {})))
    text = write(renderer, [renderer.render(pod("a")), renderer.render(pod("b", "Pending"))])
    names = [line.split("{")[0] for line in text.splitlines() if not line.startswith("#")]
    # Every family's series are contiguous, each family once.
    runs = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    assert len(runs) == len(set(runs))
    phases = [line for line in text.splitlines() if line.startswith("kube_pod_status_phase{")]
    assert phases[4] == ('kube_pod_status_phase{namespace="ns",pod="a",uid="uid-a",'
                         'phase="Running"} 1')
    assert phases[5] == ('kube_pod_status_phase{namespace="ns",pod="b",uid="uid-b",'
                         'phase="Pending"} 1')
    families = {f.name for f in text_string_to_metric_families(text)}
    assert "kube_pod_status_phase" in families and "kube_pod_labels" in families


def test_no_objects_no_headers() -> None:
    renderer = KindRenderer(PODS, PODS.families(MetricOptions({}, {})))
    assert write(renderer, []) == ""
    assert write(renderer, [deleted_stub(pod("gone"))]) == ""


def test_concatenated_kinds_keep_exact_length() -> None:
    renderer = KindRenderer(PODS, PODS.families(MetricOptions({}, {})))
    parts = [renderer.exposition([renderer.render(pod("a"))]),
             renderer.exposition([renderer.render(pod("b"))])]
    whole = concatenate(parts)
    assert len(b"".join(whole.chunks)) == whole.size > 0


def test_cache_keeps_only_identifying_metadata() -> None:
    renderer = KindRenderer(PODS, PODS.families(MetricOptions({}, {})))
    rendered = renderer.render(pod("a"))
    assert isinstance(rendered, RenderedObject)
    assert dict(rendered) == {"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "a", "namespace": "ns",
                                           "resourceVersion": "7"}}
    listed = {k: v for k, v in pod("a").items() if k not in ("apiVersion", "kind")}
    assert "kind" not in renderer.render(listed), "list items get their kind from the informer"


def test_nul_in_a_value_cannot_corrupt_the_output() -> None:
    renderer = KindRenderer(PODS, PODS.families(MetricOptions({}, {})))
    odd = pod("a")
    odd["spec"]["containers"][0]["image"] = "img\0evil"
    odd["status"]["containerStatuses"] = [{"name": "c", "image": "img\0evil"}]
    text = write(renderer, [renderer.render(odd)])
    assert ('kube_pod_container_info{namespace="ns",pod="a",uid="uid-a",container="c",'
            'image_spec="img\ufffdevil",image="img\ufffdevil",image_id="",container_id=""} 1'
            in text.splitlines())


def test_a_failing_family_loses_only_its_own_series(caplog: pytest.LogCaptureFixture) -> None:
    def broken(obj: dict) -> list[Sample]:
        raise KeyError("surprise")

    kind = Kind("things", "", "things", "*v1.Thing", namespaced_identity("thing"),
                lambda labels, annotations: [
                    FamilyGenerator("kube_thing_broken", "Broken.", GAUGE, broken),
                    FamilyGenerator("kube_thing_ok", "Fine.", GAUGE,
                                    lambda obj: [Sample((), 1)])])
    renderer = KindRenderer(kind, kind.families(MetricOptions({}, {})))
    with caplog.at_level(logging.ERROR):
        objects = [renderer.render({"metadata": {"name": n, "namespace": "x"}})
                   for n in ("a", "b")]
    assert write(renderer, objects) == (
        "# HELP kube_thing_broken Broken.\n# TYPE kube_thing_broken gauge\n"
        "# HELP kube_thing_ok Fine.\n# TYPE kube_thing_ok gauge\n"
        'kube_thing_ok{namespace="x",thing="a"} 1\nkube_thing_ok{namespace="x",thing="b"} 1\n')
    assert len([r for r in caplog.records if "kube_thing_broken" in r.getMessage()]) == 1

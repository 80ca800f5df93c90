"""kubectl JSONPath templates for ``get -o jsonpath=...``."""

from __future__ import annotations

import pytest

from observe.cli.jsonpath import TemplateError, render

DEPLOYMENT = {
    "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
    "spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "python:3.11",
         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
         "ports": [{"containerPort": 8000, "name": "http"},
                   {"containerPort": 9000, "name": "metrics"}]},
        {"name": "sidecar", "image": "busybox"},
    ]}}},
}
PODS = {"kind": "List", "items": [
    {"metadata": {"name": "a"}, "status": {"phase": "Running", "podIP": "10.0.0.1"}},
    {"metadata": {"name": "b"}, "status": {"phase": "Pending"}},
]}


@pytest.mark.parametrize(
    ("template", "data", "want"),
    [
        # The exact template and output recorded from kubectl 1.20.
        ('{.spec.template.spec.containers[0].env}{"\\n"}{.spec.template.spec.containers[0]'
         '.ports}{"\\n"}{.spec.template.spec.containers[0].image}', DEPLOYMENT,
         '[{"name":"A","value":"1"},{"name":"B","value":"2"}]\n'
         '[{"containerPort":8000,"name":"http"},{"containerPort":9000,"name":"metrics"}]\n'
         "python:3.11"),
        ("{.metadata.name}", DEPLOYMENT, "web"),
        ("name={.metadata.name}!", DEPLOYMENT, "name=web!"),
        ("{.spec.template.spec.containers[*].name}", DEPLOYMENT, "app sidecar"),
        ("{.spec.template.spec.containers[-1].image}", DEPLOYMENT, "busybox"),
        ("{.spec.template.spec.containers[0:1].name}", DEPLOYMENT, "app"),
        ("{.metadata.labels.app\\.kubernetes\\.io/name}", DEPLOYMENT, "web"),
        ("{.metadata.labels['app.kubernetes.io/name']}", DEPLOYMENT, "web"),
        ("{..image}", DEPLOYMENT, "python:3.11 busybox"),
        ("{.spec.template.spec.containers[?(@.name==\"sidecar\")].image}", DEPLOYMENT,
         "busybox"),
        ("{.items[?(@.status.phase!='Running')].metadata.name}", PODS, "b"),
        ("{.items[?(@.status.podIP)].metadata.name}", PODS, "a"),
        ('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', PODS,
         "a\tRunning\nb\tPending\n"),
        ("{.missing.field}", DEPLOYMENT, ""),
        ("{$.metadata.name}", DEPLOYMENT, "web"),
    ],
)
def test_render(template: str, data: dict, want: str) -> None:
    assert render(template, data) == want


@pytest.mark.parametrize("template", ["{.a", "{range .items[*]}{.x}", "{end}", "{.a[?(x)]}",
                                      "{.a[b]}"])
def test_malformed_templates_raise(template: str) -> None:
    with pytest.raises(TemplateError):
        render(template, {})

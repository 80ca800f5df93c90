"""The pod exporter as a process against a real apiserver: objects written through the API
show up in ``/metrics`` as kube-state-metrics would report them, and the last state keeps
being served while the apiserver is down."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporters.state.testing import PodExporterProcess
from observe.testing import ApiServerProcess


def call(base: str, method: str, path: str, body: dict | None = None,
         content_type: str = "application/json") -> dict:
    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def set_status(base: str, namespace: str, name: str, status: dict) -> None:
    call(base, "PATCH", f"/api/v1/namespaces/{namespace}/pods/{name}/status",
         {"status": status}, "application/merge-patch+json")


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """``(sample name, labels) -> value`` of a scrape, parsed as Prometheus would."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scrape: dict, name: str, **labels: str) -> float | None:
    for (sample, sample_labels), v in scrape.items():
        if sample == name and set(labels.items()) <= sample_labels:
            return v
    return None


def eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.1)


@pytest.fixture
def exporter_factory(tmp_path: Path) -> Iterator[Callable[[ApiServerProcess],
                                                          PodExporterProcess]]:
    started: list[PodExporterProcess] = []

    def start(server: ApiServerProcess) -> PodExporterProcess:
        exporter = PodExporterProcess(server.kubeconfig, tmp_path / "exporter.log",
                                      "--resources", "pods,namespaces")
        started.append(exporter.start())
        exporter.wait_ready()
        return exporter

    yield start
    for exporter in started:
        exporter.stop()


def pod(name: str) -> dict:
    return {"metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "python:3.12",
                                     "resources": {"requests": {"cpu": "250m",
                                                                "memory": "64Mi"},
                                                   "limits": {"memory": "128Mi"}}}]}}


def oom_killed(restarts: int) -> dict:
    return {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{
                "name": "app", "ready": True, "restartCount": restarts, "image": "python:3.12",
                "imageID": "", "containerID": f"observe://{restarts}",
                "state": {"running": {"startedAt": "2024-05-01T10:04:00Z"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                             "startedAt": "2024-05-01T10:02:00Z",
                                             "finishedAt": "2024-05-01T10:03:59Z"}}}]}


def test_oom_killed_container_is_reported(apiserver: ApiServerProcess, namespace: str,
                                          exporter_factory) -> None:
    exporter = exporter_factory(apiserver)
    call(apiserver.url, "POST", f"/api/v1/namespaces/{namespace}/pods", pod("hungry"))
    set_status(apiserver.url, namespace, "hungry", oom_killed(restarts=2))
    ours = {"namespace": namespace, "pod": "hungry"}

    def restarts() -> float | None:
        return value(samples(exporter.scrape()), "kube_pod_container_status_restarts_total",
                     container="app", **ours)

    eventually(lambda: restarts() == 2, "two restarts reported")
    scrape = samples(exporter.scrape())
    assert value(scrape, "kube_pod_container_status_last_terminated_reason",
                 container="app", reason="OOMKilled", **ours) == 1
    assert value(scrape, "kube_pod_container_status_last_terminated_exitcode",
                 container="app", **ours) == 137
    assert value(scrape, "kube_pod_container_resource_requests", resource="cpu", unit="core",
                 **ours) == 0.25
    assert value(scrape, "kube_pod_container_resource_limits", resource="memory", unit="byte",
                 **ours) == 128 * 2**20
    assert value(scrape, "kube_pod_status_phase", phase="Running", **ours) == 1
    assert value(scrape, "kube_pod_status_ready", condition="true", **ours) == 1
    assert value(scrape, "kube_namespace_status_phase", namespace=namespace,
                 phase="Active") == 1

    # Killed once more: the counter goes up.
    set_status(apiserver.url, namespace, "hungry", oom_killed(restarts=3))
    eventually(lambda: restarts() == 3, "the third restart reported")
    telemetry = samples(exporter.get("/telemetry"))
    assert value(telemetry, "kube_state_metrics_list_total", resource="*v1.Pod",
                 result="success") >= 1
    assert value(telemetry, "kube_state_metrics_watch_total", resource="*v1.Pod",
                 result="success") >= 1


def test_last_state_survives_an_apiserver_outage(fresh_apiserver: ApiServerProcess,
                                                 exporter_factory) -> None:
    base = fresh_apiserver.url
    call(base, "POST", "/api/v1/namespaces", {"metadata": {"name": "shop"}})
    call(base, "POST", "/api/v1/namespaces/shop/pods", pod("web"))
    exporter = exporter_factory(fresh_apiserver)

    def phase(name: str) -> float | None:
        return value(samples(exporter.scrape()), "kube_pod_status_phase", namespace="shop",
                     pod="web", phase=name)

    eventually(lambda: phase("Pending") == 1, "the pending pod")
    fresh_apiserver.stop()

    def watch_errors() -> float:
        telemetry = samples(exporter.get("/telemetry"))
        return sum(v for (name, labels), v in telemetry.items()
                   if name in ("kube_state_metrics_watch_total", "kube_state_metrics_list_total")
                   and ("result", "error") in labels)

    eventually(lambda: watch_errors() > 0, "the exporter noticing the apiserver is gone")
    assert phase("Pending") == 1, "the last state is still served"
    assert exporter.get("/readyz") == "ok"

    fresh_apiserver.start()  # same port, same data
    set_status(fresh_apiserver.url, "shop", "web", {"phase": "Running"})
    eventually(lambda: phase("Running") == 1, "the change after the apiserver came back",
               timeout=60)

"""Summary API pieces: CPU rates from cumulative readings, capacity arithmetic, and the
running-pod metrics read from the runtime at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from observe.kubelet.machine import node_allocatable, node_capacity
from observe.kubelet.metrics import KubeletMetrics
from observe.kubelet.runtime.types import EXITED, RUNNING, ContainerStatus
from observe.kubelet.stats import CpuRates, cpu_block


def test_cpu_rate_needs_two_readings_a_second_apart():
    rates = CpuRates()
    assert rates.update("c", 100.0, 0) is None
    assert rates.update("c", 100.5, 10**9) is None, "too soon: no rate yet"
    assert rates.update("c", 102.0, 10**9) == 5 * 10**8  # half a core
    assert rates.update("c", 102.2, 9 * 10**9) == 5 * 10**8, "too soon: the last rate"
    assert rates.update("c", 104.0, 3 * 10**9) == 10**9
    rates.retain(set())
    assert rates.update("c", 105.0, 0) is None


def test_cpu_block_omits_an_unknown_rate():
    assert "usageNanoCores" not in cpu_block(0, 5, None)
    assert cpu_block(0, 5, 7)["usageNanoCores"] == 7


def test_capacity_and_allocatable():
    capacity = node_capacity("4", 8 << 30, 110, 100 << 30)
    assert capacity == {"cpu": "4", "ephemeral-storage": f"{100 << 20}Ki",
                        "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                        "memory": f"{8 << 20}Ki", "pods": "110"}
    allocatable = node_allocatable("4", 8 << 30, 110, 100 << 30)
    assert allocatable["memory"] == f"{(8 << 20) - 100 * 1024}Ki", "minus the 100Mi threshold"
    assert allocatable["ephemeral-storage"] == str(int((100 << 30) * 0.9))


def container(cid, uid, state):
    return ContainerStatus(id=cid, pod_uid=uid, pod_name="p", pod_namespace="ns", name="c",
                           attempt=0, image="", image_id="", spec_hash="", log_path="",
                           state=state, created_at=0)


def test_running_pods_and_containers_metrics():
    registry = CollectorRegistry()
    containers = [container("a", "pod-1", RUNNING), container("b", "pod-1", RUNNING),
                  container("c", "pod-2", EXITED)]
    metrics = KubeletMetrics(registry, "node-a", lambda: containers)
    metrics.pod_start_duration.observe(1.5)
    text = generate_latest(registry).decode()
    assert "kubelet_running_pods 1.0" in text
    assert 'kubelet_running_containers{container_state="running"} 2.0' in text
    assert 'kubelet_running_containers{container_state="exited"} 1.0' in text
    assert 'kubelet_node_name{node="node-a"} 1.0' in text
    assert 'kubelet_pod_start_duration_seconds_bucket{le="2.0"} 1.0' in text

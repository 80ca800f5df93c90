"""The Node: conditions from measurements, transition times, events, registration, status
writes only on change, and Lease renewal (against the in-memory API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observe.client.fake import FakeApi
from observe.kubelet.machine import MachineInfo, Measurements, for_node, node_allocatable
from observe.kubelet.node import (
    LEASES,
    NODES,
    NodeAgent,
    NodeSettings,
    merge_conditions,
    node_conditions,
    transitions,
)

GI = 1 << 30
HEALTHY = Measurements(memory_available=8 * GI, memory_total=16 * GI, fs_available=50 * GI,
                       fs_capacity=100 * GI, inodes_free=900, inodes=1000, pids_max=32768,
                       pids_used=300)


def judged(m, not_ready=None):
    return {c["type"]: (c["status"], c["reason"]) for c in node_conditions(m, not_ready)}


@pytest.mark.parametrize(("change", "kind", "reason"), [
    ({}, "MemoryPressure", "KubeletHasSufficientMemory"),
    ({"memory_available": 50 << 20}, "MemoryPressure", "KubeletHasInsufficientMemory"),
    ({}, "DiskPressure", "KubeletHasNoDiskPressure"),
    ({"fs_available": 5 * GI}, "DiskPressure", "KubeletHasDiskPressure"),
    ({"inodes_free": 10}, "DiskPressure", "KubeletHasDiskPressure"),
    ({}, "PIDPressure", "KubeletHasSufficientPID"),
    ({"pids_used": 32000}, "PIDPressure", "KubeletHasInsufficientPID"),
])
def test_pressure_conditions(change, kind, reason):
    m = Measurements(**{**HEALTHY.__dict__, **change})
    status = "True" if "Insufficient" in reason or "HasDisk" in reason else "False"
    assert judged(m)[kind] == (status, reason)


def test_ready_condition_wording():
    conditions = node_conditions(HEALTHY, None)
    assert [c["type"] for c in conditions] == ["MemoryPressure", "DiskPressure", "PIDPressure",
                                              "Ready"]
    assert conditions[-1]["message"] == "kubelet is posting ready status"
    assert judged(HEALTHY, "PLEG is not healthy")["Ready"] == ("False", "KubeletNotReady")


def test_merge_keeps_transition_times_and_foreign_conditions():
    old = merge_conditions(node_conditions(HEALTHY, None), [
        {"type": "NetworkUnavailable", "status": "False"}], "T1")
    again = merge_conditions(node_conditions(HEALTHY, None), old, "T2")
    ready = next(c for c in again if c["type"] == "Ready")
    assert (ready["lastHeartbeatTime"], ready["lastTransitionTime"]) == ("T2", "T1")
    assert again[0]["type"] == "NetworkUnavailable"
    flipped = merge_conditions(node_conditions(HEALTHY, "down"), again, "T3")
    ready = next(c for c in flipped if c["type"] == "Ready")
    assert ready["lastTransitionTime"] == "T3"


def test_transition_events():
    first = node_conditions(HEALTHY, None)
    assert transitions(first, []) == ["NodeHasSufficientMemory", "NodeHasNoDiskPressure",
                                      "NodeHasSufficientPID", "NodeReady"]
    assert transitions(first, first) == []
    assert transitions(node_conditions(HEALTHY, "down"), first) == ["NodeNotReady"]


INFO = MachineInfo(machine_id="m" * 32, system_uuid="u", boot_id="b", kernel_version="6.1",
                   os_image="Debian GNU/Linux 12 (bookworm)", architecture="amd64",
                   operating_system="linux", hostname="host", cpus=4, memory_bytes=16 * GI)


class Events:
    def __init__(self):
        self.recorded = []

    def event(self, obj, event_type, reason, message, field_path=None):
        self.recorded.append((obj["metadata"]["name"], reason, message))


class Clock:
    def __init__(self):
        self.at = datetime(2024, 1, 1, tzinfo=UTC)
        self.mono = 0.0

    def advance(self, seconds):
        self.at += timedelta(seconds=seconds)
        self.mono += seconds


def agent(api, events, clock, measurements):
    settings = NodeSettings(name="node-a", address="127.0.0.5", port=10250,
                            pod_cidr="127.5.0.0/16", info=for_node(INFO, "node-a"),
                            capacity={"cpu": "4", "memory": "16Gi", "pods": "110"},
                            allocatable=node_allocatable("4", 16 * GI, 110, 100 * GI),
                            labels={"tier": "edge"})
    return NodeAgent(api, events, settings, measure=lambda: measurements[0],
                     now=lambda: clock.at, monotonic=lambda: clock.mono, status_report=300)


async def test_registration_status_and_lease():
    api, events, clock = FakeApi(), Events(), Clock()
    measurements = [HEALTHY]
    node_agent = agent(api, events, clock, measurements)
    await node_agent.register()
    node = await api.get(NODES, "node-a")
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "node-a" and labels["kubernetes.io/os"] == \
        "linux" and labels["kubernetes.io/arch"] == "amd64" and labels["tier"] == "edge"
    status = node["status"]
    assert status["addresses"] == [{"type": "InternalIP", "address": "127.0.0.5"},
                                   {"type": "Hostname", "address": "node-a"}]
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    assert set(status["nodeInfo"]) == {
        "architecture", "bootID", "containerRuntimeVersion", "kernelVersion",
        "kubeProxyVersion", "kubeletVersion", "machineID", "operatingSystem", "osImage",
        "systemUUID"}
    assert node["spec"]["podCIDR"] == "127.5.0.0/16"
    assert status["allocatable"]["memory"] == f"{(16 * GI - (100 << 20)) // 1024}Ki"
    assert [e[1] for e in events.recorded] == [
        "Starting", "NodeAllocatableEnforced", "NodeHasSufficientMemory",
        "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady"]

    writes = len(api.calls_of("patch"))
    clock.advance(10)
    assert not await node_agent.update_status(), "nothing changed: nothing written"
    measurements[0] = Measurements(**{**HEALTHY.__dict__, "memory_available": 10 << 20})
    clock.advance(10)
    assert await node_agent.update_status()
    assert len(api.calls_of("patch")) == writes + 1
    assert events.recorded[-1] == ("node-a", "NodeHasInsufficientMemory",
                                   "Node node-a status is now: NodeHasInsufficientMemory")
    clock.advance(301)
    assert await node_agent.update_status(), "written anyway once the report is due"

    lease = await node_agent.renew_lease()
    assert lease["metadata"]["namespace"] == "kube-node-lease"
    assert lease["spec"]["holderIdentity"] == "node-a"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    first = lease["spec"]["renewTime"]
    assert first.endswith("Z") and "." in first, "a MicroTime"
    clock.advance(10)
    await node_agent.renew_lease()
    renewed = await api.get(LEASES, "node-a", namespace="kube-node-lease")
    assert renewed["spec"]["renewTime"] > first


async def test_registration_adopts_an_existing_node():
    api, events, clock = FakeApi(), Events(), Clock()
    await api.create(NODES, {"metadata": {"name": "node-a", "labels": {"keep": "me"}},
                             "spec": {"unschedulable": True}})
    await agent(api, events, clock, [HEALTHY]).register()
    node = await api.get(NODES, "node-a")
    assert node["metadata"]["labels"]["keep"] == "me"
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "node-a"
    assert node["spec"]["unschedulable"] is True and node["spec"]["podCIDR"] == "127.5.0.0/16"

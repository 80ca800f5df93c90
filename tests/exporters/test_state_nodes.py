"""kube_node_* for a control-plane node with taints, pressure conditions and extended
resources."""

from __future__ import annotations

from exporters.state.metrics.nodes import KIND
from exporters.state.testing import exposition, series

NODE = {
    "apiVersion": "v1", "kind": "Node",
    "metadata": {"name": "cp-1", "creationTimestamp": "2024-05-01T00:00:00Z",
                 "labels": {"kubernetes.io/hostname": "cp-1",
                            "node-role.kubernetes.io/control-plane": "",
                            "node-role.kubernetes.io/etcd": ""}},
    "spec": {"podCIDR": "10.1.0.0/24", "providerID": "observe://cp-1", "unschedulable": True,
             "taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute",
                         "timeAdded": "2024-05-01T00:01:00Z"}]},
    "status": {
        "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi",
                     "hugepages-2Mi": "0", "example.com/gpu": "2"},
        "allocatable": {"cpu": "3500m", "memory": "7Gi", "pods": "110"},
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure"},
            {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}],
        "addresses": [{"type": "InternalIP", "address": "10.0.0.1"},
                      {"type": "Hostname", "address": "cp-1"}],
        "nodeInfo": {"kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                     "containerRuntimeVersion": "observe://0.1.0", "kubeletVersion": "v1.32.0",
                     "kubeProxyVersion": "v1.32.0", "systemUUID": "abc-123"}},
}
N = 'node="cp-1"'


def test_info_role_and_taints() -> None:
    assert series(exposition(KIND, NODE), "kube_node_info", "kube_node_role",
                  "kube_node_spec_taint", "kube_node_spec_unschedulable",
                  "kube_node_created") == [
        f"kube_node_created{{{N}}} 1.7145216e+09",
        f'kube_node_info{{{N},kernel_version="6.1.0",os_image="Debian GNU/Linux 12 (bookworm)",'
        'container_runtime_version="observe://0.1.0",kubelet_version="v1.32.0",'
        'kubeproxy_version="v1.32.0",provider_id="observe://cp-1",pod_cidr="10.1.0.0/24",'
        'system_uuid="abc-123",internal_ip="10.0.0.1"} 1',
        f'kube_node_role{{{N},role="control-plane"}} 1',
        f'kube_node_role{{{N},role="etcd"}} 1',
        f'kube_node_spec_taint{{{N},key="node-role.kubernetes.io/control-plane",value="",'
        'effect="NoSchedule"} 1',
        f'kube_node_spec_taint{{{N},key="node.kubernetes.io/unreachable",value="",'
        'effect="NoExecute"} 1',
        f"kube_node_spec_unschedulable{{{N}}} 1",
    ]


def test_capacity_and_allocatable_units() -> None:
    assert series(exposition(KIND, NODE), "kube_node_status_capacity",
                  "kube_node_status_allocatable") == [
        f'kube_node_status_allocatable{{{N},resource="cpu",unit="core"}} 3.5',
        f'kube_node_status_allocatable{{{N},resource="memory",unit="byte"}} 7.516192768e+09',
        f'kube_node_status_allocatable{{{N},resource="pods",unit="integer"}} 110',
        f'kube_node_status_capacity{{{N},resource="cpu",unit="core"}} 4',
        f'kube_node_status_capacity{{{N},resource="memory",unit="byte"}} 8.589934592e+09',
        f'kube_node_status_capacity{{{N},resource="pods",unit="integer"}} 110',
        f'kube_node_status_capacity{{{N},resource="ephemeral_storage",unit="byte"}} '
        '1.073741824e+11',
        f'kube_node_status_capacity{{{N},resource="hugepages_2Mi",unit="byte"}} 0',
        f'kube_node_status_capacity{{{N},resource="example_com_gpu",unit="integer"}} 2',
    ]


def test_conditions_have_one_series_per_status() -> None:
    lines = series(exposition(KIND, NODE), "kube_node_status_condition")
    assert lines == [
        f'kube_node_status_condition{{{N},condition="{c}",status="{s}"}} {v}'
        for c, values in (("MemoryPressure", (0, 1, 0)), ("DiskPressure", (1, 0, 0)),
                          ("Ready", (0, 0, 1)))
        for s, v in zip(("true", "false", "unknown"), values, strict=True)
    ]


def test_addresses_and_headers() -> None:
    text = exposition(KIND, NODE)
    assert series(text, "kube_node_status_addresses") == [
        f'kube_node_status_addresses{{{N},type="InternalIP",address="10.0.0.1"}} 1',
        f'kube_node_status_addresses{{{N},type="Hostname",address="cp-1"}} 1',
    ]
    assert "# HELP kube_node_status_condition [STABLE] The condition of a cluster node.\n" in text
    assert "# HELP kube_node_role The role of a cluster node.\n" in text


def test_bare_node() -> None:
    assert series(exposition(KIND, {"metadata": {"name": "n"}})) == [
        'kube_node_info{node="n",kernel_version="",os_image="",container_runtime_version="",'
        'kubelet_version="",kubeproxy_version="",provider_id="",pod_cidr="",system_uuid="",'
        'internal_ip=""} 1',
        'kube_node_spec_unschedulable{node="n"} 0',
    ]

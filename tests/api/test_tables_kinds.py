"""Printers of every kind but Pod: realistic objects and the exact cells kubectl would show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observe.api.registry import default_registry
from observe.api.tables import PRINTERS, build_table

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, namespace: str | None = "default", **extra) -> dict:
    m = {"name": name, "uid": f"uid-{name}", "creationTimestamp": ago(days=2), **extra}
    if namespace:
        m["namespace"] = namespace
    return m


def template(*containers: tuple[str, str], **spec) -> dict:
    return {"metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": n, "image": i} for n, i in containers], **spec}}


# (case id, group, kind, object, expected cells)
CASES = [
    ("node-ready-cordoned", "", "Node", {
        "metadata": meta("node-1", None, labels={
            "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker",
            "node-role.kubernetes.io/": "ignored-empty-role"}),
        "spec": {"unschedulable": True},
        "status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                  {"type": "Ready", "status": "True"}],
                   "addresses": [{"type": "InternalIP", "address": "127.0.0.2"},
                                 {"type": "Hostname", "address": "node-1"}],
                   "nodeInfo": {"kubeletVersion": "v1.32.0",
                                "osImage": "Debian GNU/Linux 12 (bookworm)",
                                "kernelVersion": "6.1.0-18-amd64",
                                "containerRuntimeVersion": "observe://0.1.0"}}},
     ["node-1", "Ready,SchedulingDisabled", "control-plane,worker", "2d", "v1.32.0",
      "127.0.0.2", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64",
      "observe://0.1.0"]),
    ("node-not-ready-new", "", "Node", {
        "metadata": meta("node-2", None, creationTimestamp=ago(seconds=40)),
        "status": {"conditions": [{"type": "Ready", "status": "Unknown"}],
                   "addresses": [{"type": "ExternalIP", "address": "203.0.113.9"}]}},
     ["node-2", "NotReady", "<none>", "40s", "", "<none>", "203.0.113.9", "<unknown>",
      "<unknown>", "<unknown>"]),
    ("node-no-conditions", "", "Node", {"metadata": meta("node-3", None)},
     ["node-3", "Unknown", "<none>", "2d", "", "<none>", "<none>", "<unknown>", "<unknown>",
      "<unknown>"]),
    ("namespace", "", "Namespace", {
        "metadata": meta("kube-system", None, creationTimestamp=ago(days=10)),
        "status": {"phase": "Active"}},
     ["kube-system", "Active", "10d"]),
    ("service-nodeport", "", "Service", {
        "metadata": meta("web", creationTimestamp=ago(minutes=5)),
        "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                 "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080},
                           {"port": 53, "protocol": "UDP"}],
                 "selector": {"tier": "fe", "app": "web"}}},
     ["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "5m",
      "app=web,tier=fe"]),
    ("service-clusterip-external-ips", "", "Service", {
        "metadata": meta("api"),
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.11",
                 "externalIPs": ["198.51.100.7", "198.51.100.8"],
                 "ports": [{"port": 443, "protocol": "TCP"}]}},
     ["api", "ClusterIP", "10.96.0.11", "198.51.100.7,198.51.100.8", "443/TCP", "2d",
      "<none>"]),
    ("service-loadbalancer", "", "Service", {
        "metadata": meta("edge"),
        "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.12"],
                 "externalIPs": ["198.51.100.9"],
                 "ports": [{"port": 80, "protocol": "TCP", "nodePort": 31000}]},
        "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"},
                                                {"ip": "192.0.2.1"}]}}},
     ["edge", "LoadBalancer", "10.96.0.12", "192.0.2.1,lb.example.com,198.51.100.9",
      "80:31000/TCP", "2d", "<none>"]),
    ("service-loadbalancer-pending", "", "Service", {
        "metadata": meta("edge2"),
        "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.13"], "ports": []}},
     ["edge2", "LoadBalancer", "10.96.0.13", "<pending>", "<none>", "2d", "<none>"]),
    ("service-externalname", "", "Service", {
        "metadata": meta("db"), "spec": {"type": "ExternalName", "externalName": "db.example"}},
     ["db", "ExternalName", "<none>", "db.example", "<none>", "2d", "<none>"]),
    ("endpoints-many", "", "Endpoints", {
        "metadata": meta("web"),
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
                     "ports": [{"port": 8080}, {"port": 9090}]}]},
     ["web", "10.0.0.1:8080,10.0.0.2:8080,10.0.0.1:9090 + 1 more...", "2d"]),
    ("endpoints-headless-ipv6", "", "Endpoints", {
        "metadata": meta("h"),
        "subsets": [{"addresses": [{"ip": "10.0.0.5"}]},
                    {"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]},
     ["h", "10.0.0.5,[fd00::1]:80", "2d"]),
    ("endpoints-none", "", "Endpoints", {"metadata": meta("empty")}, ["empty", "<none>", "2d"]),
    ("event-core", "", "Event", {
        "metadata": meta("web-1.17a"),
        "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default",
                           "fieldPath": "spec.containers{app}"},
        "reason": "BackOff", "message": "Back-off restarting failed container\n",
        "type": "Warning", "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": ago(minutes=10), "lastTimestamp": ago(seconds=30), "count": 7},
     ["30s", "Warning", "BackOff", "pod/web-1", "spec.containers{app}", "kubelet, node-1",
      "Back-off restarting failed container", "10m", 7, "web-1.17a"]),
    ("event-series", "", "Event", {
        "metadata": meta("web.18b"),
        "involvedObject": {"kind": "Deployment", "name": "web"},
        "reason": "ScalingReplicaSet", "message": "Scaled up replica set web-5d8f to 3",
        "type": "Normal", "reportingComponent": "deployment-controller",
        "reportingInstance": "cm-1", "eventTime": "2024-05-01T11:50:00.000000Z",
        "series": {"count": 4, "lastObservedTime": "2024-05-01T11:59:15.123456Z"}},
     ["44s", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller, cm-1",
      "Scaled up replica set web-5d8f to 3", "10m", 4, "web.18b"]),
    ("event-singleton-cluster", "", "Event", {
        "metadata": meta("node-1.19c"), "involvedObject": {"kind": "Node"},
        "reason": "Starting", "type": "Normal", "source": {"component": "kubelet"},
        "eventTime": "2024-05-01T11:59:00.000000Z"},
     ["60s", "Normal", "Starting", "node", "", "kubelet", "", "60s", 1, "node-1.19c"]),
    ("configmap", "", "ConfigMap", {
        "metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}},
     ["cfg", 3, "2d"]),
    ("secret", "", "Secret", {
        "metadata": meta("creds"), "type": "Opaque",
        "data": {"user": "YQ==", "pass": "Yg=="}, "stringData": {"pass": "b", "host": "h"}},
     ["creds", "Opaque", 3, "2d"]),
    ("serviceaccount", "", "ServiceAccount", {
        "metadata": meta("default"), "secrets": [{"name": "default-token"}]},
     ["default", 1, "2d"]),
    ("pv-bound", "", "PersistentVolume", {
        "metadata": meta("pv-1", None),
        "spec": {"capacity": {"storage": "10Gi"},
                 "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "local",
                 "claimRef": {"namespace": "default", "name": "data"}},
        "status": {"phase": "Bound"}},
     ["pv-1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "local", "<unset>", "",
      "2d", "<unset>"]),
    ("pv-released-terminating", "", "PersistentVolume", {
        "metadata": meta("pv-2", None, deletionTimestamp=ago(seconds=5)),
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOncePod"],
                 "persistentVolumeReclaimPolicy": "Delete", "volumeMode": "Block",
                 "volumeAttributesClassName": "gold"},
        "status": {"phase": "Failed", "reason": "VolumeFailedDelete"}},
     ["pv-2", "1Gi", "RWOP", "Delete", "Terminating", "", "", "gold", "VolumeFailedDelete",
      "2d", "Block"]),
    ("pvc-bound", "", "PersistentVolumeClaim", {
        "metadata": meta("data", annotations={
            "volume.beta.kubernetes.io/storage-class": "fast"}),
        "spec": {"volumeName": "pv-1", "storageClassName": "local", "volumeMode": "Filesystem",
                 "resources": {"requests": {"storage": "5Gi"}}},
        "status": {"phase": "Bound", "capacity": {"storage": "10Gi"},
                   "accessModes": ["ReadWriteOnce"]}},
     ["data", "Bound", "pv-1", "10Gi", "RWO", "fast", "<unset>", "2d", "Filesystem"]),
    ("pvc-pending", "", "PersistentVolumeClaim", {
        "metadata": meta("claim"),
        "spec": {"storageClassName": "standard", "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Pending"}},
     ["claim", "Pending", "", "", "", "standard", "<unset>", "2d", "<unset>"]),
    ("deployment", "apps", "Deployment", {
        "metadata": meta("web", creationTimestamp=ago(hours=1)),
        "spec": {"replicas": 3,
                 "selector": {"matchLabels": {"app": "web"},
                              "matchExpressions": [{"key": "tier", "operator": "In",
                                                    "values": ["fe", "be"]}]},
                 "template": template(("app", "nginx:1.25"), ("sidecar", "busybox"))},
        "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3,
                   "availableReplicas": 2}},
     ["web", "2/3", 3, 2, "60m", "app,sidecar", "nginx:1.25,busybox",
      "app=web,tier in (be,fe)"]),
    ("deployment-fresh-invalid-selector", "apps", "Deployment", {
        "metadata": meta("new", creationTimestamp=ago(seconds=3)),
        "spec": {"replicas": 0, "selector": {"matchExpressions": [
            {"key": "app", "operator": "Like"}]}, "template": template()}},
     ["new", "0/0", 0, 0, "3s", "", "", "<invalid>"]),
    ("replicaset", "apps", "ReplicaSet", {
        "metadata": meta("web-5d8f"),
        "spec": {"replicas": 3, "selector": {"matchLabels": {
            "pod-template-hash": "5d8f", "app": "web"}},
                 "template": template(("app", "nginx:1.25"))},
        "status": {"replicas": 3, "readyReplicas": 1}},
     ["web-5d8f", 3, 3, 1, "2d", "app", "nginx:1.25", "app=web,pod-template-hash=5d8f"]),
    ("replicaset-no-selector", "apps", "ReplicaSet", {
        "metadata": meta("orphan"), "spec": {"replicas": 1, "template": template()}},
     ["orphan", 1, 0, 0, "2d", "", "", "<none>"]),
    ("statefulset", "apps", "StatefulSet", {
        "metadata": meta("db"),
        "spec": {"replicas": 3, "template": template(("pg", "postgres:16"))},
        "status": {"replicas": 2, "readyReplicas": 1}},
     ["db", "1/3", "2d", "pg", "postgres:16"]),
    ("daemonset", "apps", "DaemonSet", {
        "metadata": meta("agent"),
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": template(("agent", "observe/agent:1"),
                                      nodeSelector={"kubernetes.io/os": "linux"})},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                   "updatedNumberScheduled": 3, "numberAvailable": 2}},
     ["agent", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "2d", "agent", "observe/agent:1",
      "app=agent"]),
    ("controllerrevision", "apps", "ControllerRevision", {
        "metadata": meta("db-7c9f", ownerReferences=[
            {"apiVersion": "v1", "kind": "Pod", "name": "not-controller", "uid": "u0"},
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u1",
             "controller": True}]),
        "revision": 2},
     ["db-7c9f", "statefulset.apps/db", 2, "2d"]),
    ("controllerrevision-orphan", "apps", "ControllerRevision", {
        "metadata": meta("lost"), "revision": 1}, ["lost", "<none>", 1, "2d"]),
    ("job-complete", "batch", "Job", {
        "metadata": meta("pi", creationTimestamp=ago(minutes=6)),
        "spec": {"completions": 1, "parallelism": 1,
                 "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}},
                 "template": template(("pi", "perl:5.34"))},
        "status": {"succeeded": 1, "startTime": ago(minutes=5),
                   "completionTime": ago(minutes=4, seconds=30),
                   "conditions": [{"type": "Complete", "status": "True"}]}},
     ["pi", "Complete", "1/1", "30s", "6m", "pi", "perl:5.34",
      "batch.kubernetes.io/controller-uid=abc"]),
    ("job-running-parallel", "batch", "Job", {
        "metadata": meta("work"),
        "spec": {"parallelism": 3, "template": template(("w", "worker"))},
        "status": {"succeeded": 1, "startTime": ago(minutes=2)}},
     ["work", "Running", "1/1 of 3", "2m", "2d", "w", "worker", "<none>"]),
    ("job-failed", "batch", "Job", {
        "metadata": meta("bad"),
        "spec": {"completions": 2, "template": template()},
        "status": {"failed": 6, "conditions": [{"type": "FailureTarget", "status": "True"},
                                               {"type": "Failed", "status": "True"}]}},
     ["bad", "Failed", "0/2", "", "2d", "", "", "<none>"]),
    ("job-suspended", "batch", "Job", {
        "metadata": meta("held"), "spec": {"completions": 1, "suspend": True},
        "status": {"conditions": [{"type": "Suspended", "status": "True"}]}},
     ["held", "Suspended", "0/1", "", "2d", "", "", "<none>"]),
    ("job-terminating", "batch", "Job", {
        "metadata": meta("gone", deletionTimestamp=ago(seconds=1)),
        "spec": {"completions": 1},
        "status": {"conditions": [{"type": "Suspended", "status": "True"}]}},
     ["gone", "Terminating", "0/1", "", "2d", "", "", "<none>"]),
    ("cronjob", "batch", "CronJob", {
        "metadata": meta("backup"),
        "spec": {"schedule": "*/5 * * * *", "timeZone": "Etc/UTC", "suspend": False,
                 "jobTemplate": {"spec": {"template": template(("backup", "restic:0.16"))}}},
        "status": {"active": [{"kind": "Job", "name": "backup-1"}],
                   "lastScheduleTime": ago(minutes=3)}},
     ["backup", "*/5 * * * *", "Etc/UTC", "False", 1, "3m", "2d", "backup", "restic:0.16",
      "<none>"]),
    ("cronjob-minimal", "batch", "CronJob", {
        "metadata": meta("nightly"), "spec": {"schedule": "@daily"}},
     ["nightly", "@daily", "<none>", "<unset>", 0, "<none>", "2d", "", "", "<none>"]),
    ("lease", "coordination.k8s.io", "Lease", {
        "metadata": meta("node-1", "kube-node-lease"),
        "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40}},
     ["node-1", "node-1", "2d"]),
    ("lease-free", "coordination.k8s.io", "Lease", {"metadata": meta("lock"), "spec": {}},
     ["lock", "", "2d"]),
    ("endpointslice", "discovery.k8s.io", "EndpointSlice", {
        "metadata": meta("web-abc12"), "addressType": "IPv4",
        "ports": [{"name": "http", "port": 80}, {"name": "metrics"}, {}],
        "endpoints": [{"addresses": ["10.0.0.1", "10.0.0.2"]},
                      {"addresses": ["10.0.0.3"]}, {"addresses": ["10.0.0.4"]}]},
     ["web-abc12", "IPv4", "80,metrics,*", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "2d"]),
    ("endpointslice-empty", "discovery.k8s.io", "EndpointSlice", {
        "metadata": meta("idle-x"), "addressType": "IPv6", "ports": [], "endpoints": []},
     ["idle-x", "IPv6", "<unset>", "<unset>", "2d"]),
    ("hpa", "autoscaling", "HorizontalPodAutoscaler", {
        "metadata": meta("web"),
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": "web"},
                 "minReplicas": 2, "maxReplicas": 10,
                 "metrics": [
                     {"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 80}}},
                     {"type": "Resource", "resource": {"name": "memory", "target": {
                         "type": "AverageValue", "averageValue": "512Mi"}}},
                     {"type": "Pods", "pods": {"metric": {"name": "packets"}, "target": {
                         "type": "AverageValue", "averageValue": "1k"}}}]},
        "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {
                "averageUtilization": 40, "averageValue": "200m"}}},
            {"type": "Resource", "resource": {"name": "memory", "current": {
                "averageValue": "300Mi"}}}]}},
     ["web", "Deployment/web", "cpu: 40%/80%, memory: 300Mi/512Mi + 1 more...", "2", 10, 3,
      "2d"]),
    ("hpa-no-metrics", "autoscaling", "HorizontalPodAutoscaler", {
        "metadata": meta("api"),
        "spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "api"}, "maxReplicas": 4}},
     ["api", "StatefulSet/api", "<none>", "<unset>", 4, 0, "2d"]),
    ("pdb-min-available", "policy", "PodDisruptionBudget", {
        "metadata": meta("web-pdb"), "spec": {"minAvailable": 2},
        "status": {"disruptionsAllowed": 1}},
     ["web-pdb", "2", "N/A", 1, "2d"]),
    ("pdb-max-unavailable", "policy", "PodDisruptionBudget", {
        "metadata": meta("db-pdb"), "spec": {"maxUnavailable": "25%"}},
     ["db-pdb", "N/A", "25%", 0, "2d"]),
]


@pytest.mark.parametrize(("group", "kind", "obj", "want"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_cells(group: str, kind: str, obj: dict, want: list) -> None:
    table = build_table(group, kind, [obj], NOW)
    cells = table["rows"][0]["cells"]
    assert cells == want, f"{kind} cells differ:\n got {cells}\nwant {want}"
    assert len(cells) == len(table["columnDefinitions"])


# Column names and priorities of kube-apiserver 1.32 ("*" marks priority 1, -o wide only).
COLUMNS = {
    ("", "Node"): "Name Status Roles Age Version *Internal-IP *External-IP *OS-Image "
                  "*Kernel-Version *Container-Runtime",
    ("", "Namespace"): "Name Status Age",
    ("", "Service"): "Name Type Cluster-IP External-IP Port(s) Age *Selector",
    ("", "Endpoints"): "Name Endpoints Age",
    ("", "Event"): "Last_Seen Type Reason Object *Subobject *Source Message *First_Seen *Count "
                   "*Name",
    ("", "ConfigMap"): "Name Data Age",
    ("", "Secret"): "Name Type Data Age",
    ("", "ServiceAccount"): "Name Secrets Age",
    ("", "PersistentVolume"): "Name Capacity Access_Modes Reclaim_Policy Status Claim "
                              "StorageClass VolumeAttributesClass Reason Age *VolumeMode",
    ("", "PersistentVolumeClaim"): "Name Status Volume Capacity Access_Modes StorageClass "
                                   "VolumeAttributesClass Age *VolumeMode",
    ("apps", "Deployment"): "Name Ready Up-to-date Available Age *Containers *Images *Selector",
    ("apps", "ReplicaSet"): "Name Desired Current Ready Age *Containers *Images *Selector",
    ("apps", "StatefulSet"): "Name Ready Age *Containers *Images",
    ("apps", "DaemonSet"): "Name Desired Current Ready Up-to-date Available Node_Selector Age "
                           "*Containers *Images *Selector",
    ("apps", "ControllerRevision"): "Name Controller Revision Age",
    ("batch", "Job"): "Name Status Completions Duration Age *Containers *Images *Selector",
    ("batch", "CronJob"): "Name Schedule Timezone Suspend Active Last_Schedule Age *Containers "
                          "*Images *Selector",
    ("coordination.k8s.io", "Lease"): "Name Holder Age",
    ("discovery.k8s.io", "EndpointSlice"): "Name AddressType Ports Endpoints Age",
    ("autoscaling", "HorizontalPodAutoscaler"): "Name Reference Targets MinPods MaxPods "
                                                "Replicas Age",
    ("policy", "PodDisruptionBudget"): "Name Min_Available Max_Unavailable "
                                       "Allowed_Disruptions Age",
    ("", "Pod"): "Name Ready Status Restarts Age *IP *Node *Nominated_Node *Readiness_Gates",
}


@pytest.mark.parametrize(("group", "kind"), sorted(COLUMNS), ids=lambda v: v or "core")
def test_column_names_and_priorities(group: str, kind: str) -> None:
    columns = build_table(group, kind, [], NOW)["columnDefinitions"]
    got = " ".join(("*" if c["priority"] else "") + c["name"].replace(" ", "_") for c in columns)
    assert got == COLUMNS[(group, kind)]
    assert all(c["description"] for c in columns), "every column documents itself"
    assert [c["format"] for c in columns if c["format"]] == ["name"], "one name column"


def test_every_served_kind_has_its_printer() -> None:
    served = {(t.group, t.kind) for t in default_registry()}
    assert served == set(PRINTERS) == set(COLUMNS)


@pytest.mark.parametrize("malformed", [
    {}, {"metadata": None, "spec": "x", "status": 3},
    {"metadata": {"name": 7, "creationTimestamp": "yesterday", "labels": []},
     "spec": {"containers": "none", "ports": [None, 5], "selector": {"matchLabels": "x"},
              "template": {"spec": {"containers": [None, {"name": 3}]}}, "replicas": "3"},
     "status": {"conditions": [None, "x"], "containerStatuses": [None, {"state": []}],
                "addresses": {}}},
], ids=["empty", "wrong-top-level-types", "wrong-nested-types"])
@pytest.mark.parametrize(("group", "kind"), sorted(COLUMNS), ids=lambda v: v or "core")
def test_malformed_objects_still_print_a_full_row(group: str, kind: str, malformed: dict) -> None:
    table = build_table(group, kind, [malformed], NOW)
    assert len(table["rows"][0]["cells"]) == len(table["columnDefinitions"])


HPA_METRICS = [
    ("cpu-no-status-yet", [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}], [],
     "cpu: <unknown>/50%"),
    ("utilization-target-missing", [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization"}}}], [], "cpu: <unknown>/<auto>"),
    ("container-resource", [{"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "app",
        "target": {"type": "Utilization", "averageUtilization": 60}}}],
     [{"type": "ContainerResource", "containerResource": {
         "name": "cpu", "container": "app", "current": {"averageUtilization": 75}}}],
     "cpu: 75%/60%"),
    ("external-average", [{"type": "External", "external": {
        "metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "30"}}}],
     [{"type": "External", "external": {"current": {"averageValue": "12"}}}], "12/30 (avg)"),
    ("object-value", [{"type": "Object", "object": {
        "metric": {"name": "rps"}, "target": {"type": "Value", "value": "10k"}}}],
     [{"type": "Object", "object": {"current": {"value": "2k"}}}], "2k/10k"),
    ("pods-no-status", [{"type": "Pods", "pods": {
        "metric": {"name": "x"}, "target": {"type": "AverageValue", "averageValue": "1"}}}], [],
     "<unknown>/1"),
    ("unknown-type-and-two-shown", [
        {"type": "Fancy"},
        {"type": "Resource", "resource": {"name": "cpu", "target": {"averageUtilization": 1}}},
        {"type": "Fancy"}], [], "<unknown type>, cpu: <unknown>/1% + 1 more..."),
]


@pytest.mark.parametrize(("metrics", "current", "want"), [c[1:] for c in HPA_METRICS],
                         ids=[c[0] for c in HPA_METRICS])
def test_hpa_targets(metrics: list, current: list, want: str) -> None:
    hpa = {"metadata": meta("h"), "spec": {"metrics": metrics, "maxReplicas": 3},
           "status": {"currentMetrics": current}}
    assert build_table("autoscaling", "HorizontalPodAutoscaler", [hpa], NOW)["rows"][0][
        "cells"][2] == want

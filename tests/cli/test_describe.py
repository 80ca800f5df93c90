"""``describe``: kubectl's layout (checked against recorded kubectl output), events, and the
requests it sends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.cli.describers import config, generic, namespaces, nodes, pods, services, workloads
from observe.cli.describers.writer import smart_label
from tests.cli.scripted import ScriptedApi, api_error, run_cli

NOW = datetime(2026, 11, 25, 0, 3, 1, tzinfo=UTC)
STARTED = "2026-11-25T00:02:51Z"
APP = {"name": "app", "image": "python:3.11", "command": ["python3", "-m", "http.server", "8000"],
       "ports": [{"name": "http", "containerPort": 8000}, {"name": "metrics",
                                                           "containerPort": 9000}],
       "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
SIDECAR = {"name": "sidecar", "image": "busybox"}
RUNNING = {"running": {"startedAt": STARTED}}
POD = {
    "metadata": {"name": "web-b810b1b8f3-34ee5", "namespace": "default", "uid": "p-1",
                 "labels": {"app": "web", "pod-template-hash": "b810b1b8f3"},
                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web-b810b1b8f3",
                                      "controller": True, "uid": "rs-1"}]},
    "spec": {"nodeName": "node-1", "containers": [APP, SIDECAR]},
    "status": {"phase": "Running", "hostIP": "127.0.0.1", "podIP": "10.42.0.21",
               "startTime": STARTED,
               "containerStatuses": [
                   {"name": "app", "ready": True, "restartCount": 0, "state": RUNNING,
                    "image": "python:3.11", "imageID": "", "containerID": ""},
                   {"name": "sidecar", "ready": True, "restartCount": 0, "state": RUNNING,
                    "image": "busybox", "imageID": "", "containerID": ""}]},
}

# Recorded from kubectl 1.20 describing the same pod (reference kubectl-requests.txt);
# "$" marks the end of a line that ends in spaces.
RECORDED_POD = """\
Name:           web-b810b1b8f3-34ee5
Namespace:      default
Node:           node-1/127.0.0.1
Start Time:     Wed, 25 Nov 2026 00:02:51 +0000
Labels:         app=web
                pod-template-hash=b810b1b8f3
Annotations:    <none>
Status:         Running
IP:             10.42.0.21
IPs:            <none>
Controlled By:  ReplicaSet/web-b810b1b8f3
Containers:
  app:
    Container ID:  $
    Image:         python:3.11
    Image ID:      $
    Ports:         8000/, 9000/
    Host Ports:    0/, 0/
    Command:
      python3
      -m
      http.server
      8000
    State:          Running
      Started:      Wed, 25 Nov 2026 00:02:51 +0000
    Ready:          True
    Restart Count:  0
    Environment:
      A:     1
      B:     2
    Mounts:  <none>
  sidecar:
    Container ID:   $
    Image:          busybox
    Image ID:       $
    Port:           <none>
    Host Port:      <none>
    State:          Running
      Started:      Wed, 25 Nov 2026 00:02:51 +0000
""".replace("$\n", "\n")

DEPLOYMENT = {
    "metadata": {"name": "web", "namespace": "default", "uid": "d-1",
                 "creationTimestamp": "2026-11-25T00:02:50Z", "labels": {"app": "web"},
                 "annotations": {"deployment.kubernetes.io/revision": "3",
                                 "kubectl.kubernetes.io/last-applied-configuration": "{}\n"}},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [APP, SIDECAR]}}},
    "status": {"replicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
               "conditions": [
                   {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                   {"type": "Progressing", "status": "True",
                    "reason": "NewReplicaSetAvailable"}]},
}
NEW_RS = {"metadata": {"name": "web-b810b1b8f3", "creationTimestamp": "2026-11-25T00:02:50Z",
                       "ownerReferences": [{"uid": "d-1", "controller": True}]},
          "spec": {"replicas": 3, "template": {
              "metadata": {"labels": {"app": "web", "pod-template-hash": "b810b1b8f3"}},
              "spec": {"containers": [APP, SIDECAR]}}},
          "status": {"replicas": 3}}

RECORDED_DEPLOYMENT = """\
Name:               web
Namespace:          default
CreationTimestamp:  Wed, 25 Nov 2026 00:02:50 +0000
Labels:             app=web
Annotations:        deployment.kubernetes.io/revision: 3
Selector:           app=web
Replicas:           3 desired | 3 updated | 3 total | 3 available | 0 unavailable
StrategyType:       $
MinReadySeconds:    0
Pod Template:
  Labels:  app=web
  Containers:
   app:
    Image:       python:3.11
    Ports:       8000/, 9000/
    Host Ports:  0/, 0/
    Command:
      python3
      -m
      http.server
      8000
    Environment:
      A:     1
      B:     2
    Mounts:  <none>
   sidecar:
    Image:        busybox
    Port:         <none>
    Host Port:    <none>
    Environment:  <none>
    Mounts:       <none>
  Volumes:        <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  <none>
NewReplicaSet:   web-b810b1b8f3 (3/3 replicas created)
""".replace("$\n", "\n")


def test_pod_layout_matches_kubectl() -> None:
    # The recording stops after the sidecar's start time; the rest is the same layout.
    assert pods.render(POD, {}, NOW) == RECORDED_POD + (
        "    Ready:          True\n"
        "    Restart Count:  0\n"
        "    Environment:    <none>\n"
        "    Mounts:         <none>\n"
        "Volumes:            <none>\n"
        "QoS Class:          BestEffort\n"
        "Node-Selectors:     <none>\n"
        "Tolerations:        <none>\n")


def test_deployment_layout_matches_kubectl() -> None:
    text = workloads.render_deployment(DEPLOYMENT, {"replicasets": [NEW_RS], "events": []}, NOW)
    # kubectl 1.32 adds Node-Selectors and Tolerations to the pod template, which widens
    # the column block they share with the sidecar's fields; the rest is as 1.20 printed it.
    recorded_132 = RECORDED_DEPLOYMENT.replace(
        "    Image:        busybox\n"
        "    Port:         <none>\n"
        "    Host Port:    <none>\n"
        "    Environment:  <none>\n"
        "    Mounts:       <none>\n"
        "  Volumes:        <none>\n",
        "    Image:         busybox\n"
        "    Port:          <none>\n"
        "    Host Port:     <none>\n"
        "    Environment:   <none>\n"
        "    Mounts:        <none>\n"
        "  Volumes:         <none>\n"
        "  Node-Selectors:  <none>\n"
        "  Tolerations:     <none>\n")
    assert text == recorded_132 + "Events:          <none>\n"


def test_deployment_without_replicasets_omits_them() -> None:
    text = workloads.render_deployment(DEPLOYMENT, {"replicasets": []}, NOW)
    assert "OldReplicaSets" not in text
    assert "NewReplicaSet:" not in text


def test_events_table_with_repeats() -> None:
    events = [
        {"type": "Warning", "reason": "BackOff", "message": "Back-off restarting\n",
         "source": {"component": "kubelet"}, "count": 4,
         "firstTimestamp": "2026-11-25T00:00:01Z", "lastTimestamp": "2026-11-25T00:03:00Z"},
        {"type": "Normal", "reason": "Scheduled", "message": "Successfully assigned",
         "source": {"component": "default-scheduler"},
         "firstTimestamp": "2026-11-25T00:00:00Z", "lastTimestamp": "2026-11-25T00:00:00Z"},
    ]
    text = pods.render(POD, {"events": events}, NOW)
    assert text.endswith(
        "Events:\n"
        "  Type     Reason     Age              From               Message\n"
        "  ----     ------     ----             ----               -------\n"
        "  Normal   Scheduled  3m1s             default-scheduler  Successfully assigned\n"
        "  Warning  BackOff    1s (x4 over 3m)  kubelet            Back-off restarting\n")


def test_replicaset_counts_pods_by_phase() -> None:
    rs = {**NEW_RS, "metadata": {**NEW_RS["metadata"], "namespace": "default",
                                 "ownerReferences": [{"kind": "Deployment", "name": "web",
                                                      "uid": "d-1", "controller": True}]},
          "spec": {**NEW_RS["spec"], "selector": {"matchLabels": {"app": "web"}}}}
    pods_ = [{"status": {"phase": p}} for p in ("Running", "Running", "Pending", "Failed")]
    text = workloads.render_replicaset(rs, {"pods": pods_}, NOW)
    assert "Controlled By:  Deployment/web\n" in text
    assert "Replicas:       3 current / 3 desired\n" in text
    assert "Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 1 Failed\n" in text


def test_service_shows_ports_and_endpoints() -> None:
    svc = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                    "selector": {"app": "web"}, "sessionAffinity": "None",
                    "ports": [{"name": "http", "port": 80, "targetPort": 8000,
                               "protocol": "TCP"}]}}
    endpoints = {"subsets": [{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 6)],
                              "ports": [{"name": "http", "port": 8000}]}]}
    text = services.render(svc, {"endpoints": endpoints, "events": []}, NOW)
    assert text == (
        "Name:              web\n"
        "Namespace:         default\n"
        "Labels:            <none>\n"
        "Annotations:       <none>\n"
        "Selector:          app=web\n"
        "Type:              ClusterIP\n"
        "IP:                10.96.0.10\n"
        "IPs:               10.96.0.10\n"
        "Port:              http  80/TCP\n"
        "TargetPort:        8000/TCP\n"
        "Endpoints:         10.0.0.1:8000,10.0.0.2:8000,10.0.0.3:8000 + 2 more...\n"
        "Session Affinity:  None\n"
        "Events:            <none>\n")


def test_node_sums_requests_of_its_pods() -> None:
    node = {"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/worker": ""}},
            "status": {"allocatable": {"cpu": "2", "memory": "1Gi"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "ok"}],
                       "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                       "nodeInfo": {"kubeletVersion": "v1.32.0"}}}
    pod = {"metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"resources": {"requests": {"cpu": "250m", "memory": "256Mi"},
                                                  "limits": {"memory": "512Mi"}}},
                                   {"resources": {"requests": {"cpu": "250m"}}}]}}
    text = nodes.render(node, {"pods": [pod]}, NOW)
    assert "Roles:              worker\n" in text
    assert "  InternalIP:  127.0.0.1\n" in text
    assert "Non-terminated Pods:          (1 in total)\n" in text
    assert "  cpu                500m (25%)   0 (0%)\n" in text
    assert "  memory             256Mi (25%)  512Mi (50%)\n" in text
    assert "  Kubelet Version:            v1.32.0\n" in text


@pytest.mark.parametrize(
    ("field", "want"),
    [("creationTimestamp", "Creation Timestamp"), ("apiVersion", "API Version"),
     ("uid", "UID"), ("podIPs", "Pod I Ps"), ("resourceVersion", "Resource Version"),
     ("data", "Data"), ("ca.crt", "ca.crt"), ("hostIP", "Host IP")],
)
def test_smart_label(field: str, want: str) -> None:
    assert smart_label(field) == want


def test_generic_describes_every_field() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "c", "namespace": "default", "uid": "u"},
          "data": {"key": "value"}}
    assert generic.render(cm, {"events": []}, NOW) == (
        "Name:         c\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "API Version:  v1\n"
        "Data:\n"
        "  Key:  value\n"
        "Kind:   ConfigMap\n"
        "Metadata:\n"
        "  UID:   u\n"
        "Events:  <none>\n")


def test_describe_fetches_object_and_events_like_kubectl() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", "/api/v1/namespaces/default/pods/web-b810b1b8f3-34ee5", POD)
    api.on("GET", "/api/v1/namespaces/default/events", {"items": []})
    result = run_cli(api, "describe", "pod", "web-b810b1b8f3-34ee5")
    assert result.code == 0
    assert result.out.startswith("Name:           web-b810b1b8f3-34ee5\n")
    assert result.out.endswith("Events:             <none>\n")
    events = api.requests()[-1]
    assert events.params["fieldSelector"] == (
        "involvedObject.name=web-b810b1b8f3-34ee5,involvedObject.namespace=default,"
        "involvedObject.uid=p-1")


def test_describe_falls_back_to_name_prefix_and_reports_not_found() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", "/api/v1/namespaces/default/pods/web",
           api_error(404, "NotFound", 'pods "web" not found'))
    api.on("GET", "/api/v1/namespaces/default/pods", {"items": [POD]})
    api.on("GET", "/api/v1/namespaces/default/events", {"items": []})
    assert run_cli(api, "describe", "pods", "web").out.startswith(
        "Name:           web-b810b1b8f3-34ee5")
    api.on("GET", "/api/v1/namespaces/default/pods/nomatch",
           api_error(404, "NotFound", 'pods "nomatch" not found'))
    missing = run_cli(api, "describe", "pods", "nomatch")
    assert (missing.code, missing.err) == (
        1, 'Error from server (NotFound): pods "nomatch" not found\n')


def test_configmap_secret_and_namespace_describers() -> None:
    cm = {"metadata": {"name": "c", "namespace": "default"},
          "data": {"a": "b", "long": "line1\nline2\n"}, "binaryData": {"bin": "AAEC"}}
    assert config.render_configmap(cm, {"events": []}, NOW) == (
        "Name:         c\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n"
        "\nData\n====\na:\n----\nb\n\nlong:\n----\nline1\nline2\n\n\n\n"
        "BinaryData\n====\nbin: 3 bytes\n\nEvents:  <none>\n")
    secret = {"metadata": {"name": "s", "namespace": "default"}, "type": "Opaque",
              "data": {"password": "c2VjcmV0"}}
    text = config.render_secret(secret, {}, NOW)
    assert text.endswith("\nType:  Opaque\n\nData\n====\npassword:  6 bytes\n")
    assert "c2VjcmV0" not in text and "secret" not in text.split("Data")[1]
    ns = {"metadata": {"name": "team", "labels": {"kubernetes.io/metadata.name": "team"}},
          "status": {"phase": "Active"}}
    assert namespaces.render(ns, {}, NOW) == (
        "Name:         team\nLabels:       kubernetes.io/metadata.name=team\n"
        "Annotations:  <none>\nStatus:       Active\n")


def test_node_without_a_lease_says_why() -> None:
    text = nodes.render({"metadata": {"name": "n1"}},
                        {"lease_error": 'leases.coordination.k8s.io "n1" not found'}, NOW)
    assert 'Lease:              Failed to get lease: leases.coordination.k8s.io "n1" not ' \
        "found\n" in text


def test_downward_api_environment_is_resolved_against_the_pod() -> None:
    pod = {**POD, "spec": {**POD["spec"], "containers": [
        {"name": "app", "image": "x", "env": [
            {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {
                "fieldPath": "metadata.labels['app']"}}},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "s", "key": "pw"}}}]}]}}
    text = pods.render(pod, {}, NOW)
    # These lines share a column block with the pod-level fields below them.
    assert "      NAME:      web-b810b1b8f3-34ee5 (v1:metadata.name)\n" in text
    assert "      APP:       web (v1:metadata.labels['app'])\n" in text
    assert "      PW:        <set to the key 'pw' in secret 's'>  Optional: false\n" in text

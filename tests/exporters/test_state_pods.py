"""kube_pod_* exactly as kube-state-metrics writes them, for realistic pods."""

from __future__ import annotations

import copy

import pytest

from exporters.state.metrics.kind import MetricOptions
from exporters.state.metrics.pods import KIND
from exporters.state.testing import exposition, series

ID = 'namespace="shop",pod="web-7d4b9c-x2x9z",uid="6f1c2a9e-0b7d-4c3e-9a51-3f2e8d7c6b5a"'
STARTED = "2024-05-01T10:00:00Z"  # 1714557600

# A Deployment's pod whose app container was OOM-killed three times and now runs again,
# next to a sidecar that crashes in a loop.
OOM_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {
        "name": "web-7d4b9c-x2x9z", "namespace": "shop",
        "uid": "6f1c2a9e-0b7d-4c3e-9a51-3f2e8d7c6b5a", "resourceVersion": "4711",
        "creationTimestamp": "2024-05-01T09:59:58Z",
        "labels": {"app": "web", "pod-template-hash": "7d4b9c"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c",
                             "uid": "r1", "controller": True, "blockOwnerDeletion": True}]},
    "spec": {
        "nodeName": "node-1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "serviceAccountName": "default", "priorityClassName": "high",
        "containers": [
            {"name": "app", "image": "shop/web:1.2",
             "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                           "limits": {"cpu": "1", "memory": "128Mi"}}},
            {"name": "proxy", "image": "envoy:1.30",
             "resources": {"requests": {"cpu": "50m", "ephemeral-storage": "1Gi",
                                        "example.com/dongle": "2"}}}],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "web-data",
                                                               "readOnly": True}}],
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                         "effect": "NoExecute", "tolerationSeconds": 300}]},
    "status": {
        "phase": "Running", "qosClass": "Burstable", "hostIP": "10.0.0.1",
        "podIP": "10.1.0.7", "podIPs": [{"ip": "10.1.0.7"}], "startTime": STARTED,
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": STARTED},
            {"type": "Ready", "status": "False", "lastTransitionTime": "2024-05-01T10:05:00Z",
             "reason": "ContainersNotReady"},
            {"type": "ContainersReady", "status": "False",
             "lastTransitionTime": "2024-05-01T10:05:00Z"},
            {"type": "PodScheduled", "status": "True",
             "lastTransitionTime": "2024-05-01T09:59:59Z"}],
        "containerStatuses": [
            {"name": "app", "ready": True, "restartCount": 3, "image": "shop/web:1.2",
             "imageID": "shop/web@sha256:aa", "containerID": "observe://c1",
             "state": {"running": {"startedAt": "2024-05-01T10:04:00Z"}},
             "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                          "startedAt": "2024-05-01T10:02:00Z",
                                          "finishedAt": "2024-05-01T10:03:59Z"}}},
            {"name": "proxy", "ready": False, "restartCount": 5, "image": "envoy:1.30",
             "imageID": "", "containerID": "observe://c2",
             "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s"}},
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                          "startedAt": "2024-05-01T10:04:30Z",
                                          "finishedAt": "2024-05-01T10:04:31Z"}}}]},
}


def lines(pod: dict, *names: str, options: MetricOptions | None = None) -> list[str]:
    text = exposition(KIND, pod, options) if options else exposition(KIND, pod)
    return series(text, *names)


def test_oom_killed_container_shows_restarts_and_last_termination() -> None:
    assert lines(OOM_POD, "kube_pod_container_status_restarts_total",
                 "kube_pod_container_status_last_terminated_reason",
                 "kube_pod_container_status_last_terminated_exitcode",
                 "kube_pod_container_status_last_terminated_timestamp") == [
        f'kube_pod_container_status_last_terminated_reason{{{ID},container="app",'
        'reason="OOMKilled"} 1',
        f'kube_pod_container_status_last_terminated_reason{{{ID},container="proxy",'
        'reason="Error"} 1',
        f'kube_pod_container_status_last_terminated_exitcode{{{ID},container="app"}} 137',
        f'kube_pod_container_status_last_terminated_exitcode{{{ID},container="proxy"}} 1',
        f'kube_pod_container_status_last_terminated_timestamp{{{ID},container="app"}} '
        '1.714557839e+09',
        f'kube_pod_container_status_last_terminated_timestamp{{{ID},container="proxy"}} '
        '1.714557871e+09',
        f'kube_pod_container_status_restarts_total{{{ID},container="app"}} 3',
        f'kube_pod_container_status_restarts_total{{{ID},container="proxy"}} 5',
    ]


def test_requests_and_limits_carry_resource_and_unit() -> None:
    assert lines(OOM_POD, "kube_pod_container_resource_requests",
                 "kube_pod_container_resource_limits") == [
        f'kube_pod_container_resource_limits{{{ID},container="app",node="node-1",'
        'resource="cpu",unit="core"} 1',
        f'kube_pod_container_resource_limits{{{ID},container="app",node="node-1",'
        'resource="memory",unit="byte"} 1.34217728e+08',
        f'kube_pod_container_resource_requests{{{ID},container="app",node="node-1",'
        'resource="cpu",unit="core"} 0.25',
        f'kube_pod_container_resource_requests{{{ID},container="app",node="node-1",'
        'resource="memory",unit="byte"} 6.7108864e+07',
        f'kube_pod_container_resource_requests{{{ID},container="proxy",node="node-1",'
        'resource="cpu",unit="core"} 0.05',
        f'kube_pod_container_resource_requests{{{ID},container="proxy",node="node-1",'
        'resource="ephemeral_storage",unit="byte"} 1.073741824e+09',
        f'kube_pod_container_resource_requests{{{ID},container="proxy",node="node-1",'
        'resource="example_com_dongle",unit="integer"} 2',
    ]


def test_container_states() -> None:
    assert lines(OOM_POD, "kube_pod_container_status_running",
                 "kube_pod_container_status_waiting", "kube_pod_container_status_waiting_reason",
                 "kube_pod_container_status_terminated", "kube_pod_container_status_ready",
                 "kube_pod_container_state_started") == [
        f'kube_pod_container_state_started{{{ID},container="app"}} 1.71455784e+09',
        f'kube_pod_container_status_ready{{{ID},container="app"}} 1',
        f'kube_pod_container_status_ready{{{ID},container="proxy"}} 0',
        f'kube_pod_container_status_running{{{ID},container="app"}} 1',
        f'kube_pod_container_status_running{{{ID},container="proxy"}} 0',
        f'kube_pod_container_status_terminated{{{ID},container="app"}} 0',
        f'kube_pod_container_status_terminated{{{ID},container="proxy"}} 0',
        f'kube_pod_container_status_waiting{{{ID},container="app"}} 0',
        f'kube_pod_container_status_waiting{{{ID},container="proxy"}} 1',
        f'kube_pod_container_status_waiting_reason{{{ID},container="proxy",'
        'reason="CrashLoopBackOff"} 1',
    ]


def test_pod_level_state() -> None:
    assert lines(OOM_POD, "kube_pod_info", "kube_pod_owner", "kube_pod_status_phase",
                 "kube_pod_status_ready", "kube_pod_status_scheduled", "kube_pod_start_time",
                 "kube_pod_created", "kube_pod_status_scheduled_time",
                 "kube_pod_container_info") == [
        f'kube_pod_container_info{{{ID},container="app",image_spec="shop/web:1.2",'
        'image="shop/web:1.2",image_id="shop/web@sha256:aa",container_id="observe://c1"} 1',
        f'kube_pod_container_info{{{ID},container="proxy",image_spec="envoy:1.30",'
        'image="envoy:1.30",image_id="",container_id="observe://c2"} 1',
        f'kube_pod_created{{{ID}}} 1.714557598e+09',
        f'kube_pod_info{{{ID},host_ip="10.0.0.1",pod_ip="10.1.0.7",node="node-1",'
        'created_by_kind="ReplicaSet",created_by_name="web-7d4b9c",priority_class="high",'
        'host_network="false"} 1',
        f'kube_pod_owner{{{ID},owner_kind="ReplicaSet",owner_name="web-7d4b9c",'
        'owner_is_controller="true"} 1',
        f'kube_pod_start_time{{{ID}}} 1.7145576e+09',
        f'kube_pod_status_phase{{{ID},phase="Pending"}} 0',
        f'kube_pod_status_phase{{{ID},phase="Succeeded"}} 0',
        f'kube_pod_status_phase{{{ID},phase="Failed"}} 0',
        f'kube_pod_status_phase{{{ID},phase="Unknown"}} 0',
        f'kube_pod_status_phase{{{ID},phase="Running"}} 1',
        f'kube_pod_status_ready{{{ID},condition="true"}} 0',
        f'kube_pod_status_ready{{{ID},condition="false"}} 1',
        f'kube_pod_status_ready{{{ID},condition="unknown"}} 0',
        f'kube_pod_status_scheduled{{{ID},condition="true"}} 1',
        f'kube_pod_status_scheduled{{{ID},condition="false"}} 0',
        f'kube_pod_status_scheduled{{{ID},condition="unknown"}} 0',
        f'kube_pod_status_scheduled_time{{{ID}}} 1.714557599e+09',
    ]


def test_volumes_tolerations_and_spec_labels() -> None:
    assert lines(OOM_POD, "kube_pod_spec_volumes_persistentvolumeclaims_info",
                 "kube_pod_spec_volumes_persistentvolumeclaims_readonly", "kube_pod_tolerations",
                 "kube_pod_restart_policy", "kube_pod_service_account", "kube_pod_ips") == [
        f'kube_pod_ips{{{ID},ip="10.1.0.7",ip_family="4"}} 1',
        f'kube_pod_restart_policy{{{ID},type="Always"}} 1',
        f'kube_pod_spec_volumes_persistentvolumeclaims_info{{{ID},volume="data",'
        'persistentvolumeclaim="web-data"} 1',
        f'kube_pod_spec_volumes_persistentvolumeclaims_readonly{{{ID},volume="data",'
        'persistentvolumeclaim="web-data"} 1',
        f'kube_pod_tolerations{{{ID},key="node.kubernetes.io/not-ready",operator="Exists",'
        'value="",effect="NoExecute",toleration_seconds="300"} 1',
        f'kube_pod_service_account{{{ID},service_account="default"}} 1',
    ]


def test_headers_are_written_in_ksm_order_even_for_families_without_series() -> None:
    text = exposition(KIND, OOM_POD)
    helps = [line.split()[2] for line in text.splitlines() if line.startswith("# HELP")]
    assert helps[:4] == ["kube_pod_completion_time", "kube_pod_container_info",
                         "kube_pod_container_resource_limits",
                         "kube_pod_container_resource_requests"]
    assert "kube_pod_labels" in helps and "kube_pod_init_container_info" in helps
    assert "# HELP kube_pod_container_status_restarts_total [STABLE] The number of container " \
           "restarts per container.\n# TYPE kube_pod_container_status_restarts_total counter\n" \
           in text
    assert "# HELP kube_pod_ips Pod IP addresses\n" in text  # not stable: no prefix


def test_labels_metric_needs_an_allowlist() -> None:
    assert lines(OOM_POD, "kube_pod_labels") == []
    allowed = MetricOptions({"pods": ("app", "missing")}, {})
    assert lines(OOM_POD, "kube_pod_labels", options=allowed) == [
        f'kube_pod_labels{{{ID},label_app="web"}} 1']
    everything = MetricOptions({"*": ("*",)}, {})
    assert lines(OOM_POD, "kube_pod_labels", options=everything) == [
        f'kube_pod_labels{{{ID},label_app="web",label_pod_template_hash="7d4b9c"}} 1']


def completed(pod: dict) -> dict:
    done = copy.deepcopy(pod)
    done["status"]["phase"] = "Succeeded"
    for cs in done["status"]["containerStatuses"]:
        cs["state"] = {"terminated": {"exitCode": 0, "reason": "Completed",
                                      "startedAt": "2024-05-01T11:00:00Z",
                                      "finishedAt": "2024-05-01T12:00:00Z"}}
    return done


@pytest.mark.parametrize(("pod", "names", "expected"), [
    (completed(OOM_POD), ("kube_pod_completion_time",),
     [f"kube_pod_completion_time{{{ID}}} 1.7145648e+09"]),
    (completed(OOM_POD), ("kube_pod_container_status_terminated_reason",),
     [f'kube_pod_container_status_terminated_reason{{{ID},container="app",'
      'reason="Completed"} 1',
      f'kube_pod_container_status_terminated_reason{{{ID},container="proxy",'
      'reason="Completed"} 1']),
    ({**OOM_POD, "status": {"reason": "Evicted", "phase": "Failed"}},
     ("kube_pod_status_reason",),
     [f'kube_pod_status_reason{{{ID},reason="Evicted"}} 1',
      f'kube_pod_status_reason{{{ID},reason="NodeAffinity"}} 0',
      f'kube_pod_status_reason{{{ID},reason="NodeLost"}} 0',
      f'kube_pod_status_reason{{{ID},reason="Shutdown"}} 0',
      f'kube_pod_status_reason{{{ID},reason="UnexpectedAdmissionError"}} 0']),
    ({**OOM_POD, "status": {}}, ("kube_pod_status_phase", "kube_pod_container_status_running"),
     []),
    ({**OOM_POD, "metadata": {**OOM_POD["metadata"], "ownerReferences": []}},
     ("kube_pod_owner",),
     [f'kube_pod_owner{{{ID},owner_kind="",owner_name="",owner_is_controller=""}} 1']),
    ({**OOM_POD, "status": {"conditions": [{"type": "PodScheduled", "status": "False",
                                            "reason": "Unschedulable",
                                            "lastTransitionTime": STARTED}]}},
     ("kube_pod_status_unschedulable", "kube_pod_status_unscheduled_time"),
     [f"kube_pod_status_unschedulable{{{ID}}} 1",
      f"kube_pod_status_unscheduled_time{{{ID}}} 1.7145576e+09"]),
])
def test_pod_variants(pod: dict, names: tuple[str, ...], expected: list[str]) -> None:
    assert lines(pod, *names) == expected


def test_init_containers_have_their_own_families() -> None:
    pod = copy.deepcopy(OOM_POD)
    pod["spec"]["initContainers"] = [{"name": "migrate", "image": "shop/migrate:1",
                                      "restartPolicy": "Always",
                                      "resources": {"limits": {"memory": "32Mi"}}}]
    pod["status"]["initContainerStatuses"] = [
        {"name": "migrate", "ready": True, "restartCount": 1, "image": "shop/migrate:1",
         "imageID": "", "containerID": "observe://i1",
         "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                  "startedAt": STARTED, "finishedAt": STARTED}}}]
    assert lines(pod, "kube_pod_init_container_info", "kube_pod_init_container_status_terminated",
                 "kube_pod_init_container_status_restarts_total",
                 "kube_pod_init_container_resource_limits") == [
        f'kube_pod_init_container_info{{{ID},container="migrate",image_spec="shop/migrate:1",'
        'image="shop/migrate:1",image_id="",container_id="observe://i1",'
        'restart_policy="Always"} 1',
        f'kube_pod_init_container_resource_limits{{{ID},container="migrate",node="node-1",'
        'resource="memory",unit="byte"} 3.3554432e+07',
        f'kube_pod_init_container_status_restarts_total{{{ID},container="migrate"}} 1',
        f'kube_pod_init_container_status_terminated{{{ID},container="migrate"}} 1',
    ]


def test_odd_values_do_not_break_the_pod() -> None:
    pod = copy.deepcopy(OOM_POD)
    pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots"
    pod["status"]["startTime"] = "yesterday"
    pod["status"]["containerStatuses"][0]["restartCount"] = "3"
    text = exposition(KIND, pod)
    assert series(text, "kube_pod_start_time") == []
    assert f'kube_pod_container_status_restarts_total{{{ID},container="app"}} 0' in text
    assert not any('resource="cpu"' in line and 'container="app"' in line
                   for line in series(text, "kube_pod_container_resource_requests"))

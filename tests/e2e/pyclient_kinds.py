"""Every kind of the registry as the official ``kubernetes`` Python client builds it.

The end-to-end tests of :mod:`tests.e2e.test_python_client` drive the real apiserver through
the client's typed API classes. This module holds, per kind, what those tests need and nothing
about how they run: a typed model to create, a strategic-merge patch with the effect it must
have, and, for kinds with a ``status`` subresource, a status such as a real controller, kubelet
or node would write. :class:`Methods` turns the client's method naming
(``create_namespaced_pod``, ``list_node``, ``read_namespace_status``, ...) into calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kubernetes import client as k

SINCE = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
IMAGE = "registry.local/web:1.0"
IMAGE_ID = ("registry.local/web@sha256:"
            "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945")
NODE_NAME = "node-1"


# -- shared pieces of objects --------------------------------------------------------------------

def meta(name: str, namespace: str | None, labels: dict[str, str] | None = None
         ) -> k.V1ObjectMeta:
    return k.V1ObjectMeta(name=name, namespace=namespace, labels=labels or {"app": name})


def container(image: str = IMAGE) -> k.V1Container:
    return k.V1Container(
        name="app", image=image,
        ports=[k.V1ContainerPort(name="http", container_port=8000, protocol="TCP")],
        env=[k.V1EnvVar(name="LOG_LEVEL", value="info")],
        resources=k.V1ResourceRequirements(requests={"cpu": "100m", "memory": "64Mi"},
                                           limits={"memory": "128Mi"}))


def pod_template(labels: dict[str, str], restart_policy: str = "Always"
                 ) -> k.V1PodTemplateSpec:
    return k.V1PodTemplateSpec(
        metadata=k.V1ObjectMeta(labels=labels),
        spec=k.V1PodSpec(containers=[container()], restart_policy=restart_policy))


def selector(labels: dict[str, str]) -> k.V1LabelSelector:
    return k.V1LabelSelector(match_labels=labels)


def condition(model: type, kind: str, status: str = "True", **extra: Any) -> Any:
    return model(type=kind, status=status, last_transition_time=SINCE, **extra)


def owner(kind: str, name: str, api_version: str = "apps/v1") -> k.V1OwnerReference:
    return k.V1OwnerReference(api_version=api_version, kind=kind, name=name,
                              uid="0c4f4e42-5d4b-4b8f-9c57-1b8d2d0c8a11", controller=True,
                              block_owner_deletion=True)


# -- realistic statuses ----------------------------------------------------------------------------

def running_pod_status(_: Any) -> k.V1PodStatus:
    """What a kubelet reports for a pod whose one container runs and is ready."""
    return k.V1PodStatus(
        phase="Running", qos_class="Burstable", host_ip="127.0.0.1",
        host_ips=[k.V1HostIP(ip="127.0.0.1")], pod_ip="127.0.1.7",
        pod_ips=[k.V1PodIP(ip="127.0.1.7")], start_time=SINCE,
        conditions=[condition(k.V1PodCondition, t) for t in
                    ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                     "PodScheduled")],
        container_statuses=[k.V1ContainerStatus(
            name="app", image=IMAGE, image_id=IMAGE_ID, ready=True, started=True,
            restart_count=1, container_id="observe://6f1d2c3b4a59",
            state=k.V1ContainerState(running=k.V1ContainerStateRunning(started_at=SINCE)),
            last_state=k.V1ContainerState(terminated=k.V1ContainerStateTerminated(
                exit_code=137, reason="OOMKilled", started_at=SINCE, finished_at=SINCE,
                container_id="observe://0a1b2c3d4e5f")))])


def ready_node_status(_: Any) -> k.V1NodeStatus:
    """What a kubelet reports for a healthy node."""
    return k.V1NodeStatus(
        capacity={"cpu": "4", "memory": "8023480Ki", "pods": "110",
                  "ephemeral-storage": "102626232Ki"},
        allocatable={"cpu": "3800m", "memory": "7821080Ki", "pods": "110",
                     "ephemeral-storage": "94580335255"},
        conditions=[condition(k.V1NodeCondition, t, "False", reason=f"KubeletHas{r}",
                              message="kubelet is healthy", last_heartbeat_time=SINCE)
                    for t, r in (("MemoryPressure", "SufficientMemory"),
                                 ("DiskPressure", "NoDiskPressure"),
                                 ("PIDPressure", "SufficientPID"))]
        + [condition(k.V1NodeCondition, "Ready", reason="KubeletReady",
                     message="kubelet is posting ready status", last_heartbeat_time=SINCE)],
        addresses=[k.V1NodeAddress(type="InternalIP", address="127.0.0.1"),
                   k.V1NodeAddress(type="Hostname", address=NODE_NAME)],
        daemon_endpoints=k.V1NodeDaemonEndpoints(
            kubelet_endpoint=k.V1DaemonEndpoint(port=10250)),
        node_info=k.V1NodeSystemInfo(
            architecture="amd64", boot_id="5d1c3f0e-2a7b-4c7e-8f10-9b0a6e2d4c11",
            container_runtime_version="observe://0.1.0", kernel_version="6.1.0-18-amd64",
            kube_proxy_version="v1.32.4", kubelet_version="v1.32.4",
            machine_id="8c1f0a7e6b5d4c3b2a1908f7e6d5c4b3", operating_system="linux",
            os_image="Debian GNU/Linux 12 (bookworm)",
            system_uuid="8c1f0a7e-6b5d-4c3b-2a19-08f7e6d5c4b3"),
        images=[k.V1ContainerImage(names=[IMAGE_ID, IMAGE], size_bytes=52_428_800)])


def namespace_status(_: Any) -> k.V1NamespaceStatus:
    return k.V1NamespaceStatus(phase="Active")


def service_status(_: Any) -> k.V1ServiceStatus:
    return k.V1ServiceStatus(load_balancer=k.V1LoadBalancerStatus(
        ingress=[k.V1LoadBalancerIngress(ip="127.0.2.1", ip_mode="VIP")]))


def pv_status(_: Any) -> k.V1PersistentVolumeStatus:
    return k.V1PersistentVolumeStatus(phase="Bound", last_phase_transition_time=SINCE)


def pvc_status(_: Any) -> k.V1PersistentVolumeClaimStatus:
    return k.V1PersistentVolumeClaimStatus(phase="Bound", access_modes=["ReadWriteOnce"],
                                           capacity={"storage": "1Gi"})


def deployment_status(obj: Any) -> k.V1DeploymentStatus:
    return k.V1DeploymentStatus(
        observed_generation=obj.metadata.generation, replicas=2, updated_replicas=2,
        ready_replicas=2, available_replicas=2,
        conditions=[
            condition(k.V1DeploymentCondition, "Available", reason="MinimumReplicasAvailable",
                      message="Deployment has minimum availability.", last_update_time=SINCE),
            condition(k.V1DeploymentCondition, "Progressing", reason="NewReplicaSetAvailable",
                      message='ReplicaSet "web-5d8f" has successfully progressed.',
                      last_update_time=SINCE)])


def replicaset_status(obj: Any) -> k.V1ReplicaSetStatus:
    return k.V1ReplicaSetStatus(replicas=2, fully_labeled_replicas=2, ready_replicas=2,
                                available_replicas=2,
                                observed_generation=obj.metadata.generation)


def statefulset_status(obj: Any) -> k.V1StatefulSetStatus:
    return k.V1StatefulSetStatus(
        replicas=2, ready_replicas=2, current_replicas=2, updated_replicas=2,
        available_replicas=2, current_revision=f"{obj.metadata.name}-7f9c6d",
        update_revision=f"{obj.metadata.name}-7f9c6d", collision_count=0,
        observed_generation=obj.metadata.generation)


def daemonset_status(obj: Any) -> k.V1DaemonSetStatus:
    return k.V1DaemonSetStatus(
        current_number_scheduled=1, desired_number_scheduled=1, number_misscheduled=0,
        number_ready=1, number_available=1, updated_number_scheduled=1,
        observed_generation=obj.metadata.generation)


def job_status(_: Any) -> k.V1JobStatus:
    return k.V1JobStatus(
        start_time=SINCE, completion_time=SINCE, succeeded=1, failed=0, active=0,
        ready=0, terminating=0, completed_indexes=None,
        uncounted_terminated_pods=k.V1UncountedTerminatedPods(),
        conditions=[
            condition(k.V1JobCondition, "SuccessCriteriaMet", reason="CompletionsReached",
                      message="Reached expected number of succeeded pods",
                      last_probe_time=SINCE),
            condition(k.V1JobCondition, "Complete", reason="CompletionsReached",
                      message="Reached expected number of succeeded pods",
                      last_probe_time=SINCE)])


def cronjob_status(obj: Any) -> k.V1CronJobStatus:
    return k.V1CronJobStatus(
        last_schedule_time=SINCE, last_successful_time=SINCE,
        active=[k.V1ObjectReference(api_version="batch/v1", kind="Job",
                                    name=f"{obj.metadata.name}-29012345",
                                    namespace=obj.metadata.namespace,
                                    uid="3e0d7a52-0a2b-4f0e-9d4b-7c3a1f2e5d60",
                                    resource_version="1")])


def hpa_status(_: Any) -> k.V2HorizontalPodAutoscalerStatus:
    return k.V2HorizontalPodAutoscalerStatus(
        current_replicas=2, desired_replicas=3, last_scale_time=SINCE, observed_generation=1,
        current_metrics=[k.V2MetricStatus(type="Resource", resource=k.V2ResourceMetricStatus(
            name="cpu", current=k.V2MetricValueStatus(average_utilization=93,
                                                      average_value="186m")))],
        conditions=[
            condition(k.V2HorizontalPodAutoscalerCondition, "AbleToScale",
                      reason="SucceededRescale",
                      message="the HPA controller was able to update the target scale to 3"),
            condition(k.V2HorizontalPodAutoscalerCondition, "ScalingActive",
                      reason="ValidMetricFound",
                      message="the HPA was able to successfully calculate a replica count")])


def pdb_status(obj: Any) -> k.V1PodDisruptionBudgetStatus:
    return k.V1PodDisruptionBudgetStatus(
        current_healthy=2, desired_healthy=1, disruptions_allowed=1, expected_pods=2,
        observed_generation=obj.metadata.generation,
        disrupted_pods={"web-0": SINCE},
        conditions=[k.V1Condition(type="DisruptionAllowed", status="True",
                                  reason="SufficientPods", message="",
                                  last_transition_time=SINCE,
                                  observed_generation=obj.metadata.generation)])


# -- typed objects to create -------------------------------------------------------------------

def new_namespace(name: str, _: str | None) -> k.V1Namespace:
    return k.V1Namespace(metadata=meta(name, None))


def new_pod(name: str, namespace: str | None) -> k.V1Pod:
    return k.V1Pod(metadata=meta(name, namespace), spec=k.V1PodSpec(
        containers=[container()], termination_grace_period_seconds=5))


def new_node(name: str, _: str | None) -> k.V1Node:
    return k.V1Node(metadata=meta(name, None, {"kubernetes.io/hostname": name}),
                    spec=k.V1NodeSpec(pod_cidr="10.244.1.0/24", taints=[
                        k.V1Taint(key="dedicated", value="infra", effect="PreferNoSchedule")]))


def new_service(name: str, namespace: str | None) -> k.V1Service:
    return k.V1Service(metadata=meta(name, namespace), spec=k.V1ServiceSpec(
        selector={"app": name}, type="ClusterIP",
        ports=[k.V1ServicePort(name="http", port=80, target_port=8000, protocol="TCP"),
               k.V1ServicePort(name="https", port=443, target_port="https",
                               protocol="TCP")]))


def new_endpoints(name: str, namespace: str | None) -> k.V1Endpoints:
    return k.V1Endpoints(metadata=meta(name, namespace), subsets=[k.V1EndpointSubset(
        addresses=[k.V1EndpointAddress(ip="127.0.1.7", node_name=NODE_NAME,
                                       target_ref=k.V1ObjectReference(
                                           kind="Pod", name=f"{name}-0", namespace=namespace,
                                           uid="a2a1e5c0-4f3b-4e8e-8d7a-6b5c4d3e2f10"))],
        not_ready_addresses=[k.V1EndpointAddress(ip="127.0.1.8")],
        ports=[k.CoreV1EndpointPort(name="http", port=8000, protocol="TCP")])])


def new_event(name: str, namespace: str | None) -> k.CoreV1Event:
    return k.CoreV1Event(
        metadata=k.V1ObjectMeta(name=name, namespace=namespace),
        involved_object=k.V1ObjectReference(kind="Pod", name="web-0", namespace=namespace,
                                            api_version="v1", field_path="spec.containers{app}"),
        reason="BackOff", message="Back-off restarting failed container app",
        type="Warning", count=1, first_timestamp=SINCE, last_timestamp=SINCE,
        source=k.V1EventSource(component="kubelet", host=NODE_NAME),
        reporting_component="kubelet", reporting_instance=NODE_NAME)


def new_configmap(name: str, namespace: str | None) -> k.V1ConfigMap:
    return k.V1ConfigMap(metadata=meta(name, namespace), data={"a": "1"},
                         binary_data={"blob": "AAEC"})


def new_secret(name: str, namespace: str | None) -> k.V1Secret:
    return k.V1Secret(metadata=meta(name, namespace), type="Opaque",
                      data={"password": "czNjcmV0"})


def new_serviceaccount(name: str, namespace: str | None) -> k.V1ServiceAccount:
    return k.V1ServiceAccount(metadata=meta(name, namespace),
                              image_pull_secrets=[k.V1LocalObjectReference(name="registry")],
                              automount_service_account_token=False)


def new_pv(name: str, _: str | None) -> k.V1PersistentVolume:
    return k.V1PersistentVolume(metadata=meta(name, None), spec=k.V1PersistentVolumeSpec(
        capacity={"storage": "1Gi"}, access_modes=["ReadWriteOnce"],
        persistent_volume_reclaim_policy="Retain", storage_class_name="local",
        host_path=k.V1HostPathVolumeSource(path=f"/srv/volumes/{name}",
                                           type="DirectoryOrCreate")))


def new_pvc(name: str, namespace: str | None) -> k.V1PersistentVolumeClaim:
    return k.V1PersistentVolumeClaim(
        metadata=meta(name, namespace), spec=k.V1PersistentVolumeClaimSpec(
            access_modes=["ReadWriteOnce"], storage_class_name="local",
            resources=k.V1VolumeResourceRequirements(requests={"storage": "1Gi"})))


def new_deployment(name: str, namespace: str | None) -> k.V1Deployment:
    labels = {"app": name}
    return k.V1Deployment(metadata=meta(name, namespace), spec=k.V1DeploymentSpec(
        replicas=2, selector=selector(labels), template=pod_template(labels),
        strategy=k.V1DeploymentStrategy(type="RollingUpdate", rolling_update=(
            k.V1RollingUpdateDeployment(max_surge="25%", max_unavailable=0)))))


def new_replicaset(name: str, namespace: str | None) -> k.V1ReplicaSet:
    labels = {"app": name, "pod-template-hash": "5d8f"}
    obj_meta = meta(name, namespace, labels)
    obj_meta.owner_references = [owner("Deployment", name)]
    return k.V1ReplicaSet(metadata=obj_meta, spec=k.V1ReplicaSetSpec(
        replicas=2, selector=selector(labels), template=pod_template(labels)))


def new_statefulset(name: str, namespace: str | None) -> k.V1StatefulSet:
    labels = {"app": name}
    return k.V1StatefulSet(metadata=meta(name, namespace), spec=k.V1StatefulSetSpec(
        replicas=2, service_name=name, selector=selector(labels), template=pod_template(labels),
        volume_claim_templates=[k.V1PersistentVolumeClaim(
            metadata=k.V1ObjectMeta(name="data"), spec=k.V1PersistentVolumeClaimSpec(
                access_modes=["ReadWriteOnce"],
                resources=k.V1VolumeResourceRequirements(requests={"storage": "1Gi"})))]))


def new_daemonset(name: str, namespace: str | None) -> k.V1DaemonSet:
    labels = {"app": name}
    return k.V1DaemonSet(metadata=meta(name, namespace), spec=k.V1DaemonSetSpec(
        selector=selector(labels), template=pod_template(labels)))


def new_controllerrevision(name: str, namespace: str | None) -> k.V1ControllerRevision:
    obj_meta = meta(name, namespace)
    obj_meta.owner_references = [owner("StatefulSet", name)]
    return k.V1ControllerRevision(
        metadata=obj_meta, revision=3,
        data={"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": name}},
                                    "spec": {"containers": [{"name": "app",
                                                             "image": IMAGE}]}}}})


def new_job(name: str, namespace: str | None) -> k.V1Job:
    return k.V1Job(metadata=meta(name, namespace), spec=k.V1JobSpec(
        completions=1, parallelism=1, backoff_limit=3,
        template=pod_template({"app": name}, "Never")))


def new_cronjob(name: str, namespace: str | None) -> k.V1CronJob:
    return k.V1CronJob(metadata=meta(name, namespace), spec=k.V1CronJobSpec(
        schedule="0 3 * * *", concurrency_policy="Forbid", successful_jobs_history_limit=3,
        job_template=k.V1JobTemplateSpec(spec=k.V1JobSpec(
            template=pod_template({"app": name}, "OnFailure")))))


def new_lease(name: str, namespace: str | None) -> k.V1Lease:
    return k.V1Lease(metadata=meta(name, namespace), spec=k.V1LeaseSpec(
        holder_identity=NODE_NAME, lease_duration_seconds=40, acquire_time=SINCE,
        renew_time=SINCE, lease_transitions=0))


def new_endpointslice(name: str, namespace: str | None) -> k.V1EndpointSlice:
    labels = {"kubernetes.io/service-name": name,
              "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    return k.V1EndpointSlice(
        metadata=meta(name, namespace, labels), address_type="IPv4",
        endpoints=[k.V1Endpoint(addresses=["127.0.1.7"], node_name=NODE_NAME,
                                conditions=k.V1EndpointConditions(ready=True, serving=True,
                                                                  terminating=False),
                                target_ref=k.V1ObjectReference(kind="Pod", name=f"{name}-0",
                                                               namespace=namespace))],
        ports=[k.DiscoveryV1EndpointPort(name="http", port=8000, protocol="TCP")])


def new_hpa(name: str, namespace: str | None) -> k.V2HorizontalPodAutoscaler:
    return k.V2HorizontalPodAutoscaler(
        metadata=meta(name, namespace), spec=k.V2HorizontalPodAutoscalerSpec(
            scale_target_ref=k.V2CrossVersionObjectReference(api_version="apps/v1",
                                                             kind="Deployment", name=name),
            min_replicas=1, max_replicas=5,
            metrics=[k.V2MetricSpec(type="Resource", resource=k.V2ResourceMetricSource(
                name="cpu", target=k.V2MetricTarget(type="Utilization",
                                                    average_utilization=80)))]))


def new_pdb(name: str, namespace: str | None) -> k.V1PodDisruptionBudget:
    return k.V1PodDisruptionBudget(metadata=meta(name, namespace),
                                   spec=k.V1PodDisruptionBudgetSpec(
                                       min_available=1, selector=selector({"app": name})))


# -- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KindCase:
    """One kind: how the client names it, what to create, patch and write as status."""

    kind: str
    api: type
    resource: str  # the snake_case stem of the client's method names
    namespaced: bool
    build: Callable[[str, str | None], Any]
    # A strategic-merge patch (sent as a dict) and the typed fields it must leave: attribute
    # path -> expected value.
    patch: dict[str, Any]
    patched: dict[str, Any]
    status: Callable[[Any], Any] | None = None

    def __str__(self) -> str:
        return self.kind


def labels_patch(value: str = "patched") -> dict[str, Any]:
    return {"metadata": {"labels": {"stage": value}}}


PATCHED_LABEL = {"metadata.labels.stage": "patched"}
# Strategic merge keys containers by name: only the image changes; a JSON merge patch would
# have replaced the whole list and lost the ports and env.
TEMPLATE_IMAGE_PATCH = {"spec": {"template": {"spec": {"containers": [
    {"name": "app", "image": "registry.local/web:2.0"}]}}}}
TEMPLATE_IMAGE_PATCHED = {"spec.template.spec.containers.0.image": "registry.local/web:2.0",
                          "spec.template.spec.containers.0.env.0.value": "info",
                          "spec.template.spec.containers.0.ports.0.container_port": 8000}

CASES: tuple[KindCase, ...] = (
    KindCase("Namespace", k.CoreV1Api, "namespace", False, new_namespace,
             labels_patch(), PATCHED_LABEL, namespace_status),
    KindCase("Pod", k.CoreV1Api, "pod", True, new_pod,
             {"metadata": {"labels": {"stage": "patched"}},
              "spec": {"containers": [{"name": "app", "image": "registry.local/web:2.0"}]}},
             {**PATCHED_LABEL, "spec.containers.0.image": "registry.local/web:2.0",
              "spec.containers.0.env.0.name": "LOG_LEVEL"}, running_pod_status),
    # Taints are an atomic list: the patch replaces them.
    KindCase("Node", k.CoreV1Api, "node", False, new_node,
             {"spec": {"unschedulable": True,
                       "taints": [{"key": "maintenance", "effect": "NoSchedule"}]}},
             {"spec.unschedulable": True, "spec.taints.0.key": "maintenance",
              "spec.pod_cidr": "10.244.1.0/24"}, ready_node_status),
    # Service ports merge on "port": 80 changes its target, 443 stays.
    KindCase("Service", k.CoreV1Api, "service", True, new_service,
             {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}},
             {"spec.ports.0.target_port": 8080, "spec.ports.1.port": 443}, service_status),
    KindCase("Endpoints", k.CoreV1Api, "endpoints", True, new_endpoints,
             labels_patch(), {**PATCHED_LABEL, "subsets.0.addresses.0.ip": "127.0.1.7"}),
    KindCase("Event", k.CoreV1Api, "event", True, new_event,
             {"count": 2, "message": "Back-off restarting failed container app again"},
             {"count": 2, "reason": "BackOff"}),
    KindCase("ConfigMap", k.CoreV1Api, "config_map", True, new_configmap,
             {"data": {"b": "2"}}, {"data.a": "1", "data.b": "2"}),
    KindCase("Secret", k.CoreV1Api, "secret", True, new_secret,
             {"stringData": {"token": "t0k3n"}},
             {"data.token": "dDBrM24=", "data.password": "czNjcmV0"}),
    KindCase("ServiceAccount", k.CoreV1Api, "service_account", True, new_serviceaccount,
             labels_patch(), {**PATCHED_LABEL, "image_pull_secrets.0.name": "registry"}),
    KindCase("PersistentVolume", k.CoreV1Api, "persistent_volume", False, new_pv,
             {"spec": {"persistentVolumeReclaimPolicy": "Delete"}},
             {"spec.persistent_volume_reclaim_policy": "Delete"}, pv_status),
    KindCase("PersistentVolumeClaim", k.CoreV1Api, "persistent_volume_claim", True, new_pvc,
             labels_patch(), PATCHED_LABEL, pvc_status),
    KindCase("Deployment", k.AppsV1Api, "deployment", True, new_deployment,
             TEMPLATE_IMAGE_PATCH, TEMPLATE_IMAGE_PATCHED, deployment_status),
    KindCase("ReplicaSet", k.AppsV1Api, "replica_set", True, new_replicaset,
             {"spec": {"replicas": 3}}, {"spec.replicas": 3}, replicaset_status),
    KindCase("StatefulSet", k.AppsV1Api, "stateful_set", True, new_statefulset,
             TEMPLATE_IMAGE_PATCH, TEMPLATE_IMAGE_PATCHED, statefulset_status),
    KindCase("DaemonSet", k.AppsV1Api, "daemon_set", True, new_daemonset,
             TEMPLATE_IMAGE_PATCH, TEMPLATE_IMAGE_PATCHED, daemonset_status),
    KindCase("ControllerRevision", k.AppsV1Api, "controller_revision", True,
             new_controllerrevision, labels_patch(), {**PATCHED_LABEL, "revision": 3}),
    KindCase("Job", k.BatchV1Api, "job", True, new_job,
             {"spec": {"parallelism": 2}}, {"spec.parallelism": 2}, job_status),
    KindCase("CronJob", k.BatchV1Api, "cron_job", True, new_cronjob,
             {"spec": {"schedule": "*/5 * * * *", "suspend": True}},
             {"spec.schedule": "*/5 * * * *", "spec.suspend": True}, cronjob_status),
    KindCase("Lease", k.CoordinationV1Api, "lease", True, new_lease,
             {"spec": {"holderIdentity": "node-2", "leaseTransitions": 1}},
             {"spec.holder_identity": "node-2", "spec.lease_transitions": 1}),
    KindCase("EndpointSlice", k.DiscoveryV1Api, "endpoint_slice", True, new_endpointslice,
             labels_patch(), {**PATCHED_LABEL, "endpoints.0.conditions.ready": True}),
    KindCase("HorizontalPodAutoscaler", k.AutoscalingV2Api, "horizontal_pod_autoscaler", True,
             new_hpa, {"spec": {"maxReplicas": 7}},
             {"spec.max_replicas": 7, "spec.min_replicas": 1}, hpa_status),
    KindCase("PodDisruptionBudget", k.PolicyV1Api, "pod_disruption_budget", True, new_pdb,
             {"spec": {"minAvailable": "50%"}}, {"spec.min_available": "50%"}, pdb_status),
)


def attribute(obj: Any, path: str) -> Any:
    """``obj.spec.ports[0].port`` for ``"spec.ports.0.port"``; dict keys work too."""
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj[part]
        elif isinstance(obj, list):
            obj = obj[int(part)]
        else:
            obj = getattr(obj, part)
    return obj


class Methods:
    """The client's calls for one kind, with the namespace argument only where it belongs."""

    def __init__(self, case: KindCase, api_client: k.ApiClient, namespace: str) -> None:
        self.case = case
        self.api = case.api(api_client)
        self.scope: tuple[str, ...] = (namespace,) if case.namespaced else ()

    def method(self, verb: str, suffix: str = "") -> Callable[..., Any]:
        scope = "namespaced_" if self.case.namespaced else ""
        return getattr(self.api, f"{verb}_{scope}{self.case.resource}{suffix}")

    def create(self, body: Any) -> Any:
        return self.method("create")(*self.scope, body)

    def read(self, name: str) -> Any:
        return self.method("read")(name, *self.scope)

    def patch(self, name: str, body: Any, **kwargs: Any) -> Any:
        return self.method("patch")(name, *self.scope, body, **kwargs)

    def replace(self, name: str, body: Any) -> Any:
        return self.method("replace")(name, *self.scope, body)

    def delete(self, name: str, **kwargs: Any) -> Any:
        return self.method("delete")(name, *self.scope, **kwargs)

    def read_status(self, name: str) -> Any:
        return self.method("read", "_status")(name, *self.scope)

    def replace_status(self, name: str, body: Any) -> Any:
        return self.method("replace", "_status")(name, *self.scope, body)

    def patch_status(self, name: str, body: Any) -> Any:
        return self.method("patch", "_status")(name, *self.scope, body)

    def list(self, **kwargs: Any) -> Any:
        return self.method("list")(*self.scope, **kwargs)

    def list_all_namespaces(self, **kwargs: Any) -> Any:
        if not self.case.namespaced:
            return self.list(**kwargs)
        return getattr(self.api, f"list_{self.case.resource}_for_all_namespaces")(**kwargs)

    def watch_arguments(self) -> tuple[Callable[..., Any], tuple[str, ...]]:
        """What ``Watch().stream`` takes: the list call and its positional arguments."""
        return self.method("list"), self.scope

"""``kube_pod_*``: one pod's state, in kube-state-metrics' families and order.

Every series starts with ``namespace``, ``pod`` and ``uid``. Container families walk
``status.containerStatuses`` (init containers: ``initContainerStatuses``) in the order the
kubelet reports them; resource families walk the spec's requests and limits. Families with
nothing to say for a pod (no init containers, never terminated) simply have no series.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from exporters.state.allowlist import AllowList
from exporters.state.exposition import COUNTER, GAUGE, FamilyGenerator, Object, Sample
from exporters.state.metrics.common import (
    NO_SAMPLES,
    annotations_family,
    condition_of,
    condition_samples,
    container_resource_samples,
    controller_of,
    cores,
    created_family,
    deletion_timestamp_family,
    labels_family,
    one,
    owner_samples,
    phase_samples,
    quantity,
    spec,
    status,
    timestamp_samples,
    unix,
)
from exporters.state.metrics.kind import Kind, namespaced_identity_with_uid

PHASES = ("Pending", "Succeeded", "Failed", "Unknown", "Running")
QOS_CLASSES = ("BestEffort", "Burstable", "Guaranteed")
STATUS_REASONS = ("Evicted", "NodeAffinity", "NodeLost", "Shutdown", "UnexpectedAdmissionError")


# -- container helpers ---------------------------------------------------------------------

def _statuses(field: str) -> Callable[[Object], list[dict[str, Any]]]:
    return lambda pod: status(pod).get(field) or []


def _state(cs: dict[str, Any], which: str) -> dict[str, Any] | None:
    value = (cs.get("state") or {}).get(which)
    return value if isinstance(value, dict) else None


def _last_terminated(cs: dict[str, Any]) -> dict[str, Any] | None:
    value = (cs.get("lastState") or {}).get("terminated")
    return value if isinstance(value, dict) else None


def _container(cs: dict[str, Any]) -> tuple[str, str]:
    return ("container", str(cs.get("name", "")))


def _per_status(statuses: Callable[[Object], list[dict[str, Any]]],
                value: Callable[[dict[str, Any]], float]) -> Callable[[Object], list[Sample]]:
    """One ``container`` sample per container status."""
    return lambda pod: [Sample((_container(cs),), value(cs)) for cs in statuses(pod)]


def _state_flag(statuses: Callable[[Object], list[dict[str, Any]]],
                which: str) -> Callable[[Object], list[Sample]]:
    return _per_status(statuses, lambda cs: 1.0 if _state(cs, which) is not None else 0.0)


def _state_reason(statuses: Callable[[Object], list[dict[str, Any]]],
                  state: Callable[[dict[str, Any]], dict[str, Any] | None]
                  ) -> Callable[[Object], list[Sample]]:
    """A ``container``/``reason`` sample for each container in ``state``."""
    def generate(pod: Object) -> list[Sample]:
        out = []
        for cs in statuses(pod):
            current = state(cs)
            if current is not None:
                out.append(Sample((_container(cs), ("reason", str(current.get("reason") or ""))),
                                  1.0))
        return out

    return generate


def _info(containers_field: str, statuses_field: str, with_restart_policy: bool
          ) -> Callable[[Object], list[Sample]]:
    """Spec containers that have a status, in spec order, with both images."""
    def generate(pod: Object) -> list[Sample]:
        by_name = {cs.get("name"): cs for cs in status(pod).get(statuses_field) or []}
        out = []
        for c in spec(pod).get(containers_field) or []:
            cs = by_name.get(c.get("name"))
            if cs is None:
                continue
            labels = [_container(cs), ("image_spec", str(c.get("image") or "")),
                      ("image", str(cs.get("image") or "")),
                      ("image_id", str(cs.get("imageID") or "")),
                      ("container_id", str(cs.get("containerID") or ""))]
            if with_restart_policy:
                labels.append(("restart_policy", str(c.get("restartPolicy") or "")))
            out.append(Sample(tuple(labels), 1.0))
        return out

    return generate


def _resources(containers_field: str, which: str) -> Callable[[Object], list[Sample]]:
    def generate(pod: Object) -> list[Sample]:
        node = str(spec(pod).get("nodeName") or "")
        out: list[Sample] = []
        for c in spec(pod).get(containers_field) or []:
            resources = (c.get("resources") or {}).get(which) or {}
            out.extend(container_resource_samples(
                resources, ("container", str(c.get("name", ""))), ("node", node)))
        return out

    return generate


def _restarts(cs: dict[str, Any]) -> float:
    count = cs.get("restartCount")
    return float(count) if isinstance(count, int) else 0.0


# -- pod-level generators ------------------------------------------------------------------

def _completion_time(pod: Object) -> Sequence[Sample]:
    finished = [unix(t.get("finishedAt")) for cs in status(pod).get("containerStatuses") or []
                if (t := _state(cs, "terminated")) is not None]
    latest = max((f for f in finished if f is not None), default=0)
    return one(latest) if latest > 0 else NO_SAMPLES


def _state_started(pod: Object) -> list[Sample]:
    out = []
    for cs in status(pod).get("containerStatuses") or []:
        current = _state(cs, "running") or _state(cs, "terminated")
        if current is not None:
            started = unix(current.get("startedAt"))
            out.append(Sample((_container(cs),), float(started or 0)))
    return out


def _last_terminated_field(value: Callable[[dict[str, Any]], float]
                           ) -> Callable[[Object], list[Sample]]:
    def generate(pod: Object) -> list[Sample]:
        return [Sample((_container(cs),), value(t))
                for cs in status(pod).get("containerStatuses") or []
                if (t := _last_terminated(cs)) is not None]

    return generate


def _info_labels(pod: Object) -> Sequence[Sample]:
    owner = controller_of(pod) or {}
    s, st = spec(pod), status(pod)
    return one(1.0, ("host_ip", str(st.get("hostIP") or "")),
               ("pod_ip", str(st.get("podIP") or "")), ("node", str(s.get("nodeName") or "")),
               ("created_by_kind", str(owner.get("kind") or "")),
               ("created_by_name", str(owner.get("name") or "")),
               ("priority_class", str(s.get("priorityClassName") or "")),
               ("host_network", "true" if s.get("hostNetwork") else "false"))


def _ips(pod: Object) -> list[Sample]:
    out = []
    for entry in status(pod).get("podIPs") or []:
        ip = str((entry or {}).get("ip") or "")
        try:
            family = str(ipaddress.ip_address(ip).version)
        except ValueError:
            continue
        out.append(Sample((("ip", ip), ("ip_family", family)), 1.0))
    return out


def _overhead(resource: str, value: Callable[[Any], float | None]
              ) -> Callable[[Object], Sequence[Sample]]:
    def generate(pod: Object) -> Sequence[Sample]:
        raw = (spec(pod).get("overhead") or {}).get(resource)
        v = value(raw) if raw is not None else None
        return NO_SAMPLES if v is None else one(v)

    return generate


def _bytes(raw: Any) -> float | None:
    q = quantity(raw)
    return None if q is None else float(q[0])


def _restart_policy(pod: Object) -> Sequence[Sample]:
    return one(1.0, ("type", str(spec(pod).get("restartPolicy") or "")))


def _runtime_class(pod: Object) -> Sequence[Sample]:
    name = spec(pod).get("runtimeClassName")
    return NO_SAMPLES if name is None else one(1.0, ("runtimeclass_name", str(name)))


def _claims(pod: Object) -> list[tuple[str, dict[str, Any]]]:
    return [(str(v.get("name", "")), v["persistentVolumeClaim"])
            for v in spec(pod).get("volumes") or []
            if isinstance(v.get("persistentVolumeClaim"), dict)]


def _claims_info(pod: Object) -> list[Sample]:
    return [Sample((("volume", name), ("persistentvolumeclaim", str(c.get("claimName", "")))), 1.0)
            for name, c in _claims(pod)]


def _claims_readonly(pod: Object) -> list[Sample]:
    return [Sample((("volume", name), ("persistentvolumeclaim", str(c.get("claimName", "")))),
                   1.0 if c.get("readOnly") else 0.0)
            for name, c in _claims(pod)]


def _condition_time(condition_type: str, condition_status: str
                    ) -> Callable[[Object], list[Sample]]:
    """The last transition time of each ``condition_type`` condition in that status."""
    return lambda pod: [Sample((), float(unix(c.get("lastTransitionTime")) or 0))
                        for c in condition_of(pod, condition_type)
                        if c.get("status") == condition_status]


def _condition(condition_type: str) -> Callable[[Object], list[Sample]]:
    return lambda pod: [s for c in condition_of(pod, condition_type)
                        for s in condition_samples(c.get("status"), key="condition")]


def _unschedulable(pod: Object) -> list[Sample]:
    return [Sample((), 1.0) for c in condition_of(pod, "PodScheduled")
            if c.get("status") == "False"]


def _status_reason(pod: Object) -> list[Sample]:
    st = status(pod)
    reasons = {st.get("reason")}
    reasons.update(c.get("reason") for c in st.get("conditions") or [])
    reasons.update(t.get("reason") for cs in st.get("containerStatuses") or []
                   if (t := _state(cs, "terminated")) is not None)
    return [Sample((("reason", r),), 1.0 if r in reasons else 0.0) for r in STATUS_REASONS]


def _tolerations(pod: Object) -> list[Sample]:
    out: list[Sample] = []
    seen: set[tuple[str, ...]] = set()
    for t in spec(pod).get("tolerations") or []:
        seconds = t.get("tolerationSeconds")
        labels = (("key", str(t.get("key") or "")), ("operator", str(t.get("operator") or "")),
                  ("value", str(t.get("value") or "")), ("effect", str(t.get("effect") or "")),
                  ("toleration_seconds", "" if seconds is None else str(seconds)))
        values = tuple(v for _, v in labels)
        if values not in seen:  # ksm reports each distinct toleration once
            seen.add(values)
            out.append(Sample(labels, 1.0))
    return out


def _spec_label(field: str, label: str) -> Callable[[Object], Sequence[Sample]]:
    return lambda pod: one(1.0, (label, str(spec(pod).get(field) or "")))


def _qos(pod: Object) -> list[Sample]:
    current = status(pod).get("qosClass")
    if not current:
        return []
    return [Sample((("qos_class", c),), 1.0 if current == c else 0.0) for c in QOS_CLASSES]


# -- the families ----------------------------------------------------------------------------

def families(allowed_labels: AllowList, allowed_annotations: AllowList) -> list[FamilyGenerator]:
    containers = _statuses("containerStatuses")
    inits = _statuses("initContainerStatuses")

    def fam(name: str, help_text: str, generate: Callable[[Object], Sequence[Sample]], *,
            stable: bool = False, kind: str = GAUGE) -> FamilyGenerator:
        return FamilyGenerator(f"kube_pod_{name}", help_text, kind, generate, stable=stable)

    return [
        fam("completion_time", "Completion time in unix timestamp for a pod.", _completion_time,
            stable=True),
        fam("container_info", "Information about a container in a pod.",
            _info("containers", "containerStatuses", False), stable=True),
        fam("container_resource_limits",
            "The number of requested limit resource by a container. It is recommended to use "
            "the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is "
            "more precise.", _resources("containers", "limits"), stable=True),
        fam("container_resource_requests",
            "The number of requested request resource by a container. It is recommended to use "
            "the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is "
            "more precise.", _resources("containers", "requests"), stable=True),
        fam("container_state_started", "Start time in unix timestamp for a pod container.",
            _state_started, stable=True),
        fam("container_status_last_terminated_reason",
            "Describes the last reason the container was in terminated state.",
            _state_reason(containers, _last_terminated)),
        fam("container_status_last_terminated_exitcode",
            "Describes the exit code for the last container in terminated state.",
            _last_terminated_field(lambda t: float(t.get("exitCode") or 0))),
        fam("container_status_last_terminated_timestamp",
            "Last terminated time for a pod container in unix timestamp.",
            _last_terminated_field(lambda t: float(unix(t.get("finishedAt")) or 0))),
        fam("container_status_ready", "Describes whether the containers readiness check "
            "succeeded.", _per_status(containers, lambda cs: 1.0 if cs.get("ready") else 0.0),
            stable=True),
        fam("container_status_restarts_total", "The number of container restarts per container.",
            _per_status(containers, _restarts), stable=True, kind=COUNTER),
        fam("container_status_running",
            "Describes whether the container is currently in running state.",
            _state_flag(containers, "running"), stable=True),
        fam("container_status_terminated",
            "Describes whether the container is currently in terminated state.",
            _state_flag(containers, "terminated"), stable=True),
        fam("container_status_terminated_reason",
            "Describes the reason the container is currently in terminated state.",
            _state_reason(containers, lambda cs: _state(cs, "terminated"))),
        fam("container_status_waiting",
            "Describes whether the container is currently in waiting state.",
            _state_flag(containers, "waiting"), stable=True),
        fam("container_status_waiting_reason",
            "Describes the reason the container is currently in waiting state.",
            _state_reason(containers, lambda cs: _state(cs, "waiting")), stable=True),
        created_family("kube_pod"),
        deletion_timestamp_family("kube_pod"),
        fam("info", "Information about pod.", _info_labels, stable=True),
        fam("ips", "Pod IP addresses", _ips),
        fam("init_container_info", "Information about an init container in a pod.",
            _info("initContainers", "initContainerStatuses", True), stable=True),
        fam("init_container_resource_limits",
            "The number of requested limit resource by an init container.",
            _resources("initContainers", "limits")),
        fam("init_container_resource_requests",
            "The number of requested request resource by an init container.",
            _resources("initContainers", "requests")),
        fam("init_container_status_last_terminated_reason",
            "Describes the last reason the init container was in terminated state.",
            _state_reason(inits, _last_terminated)),
        fam("init_container_status_ready",
            "Describes whether the init containers readiness check succeeded.",
            _per_status(inits, lambda cs: 1.0 if cs.get("ready") else 0.0), stable=True),
        fam("init_container_status_restarts_total",
            "The number of restarts for the init container.", _per_status(inits, _restarts),
            stable=True, kind=COUNTER),
        fam("init_container_status_running",
            "Describes whether the init container is currently in running state.",
            _state_flag(inits, "running"), stable=True),
        fam("init_container_status_terminated",
            "Describes whether the init container is currently in terminated state.",
            _state_flag(inits, "terminated"), stable=True),
        fam("init_container_status_terminated_reason",
            "Describes the reason the init container is currently in terminated state.",
            _state_reason(inits, lambda cs: _state(cs, "terminated"))),
        fam("init_container_status_waiting",
            "Describes whether the init container is currently in waiting state.",
            _state_flag(inits, "waiting"), stable=True),
        fam("init_container_status_waiting_reason",
            "Describes the reason the init container is currently in waiting state.",
            _state_reason(inits, lambda cs: _state(cs, "waiting"))),
        annotations_family("kube_pod", allowed_annotations),
        labels_family("kube_pod", allowed_labels),
        fam("overhead_cpu_cores",
            "The pod overhead in regards to cpu cores associated with running a pod.",
            _overhead("cpu", cores)),
        fam("overhead_memory_bytes",
            "The pod overhead in regards to memory associated with running a pod.",
            _overhead("memory", _bytes)),
        fam("owner", "Information about the Pod's owner.", owner_samples, stable=True),
        fam("restart_policy", "Describes the restart policy in use by this pod.",
            _restart_policy, stable=True),
        fam("runtimeclass_name_info", "The runtimeclass associated with the pod.",
            _runtime_class),
        fam("spec_volumes_persistentvolumeclaims_info",
            "Information about persistentvolumeclaim volumes in a pod.", _claims_info,
            stable=True),
        fam("spec_volumes_persistentvolumeclaims_readonly",
            "Describes whether a persistentvolumeclaim is mounted read only.", _claims_readonly,
            stable=True),
        fam("start_time", "Start time in unix timestamp for a pod.",
            lambda pod: timestamp_samples(status(pod).get("startTime")), stable=True),
        fam("status_phase", "The pods current phase.",
            lambda pod: phase_samples(status(pod).get("phase"), PHASES), stable=True),
        fam("status_qos_class", "The pods current qosClass.", _qos),
        fam("status_ready", "Describes whether the pod is ready to serve requests.",
            _condition("Ready"), stable=True),
        fam("status_ready_time", "Readiness achieved time in unix timestamp for a pod.",
            _condition_time("Ready", "True")),
        fam("status_initialized_time", "Initialized time in unix timestamp for a pod.",
            _condition_time("Initialized", "True")),
        fam("status_container_ready_time",
            "Readiness achieved time in unix timestamp for a pod containers.",
            _condition_time("ContainersReady", "True")),
        fam("status_reason", "The pod status reasons", _status_reason),
        fam("status_scheduled", "Describes the status of the scheduling process for the pod.",
            _condition("PodScheduled"), stable=True),
        fam("status_scheduled_time", "Unix timestamp when pod moved into scheduled status",
            _condition_time("PodScheduled", "True"), stable=True),
        fam("status_unschedulable", "Describes the unschedulable status for the pod.",
            _unschedulable, stable=True),
        fam("status_unscheduled_time", "Unix timestamp when pod moved into unscheduled status",
            _condition_time("PodScheduled", "False")),
        fam("tolerations", "Information about the pod tolerations", _tolerations),
        fam("service_account", "The service account for a pod.",
            _spec_label("serviceAccountName", "service_account")),
        fam("scheduler", "The scheduler for a pod.", _spec_label("schedulerName", "name")),
    ]


KIND = Kind("pods", "", "pods", "*v1.Pod", namespaced_identity_with_uid("pod"), families)

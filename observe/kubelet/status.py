"""PodStatus from what the runtime and the probes report: upstream's
``generateAPIPodStatus``, ``getPhase`` and the pod condition generators, as pure functions.

The pod worker gathers a :class:`PodView` (the pod, every container instance the runtime
has for it, the waiting reasons of containers that failed to start, probe results, the
pod's addresses) and :func:`pod_status` returns the ``status`` to publish. Given the
previous status, unchanged conditions keep their ``lastTransitionTime`` and a terminal
phase never goes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from observe.kubelet.runtime.types import ContainerStatus

Object = dict[str, Any]

PENDING, RUNNING, SUCCEEDED, FAILED = "Pending", "Running", "Succeeded", "Failed"
TERMINAL_PHASES = (SUCCEEDED, FAILED)
READY_TO_START = "PodReadyToStartContainers"
INITIALIZED, CONTAINERS_READY, READY, SCHEDULED = (
    "Initialized", "ContainersReady", "Ready", "PodScheduled")
KUBELET_CONDITIONS = (READY_TO_START, INITIALIZED, READY, CONTAINERS_READY, SCHEDULED)
CONTAINER_CREATING, POD_INITIALIZING = "ContainerCreating", "PodInitializing"
CONTAINER_ID_PREFIX = "observe://"


@dataclass(frozen=True)
class Waiting:
    """Why a container is not running although it should (the kubelet's reason cache)."""

    reason: str
    message: str = ""


@dataclass(frozen=True)
class PodView:
    pod: Object
    containers: Sequence[ContainerStatus] = ()
    waiting: Mapping[str, Waiting] = field(default_factory=dict)
    ready: Mapping[str, bool] = field(default_factory=dict)  # container id -> readiness
    started: Mapping[str, bool] = field(default_factory=dict)  # container id -> startup
    pod_ip: str | None = None
    host_ip: str = ""
    start_time: str | None = None
    sandbox_ready: bool = False
    terminal: bool = False  # the kubelet has stopped the pod for good


def rfc3339(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def container_id(status: ContainerStatus) -> str:
    return CONTAINER_ID_PREFIX + status.id


def instances_by_name(containers: Sequence[ContainerStatus]
                      ) -> dict[str, list[ContainerStatus]]:
    """Each container name's instances, oldest attempt first."""
    out: dict[str, list[ContainerStatus]] = {}
    for c in sorted(containers, key=lambda c: (c.attempt, c.created_at)):
        out.setdefault(c.name, []).append(c)
    return out


def _terminated(status: ContainerStatus) -> Object:
    state: Object = {"exitCode": status.exit_code if status.exit_code is not None else 0}
    if status.reason:
        state["reason"] = status.reason
    if status.message:
        state["message"] = status.message
    state["startedAt"] = rfc3339(status.started_at)
    state["finishedAt"] = rfc3339(status.finished_at)
    state["containerID"] = container_id(status)
    return {"terminated": state}


def _state_of(status: ContainerStatus) -> Object:
    if status.running:
        return {"running": {"startedAt": rfc3339(status.started_at)}}
    if status.exited:
        return _terminated(status)
    return {"waiting": {"reason": CONTAINER_CREATING}}


def container_statuses(view: PodView, specs: Sequence[Object], *, init: bool) -> list[Object]:
    spec = view.pod.get("spec") or {}
    has_init = bool(spec.get("initContainers"))
    default_waiting = POD_INITIALIZING if has_init else CONTAINER_CREATING
    instances = instances_by_name([c for c in view.containers if c.init == init])
    statuses = []
    for container in specs:
        name = container.get("name", "")
        history = instances.get(name, [])
        waiting = view.waiting.get(name)
        if not history:
            state = {"waiting": {"reason": waiting.reason, "message": waiting.message}
                     if waiting else {"reason": default_waiting}}
            if waiting and not waiting.message:
                del state["waiting"]["message"]
            statuses.append({"name": name, "state": state, "lastState": {}, "ready": False,
                             "restartCount": 0, "image": container.get("image", ""),
                             "imageID": "", "started": False})
            continue
        latest = history[-1]
        state = _state_of(latest)
        last_state = _terminated(history[-2]) if len(history) > 1 and history[-2].exited \
            else {}
        if waiting is not None and latest.exited:
            last_state = state
            state = {"waiting": {"reason": waiting.reason, "message": waiting.message}}
            if not waiting.message:
                del state["waiting"]["message"]
        started = latest.running and (view.started.get(latest.id, False)
                                      if container.get("startupProbe") else True)
        ready = started and (view.ready.get(latest.id, False)
                             if container.get("readinessProbe") else True)
        if init:
            # An init container is "ready" once it has completed successfully.
            ready = latest.exited and latest.exit_code == 0 and waiting is None
        statuses.append({
            "name": name, "state": state, "lastState": last_state, "ready": bool(ready),
            "restartCount": latest.attempt, "image": latest.image, "imageID": latest.image_id,
            "containerID": container_id(latest), "started": bool(started),
        })
    if not init:
        statuses.sort(key=lambda s: s["name"])
    return statuses


def _get(statuses: Sequence[Object], name: str) -> Object | None:
    return next((s for s in statuses if s["name"] == name), None)


def pod_phase(spec: Object, init_statuses: Sequence[Object], statuses: Sequence[Object],
              terminal: bool) -> str:
    """Upstream's getPhase."""
    pending_init = failed_init = 0
    for container in spec.get("initContainers") or []:
        status = _get(init_statuses, container.get("name", ""))
        if status is None:
            pending_init += 1
            continue
        state, last = status["state"], status.get("lastState") or {}
        if "running" in state:
            pending_init += 1
        elif "terminated" in state:
            if state["terminated"].get("exitCode") != 0:
                failed_init += 1
        elif "waiting" in state:
            if "terminated" in last:
                if last["terminated"].get("exitCode") != 0:
                    failed_init += 1
            else:
                pending_init += 1
        else:
            pending_init += 1
    unknown = running = waiting = stopped = succeeded = 0
    for container in spec.get("containers") or []:
        status = _get(statuses, container.get("name", ""))
        if status is None:
            unknown += 1
            continue
        state, last = status["state"], status.get("lastState") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"].get("exitCode") == 0:
                succeeded += 1
        elif "waiting" in state:
            if "terminated" in last:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    policy = spec.get("restartPolicy") or "Always"
    if failed_init and policy == "Never":
        return FAILED
    if pending_init or waiting:
        return PENDING
    if running and not unknown:
        return RUNNING
    if not running and stopped and not unknown:
        if terminal:
            return SUCCEEDED if stopped == succeeded else FAILED
        if policy == "Always":
            return RUNNING
        if stopped == succeeded:
            return SUCCEEDED
        if policy == "Never":
            return FAILED
        return RUNNING
    return PENDING


def _names(names: Sequence[str]) -> str:
    return "[" + " ".join(names) + "]"  # Go's %s of a []string


def initialized_condition(spec: Object, init_statuses: Sequence[Object],
                          statuses: Sequence[Object], phase: str) -> Object:
    unknown, incomplete = [], []
    for container in spec.get("initContainers") or []:
        status = _get(init_statuses, container.get("name", ""))
        if status is None:
            unknown.append(container.get("name", ""))
            continue
        terminated = (status["state"].get("terminated") or {})
        if not (terminated and terminated.get("exitCode") == 0):
            incomplete.append(container.get("name", ""))
    if phase == SUCCEEDED and not unknown:
        return {"type": INITIALIZED, "status": "True", "reason": "PodCompleted"}
    # A regular container that has run means initialization happened before.
    if any("running" in s["state"] or "terminated" in s["state"]
           or "terminated" in (s.get("lastState") or {}) for s in statuses):
        return {"type": INITIALIZED, "status": "True"}
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_names(unknown)}")
    if incomplete:
        messages.append(f"containers with incomplete status: {_names(incomplete)}")
    if messages:
        return {"type": INITIALIZED, "status": "False", "reason": "ContainersNotInitialized",
                "message": ", ".join(messages)}
    return {"type": INITIALIZED, "status": "True"}


def containers_ready_condition(spec: Object, statuses: Sequence[Object], phase: str,
                               kind: str = CONTAINERS_READY) -> Object:
    unknown, unready = [], []
    for container in spec.get("containers") or []:
        status = _get(statuses, container.get("name", ""))
        if status is None:
            unknown.append(container.get("name", ""))
        elif not status.get("ready"):
            unready.append(container.get("name", ""))
    if phase == SUCCEEDED and not unknown:
        return {"type": kind, "status": "False", "reason": "PodCompleted"}
    if phase == FAILED:
        return {"type": kind, "status": "False", "reason": "PodFailed"}
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_names(unknown)}")
    if unready:
        messages.append(f"containers with unready status: {_names(unready)}")
    if messages:
        return {"type": kind, "status": "False", "reason": "ContainersNotReady",
                "message": ", ".join(messages)}
    return {"type": kind, "status": "True"}


def ready_condition(spec: Object, statuses: Sequence[Object], phase: str,
                    conditions: Sequence[Object]) -> Object:
    condition = containers_ready_condition(spec, statuses, phase, READY)
    if condition["status"] != "True":
        return condition
    missing = []
    for gate in spec.get("readinessGates") or []:
        kind = gate.get("conditionType", "")
        found = next((c for c in conditions if c.get("type") == kind), None)
        if found is None:
            missing.append(f'corresponding condition of pod readiness gate "{kind}" does '
                           f"not exist.")
        elif found.get("status") != "True":
            missing.append(f'the status of pod readiness gate "{kind}" is not "True", but '
                           f'{found.get("status")}')
    if missing:
        return {"type": READY, "status": "False", "reason": "ReadinessGatesNotReady",
                "message": ", ".join(missing)}
    return condition


def _with_times(new: Object, old: Sequence[Object], now: str) -> Object:
    previous = next((c for c in old if c.get("type") == new["type"]), None)
    moment = previous.get("lastTransitionTime") if previous is not None and \
        previous.get("status") == new["status"] and previous.get("lastTransitionTime") else now
    return {"type": new["type"], "status": new["status"], "lastProbeTime": None,
            "lastTransitionTime": moment,
            **{k: new[k] for k in ("reason", "message") if new.get(k)}}


def pod_status(view: PodView, old_status: Object | None, now: float) -> Object:
    old_status = old_status or {}
    spec = view.pod.get("spec") or {}
    init_statuses = container_statuses(view, spec.get("initContainers") or [], init=True)
    statuses = container_statuses(view, spec.get("containers") or [], init=False)
    phase = pod_phase(spec, init_statuses, statuses, view.terminal)
    if old_status.get("phase") in TERMINAL_PHASES:
        phase = old_status["phase"]
    old_conditions = [c for c in old_status.get("conditions") or [] if isinstance(c, dict)]
    foreign = [c for c in old_conditions if c.get("type") not in KUBELET_CONDITIONS]
    generated = [
        {"type": READY_TO_START, "status": "True" if view.sandbox_ready else "False"},
        initialized_condition(spec, init_statuses, statuses, phase),
        ready_condition(spec, statuses, phase, old_conditions),
        containers_ready_condition(spec, statuses, phase),
        {"type": SCHEDULED, "status": "True"},
    ]
    stamp = rfc3339(now) or ""
    conditions = [*foreign, *(_with_times(c, old_conditions, stamp) for c in generated)]
    status: Object = {"phase": phase, "conditions": conditions}
    if view.host_ip:
        status["hostIP"] = view.host_ip
        status["hostIPs"] = [{"ip": view.host_ip}]
    if view.pod_ip:
        status["podIP"] = view.pod_ip
        status["podIPs"] = [{"ip": view.pod_ip}]
    if view.start_time:
        status["startTime"] = view.start_time
    if spec.get("initContainers"):
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = statuses
    if old_status.get("qosClass"):
        status["qosClass"] = old_status["qosClass"]
    for key in ("nominatedNodeName", "reason", "message"):
        if old_status.get(key):
            status[key] = old_status[key]
    return status

"""The Pod printer: READY, STATUS and RESTARTS computed as kubectl 1.32 shows them.

STATUS is not the phase: it is the reason a user needs to see (``CrashLoopBackOff``,
``Init:1/2``, ``Completed``, ``OOMKilled``, ``Terminating``, ...), derived from container
states exactly as kube-apiserver's pod printer does. :func:`summarize_pod` exposes that
logic on its own for other readers of pod state (the CLI, triage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from observe.api.tables.cells import (
    age,
    dicts,
    get,
    integer,
    items,
    mapping,
    name,
    or_none,
    text,
)
from observe.api.tables.columns import AGE, NAME, Column, Printer, wide
from observe.api.tables.descriptions import DOCS
from observe.api.tables.duration import between, parse_time

NODE_UNREACHABLE_REASON = "NodeLost"
TERMINAL_PHASES = ("Succeeded", "Failed")


@dataclass(frozen=True)
class PodSummary:
    ready: int
    total: int
    status: str
    restarts: int
    last_restart: datetime | None  # when a container last terminated before a restart


def _condition_true(pod: dict, condition_type: str) -> bool:
    for condition in dicts(pod, "status", "conditions"):
        if condition.get("type") == condition_type:
            return condition.get("status") == "True"
    return False


def _later(current: datetime | None, status: dict) -> datetime | None:
    finished = parse_time(get(status, "lastState", "terminated", "finishedAt"))
    if finished is None or (current is not None and finished <= current):
        return current
    return finished


def _terminated_reason(terminated: dict, prefix: str = "") -> str:
    if reason := text(terminated, "reason"):
        return prefix + reason
    if signal := integer(terminated, "signal"):
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{integer(terminated, 'exitCode')}"


def summarize_pod(pod: dict) -> PodSummary:
    """READY (ready/total containers), STATUS and RESTARTS of a pod."""
    spec_inits = dicts(pod, "spec", "initContainers")
    # Sidecars (init containers with restartPolicy Always) count as containers.
    sidecars = {text(c, "name") for c in spec_inits if c.get("restartPolicy") == "Always"}
    total = len(items(pod, "spec", "containers")) + len(sidecars)
    ready = 0
    restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    phase = text(pod, "status", "phase")
    reason = text(pod, "status", "reason") or phase
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
           for c in dicts(pod, "status", "conditions")):
        reason = "SchedulingGated"

    initializing = False
    for i, status in enumerate(dicts(pod, "status", "initContainerStatuses")):
        restarts += integer(status, "restartCount")
        last_restart = _later(last_restart, status)
        is_sidecar = text(status, "name") in sidecars
        if is_sidecar:
            sidecar_restarts += integer(status, "restartCount")
            last_sidecar_restart = _later(last_sidecar_restart, status)
        terminated = mapping(status, "state", "terminated")
        waiting_reason = text(status, "state", "waiting", "reason")
        if get(status, "state", "terminated") is not None and integer(terminated, "exitCode") == 0:
            continue
        if is_sidecar and status.get("started") is True:
            ready += status.get("ready") is True
            continue
        if get(status, "state", "terminated") is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            reason = "Init:" + waiting_reason
        else:
            reason = f"Init:{i}/{len(spec_inits)}"
        initializing = True
        break

    if not initializing or _condition_true(pod, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for status in reversed(dicts(pod, "status", "containerStatuses")):
            restarts += integer(status, "restartCount")
            last_restart = _later(last_restart, status)
            state = mapping(status, "state")
            if text(state, "waiting", "reason"):
                reason = text(state, "waiting", "reason")
            elif get(state, "terminated") is not None:
                reason = _terminated_reason(mapping(state, "terminated"))
            elif status.get("ready") is True and get(state, "running") is not None:
                has_running = True
                ready += 1
        # A finished container must not hide one that is still running.
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(pod, "Ready") else "NotReady"

    if get(pod, "metadata", "deletionTimestamp") is not None:
        if text(pod, "status", "reason") == NODE_UNREACHABLE_REASON:
            reason = "Unknown"
        elif phase not in TERMINAL_PHASES:
            reason = "Terminating"
    return PodSummary(ready, total, reason, restarts, last_restart)


def _pod_ip(pod: dict) -> str:
    ips = dicts(pod, "status", "podIPs")
    return text(ips[0], "ip") if ips else text(pod, "status", "podIP")


def _readiness_gates(pod: dict) -> str:
    gates = dicts(pod, "spec", "readinessGates")
    if not gates:
        return "<none>"
    conditions: dict[str, str] = {}
    for condition in dicts(pod, "status", "conditions"):
        conditions.setdefault(text(condition, "type"), text(condition, "status"))
    passed = sum(conditions.get(text(g, "conditionType")) == "True" for g in gates)
    return f"{passed}/{len(gates)}"


def pod_cells(pod: dict, now: datetime) -> list:
    summary = summarize_pod(pod)
    restarts = str(summary.restarts)
    if summary.restarts and summary.last_restart is not None:
        restarts += f" ({between(summary.last_restart, now)} ago)"
    return [name(pod), f"{summary.ready}/{summary.total}", summary.status, restarts,
            age(pod, now),
            or_none(_pod_ip(pod)), or_none(text(pod, "spec", "nodeName")),
            or_none(text(pod, "status", "nominatedNodeName")), _readiness_gates(pod)]


def pod_conditions(pod: dict) -> list[dict[str, str]]:
    """Row conditions marking finished pods, which clients may use to dim or hide them."""
    phase = text(pod, "status", "phase")
    if phase == "Succeeded":
        return [{"type": "Completed", "status": "True", "reason": "Succeeded",
                 "message": "The pod has completed successfully."}]
    if phase == "Failed":
        return [{"type": "Completed", "status": "True", "reason": "Failed",
                 "message": "The pod failed."}]
    return []


POD = Printer(
    (NAME,
     Column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
     Column("Status", "The aggregate status of the containers in this pod."),
     Column("Restarts", "The number of times the containers in this pod have been restarted "
            "and when the last container in this pod has restarted."),
     AGE,
     wide("IP", DOCS["PodStatus.podIP"]),
     wide("Node", DOCS["PodSpec.nodeName"]),
     wide("Nominated Node", DOCS["PodStatus.nominatedNodeName"]),
     wide("Readiness Gates", DOCS["PodSpec.readinessGates"])),
    pod_cells,
    pod_conditions,
)

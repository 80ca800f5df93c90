"""``describe pod``: identity, placement, status, containers, conditions, volumes, events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.cli.describers.containers import containers, selector_lines, tolerations, volumes
from observe.cli.describers.writer import Writer, annotations, controller, events, labels, meta
from observe.cli.humanize import age, rfc1123


def qos_class(pod: dict[str, Any]) -> str:
    """The QoS class, from ``status.qosClass`` or worked out from requests and limits."""
    given = (pod.get("status") or {}).get("qosClass")
    if given:
        return str(given)
    specs = (pod.get("spec") or {}).get("containers") or []
    resources = [c.get("resources") or {} for c in specs]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        set(r.get("limits") or {}) >= {"cpu", "memory"}
        and all((r.get("requests") or {}).get(k, v) == v
                for k, v in (r.get("limits") or {}).items())
        for r in resources)
    return "Guaranteed" if guaranteed else "Burstable"


def render(pod: dict[str, Any], related: dict[str, Any], now: datetime | None = None) -> str:
    w = Writer()
    m, spec, status = meta(pod), pod.get("spec") or {}, pod.get("status") or {}
    w.line(0, f"Name:\t{m.get('name', '')}")
    w.line(0, f"Namespace:\t{m.get('namespace', '')}")
    if spec.get("priority") is not None:
        w.line(0, f"Priority:\t{spec['priority']}")
    if spec.get("priorityClassName"):
        w.line(0, f"Priority Class Name:\t{spec['priorityClassName']}")
    if spec.get("runtimeClassName"):
        w.line(0, f"Runtime Class Name:\t{spec['runtimeClassName']}")
    if spec.get("serviceAccountName"):
        w.line(0, f"Service Account:\t{spec['serviceAccountName']}")
    node = spec.get("nodeName")
    w.line(0, f"Node:\t{node + '/' + status.get('hostIP', '') if node else '<none>'}")
    if status.get("startTime"):
        w.line(0, f"Start Time:\t{rfc1123(status['startTime'])}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))
    if m.get("deletionTimestamp"):
        w.line(0, f"Status:\tTerminating (lasts {age(m['deletionTimestamp'], now)})")
        w.line(0, f"Termination Grace Period:\t{m.get('deletionGracePeriodSeconds', 0)}s")
    else:
        w.line(0, f"Status:\t{status.get('phase', '')}")
    if status.get("reason"):
        w.line(0, f"Reason:\t{status['reason']}")
    if status.get("message"):
        w.line(0, f"Message:\t{status['message'].strip()}")
    w.line(0, f"IP:\t{status.get('podIP', '')}")
    pod_ips = [entry.get("ip", "") for entry in status.get("podIPs") or []]
    if pod_ips:
        w.line(0, "IPs:")
        for ip in pod_ips:
            w.line(1, f"IP:\t{ip}")
    else:
        w.line(0, "IPs:\t<none>")
    owner = controller(pod)
    if owner:
        w.line(0, f"Controlled By:\t{owner}")
    if status.get("nominatedNodeName"):
        w.line(0, f"NominatedNodeName:\t{status['nominatedNodeName']}")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"],
                   status.get("initContainerStatuses") or [], pod=pod)
    containers(w, "Containers", spec.get("containers") or [],
               status.get("containerStatuses") or [], pod=pod)
    conditions = status.get("conditions") or []
    if conditions:
        w.line(0, "Conditions:")
        w.line(1, "Type\tStatus")
        for condition in conditions:
            w.line(1, f"{condition.get('type', '')} \t{condition.get('status', '')} ")
    volumes(w, spec.get("volumes") or [])
    w.line(0, f"QoS Class:\t{qos_class(pod)}")
    selector_lines(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "Tolerations", spec.get("tolerations"))
    events(w, related.get("events"), now)
    return w.text()

"""``describe deployment`` and ``describe replicaset``: replicas, strategy, pod template,
conditions, and the ReplicaSets or pods the workload controls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.cli.describers.containers import pod_template
from observe.cli.describers.writer import Writer, annotations, controller, events, labels, meta
from observe.cli.humanize import rfc1123
from observe.cli.selectors import controlled_by, selector_string
from observe.cli.session import Session

TEMPLATE_HASH = "pod-template-hash"


def _owned(session: Session, obj: dict[str, Any], plural_path: str) -> list[dict[str, Any]]:
    selector = selector_string((obj.get("spec") or {}).get("selector"))
    namespace = meta(obj).get("namespace") or session.namespace
    path = plural_path.format(namespace=namespace)
    items = session.get_json(path, {"labelSelector": selector},
                             accept="application/json, */*").get("items") or []
    return [item for item in items if controlled_by(item, obj)]


def fetch_deployment(session: Session, deployment: dict[str, Any]) -> dict[str, Any]:
    return {"replicasets": _owned(session, deployment,
                                  "/apis/apps/v1/namespaces/{namespace}/replicasets")}


def fetch_replicaset(session: Session, rs: dict[str, Any]) -> dict[str, Any]:
    return {"pods": _owned(session, rs, "/api/v1/namespaces/{namespace}/pods")}


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    template_meta = dict(template.get("metadata") or {})
    template_meta["labels"] = {k: v for k, v in (template_meta.get("labels") or {}).items()
                               if k != TEMPLATE_HASH}
    return {**template, "metadata": template_meta}


def split_replicasets(deployment: dict[str, Any], replicasets: list[dict[str, Any]]
                      ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """(old ReplicaSets that still have pods, the new one): the new one runs the
    Deployment's current template."""
    wanted = _without_hash((deployment.get("spec") or {}).get("template") or {})
    new = next((rs for rs in sorted(replicasets,
                                    key=lambda r: meta(r).get("creationTimestamp", ""))
                if _without_hash((rs.get("spec") or {}).get("template") or {}) == wanted),
               None)
    old = [rs for rs in replicasets if rs is not new and (rs.get("spec") or {}).get(
        "replicas", 0) > 0]
    return old, new


def _replicaset_list(items: list[dict[str, Any]]) -> str:
    if not items:
        return "<none>"
    return ", ".join(
        f"{meta(rs).get('name', '')} ({(rs.get('status') or {}).get('replicas', 0)}/"
        f"{(rs.get('spec') or {}).get('replicas', 0)} replicas created)" for rs in items)


def _conditions(w: Writer, status: dict[str, Any]) -> None:
    conditions = status.get("conditions") or []
    if not conditions:
        return
    w.line(0, "Conditions:")
    w.line(1, "Type\tStatus\tReason")
    w.line(1, "----\t------\t------")
    for c in conditions:
        w.line(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}")


def render_deployment(deployment: dict[str, Any], related: dict[str, Any],
                      now: datetime | None = None) -> str:
    w = Writer()
    m, spec = meta(deployment), deployment.get("spec") or {}
    status = deployment.get("status") or {}
    w.line(0, f"Name:\t{m.get('name', '')}")
    w.line(0, f"Namespace:\t{m.get('namespace', '')}")
    w.line(0, f"CreationTimestamp:\t{rfc1123(m.get('creationTimestamp'))}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))
    w.line(0, f"Selector:\t{selector_string(spec.get('selector'))}")
    w.line(0, f"Replicas:\t{spec.get('replicas', 1)} desired | "
              f"{status.get('updatedReplicas', 0)} updated | {status.get('replicas', 0)} "
              f"total | {status.get('availableReplicas', 0)} available | "
              f"{status.get('unavailableReplicas', 0)} unavailable")
    strategy = spec.get("strategy") or {}
    w.line(0, f"StrategyType:\t{strategy.get('type', '')}")
    w.line(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}")
    rolling = strategy.get("rollingUpdate")
    if rolling:
        w.line(0, f"RollingUpdateStrategy:\t{rolling.get('maxUnavailable', '')} max "
                  f"unavailable, {rolling.get('maxSurge', '')} max surge")
    pod_template(w, spec.get("template") or {})
    _conditions(w, status)
    old, new = split_replicasets(deployment, related.get("replicasets") or [])
    if old or new:
        w.line(0, f"OldReplicaSets:\t{_replicaset_list(old)}")
        w.line(0, f"NewReplicaSet:\t{_replicaset_list([new] if new else [])}")
    events(w, related.get("events"), now)
    return w.text()


def pod_phases(pods: list[dict[str, Any]]) -> str:
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase", "")
        if phase in counts:
            counts[phase] += 1
    return (f"{counts['Running']} Running / {counts['Pending']} Waiting / "
            f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed")


def render_replicaset(rs: dict[str, Any], related: dict[str, Any],
                      now: datetime | None = None) -> str:
    w = Writer()
    m, spec, status = meta(rs), rs.get("spec") or {}, rs.get("status") or {}
    w.line(0, f"Name:\t{m.get('name', '')}")
    w.line(0, f"Namespace:\t{m.get('namespace', '')}")
    w.line(0, f"Selector:\t{selector_string(spec.get('selector'))}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))
    owner = controller(rs)
    if owner:
        w.line(0, f"Controlled By:\t{owner}")
    w.line(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} "
              "desired")
    w.line(0, f"Pods Status:\t{pod_phases(related.get('pods') or [])}")
    pod_template(w, spec.get("template") or {})
    _conditions(w, status)
    events(w, related.get("events"), now)
    return w.text()

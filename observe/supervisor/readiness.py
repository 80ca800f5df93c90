"""When is a cluster ready, and if it is not, which component is to blame: pure checks.

``observe up`` returns once the supervisor reports every component running and healthy and
every node's ``Ready`` condition is ``True`` (read through the API, as ``kubectl get
nodes`` shows it). When that does not happen in time, :func:`culprit` picks the component
to name: the first unhealthy one whose own dependencies are healthy, since the others are
most likely only waiting for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def node_ready(node: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the Node is Ready, and if not, why (its condition's reason and message)."""
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") != "Ready":
            continue
        if condition.get("status") == "True":
            return True, ""
        why = ": ".join(p for p in (condition.get("reason"), condition.get("message")) if p)
        return False, f"Ready is {condition.get('status') or 'Unknown'}" + (
            f" ({why})" if why else "")
    return False, "has no Ready condition yet"


def nodes_not_ready(node_list: Mapping[str, Any], expected: Sequence[str]) -> dict[str, str]:
    """``{node: why}`` for every expected node that is missing or not Ready."""
    nodes = {(n.get("metadata") or {}).get("name"): n for n in node_list.get("items") or []}
    problems = {}
    for name in expected:
        if name not in nodes:
            problems[name] = "is not registered"
            continue
        ready, why = node_ready(nodes[name])
        if not ready:
            problems[name] = why
    return problems


def unhealthy(doc: Mapping[str, Any]) -> list[str]:
    return [name for name, c in (doc.get("components") or {}).items() if not c.get("healthy")]


def culprit(doc: Mapping[str, Any]) -> str | None:
    """The unhealthy component most likely at fault, or None if all are healthy; ties go
    to the first in start order, the order state.json keeps."""
    components = doc.get("components") or {}
    bad = unhealthy(doc)
    for name in bad:
        deps = components[name].get("dependsOn") or []
        if all((components.get(d) or {}).get("healthy") for d in deps):
            return name
    return bad[0] if bad else None


def describe_component(name: str, component: Mapping[str, Any]) -> str:
    message = component.get("message") or "is not healthy"
    restarts = component.get("restarts") or 0
    more = f" (restarted {restarts} time{'s' if restarts != 1 else ''})" if restarts else ""
    return f"{name}: {message}{more}"

"""Whether a node's kubelet is still alive, judged as upstream's node lifecycle controller does.

A kubelet proves it is alive by renewing its Lease in ``kube-node-lease`` (every 10 s) and by
posting node status. :class:`HeartbeatTracker` notes, on the controller's own monotonic clock,
when it last saw either change — never trusting the kubelet's timestamps, which may come from
a skewed clock — and a node whose heartbeat has not moved for the grace period (40 s by
default; longer for a node that never reported Ready) is declared lost:
:func:`unknown_conditions` turns its Ready and pressure conditions to Unknown with reason
``NodeStatusUnknown`` "Kubelet stopped posting node status.".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from observe.api import meta as m

# The conditions the node controller takes over when the kubelet goes silent.
WATCHED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
STOPPED_POSTING = ("NodeStatusUnknown", "Kubelet stopped posting node status.")
NEVER_POSTED = ("NodeStatusNeverUpdated", "Kubelet never posted node status.")

Heartbeat = tuple[Any, ...]


def heartbeat(node: dict[str, Any], lease: dict[str, Any] | None) -> Heartbeat:
    """What changes whenever the kubelet shows a sign of life."""
    ready = next((c for c in (node.get("status") or {}).get("conditions") or []
                  if isinstance(c, dict) and c.get("type") == "Ready"), {})
    renewed = ((lease or {}).get("spec") or {}).get("renewTime")
    return (renewed, ready.get("lastHeartbeatTime"))


@dataclass
class _Probe:
    beat: Heartbeat
    seen_at: float


class HeartbeatTracker:
    """When each node last showed a sign of life, on the controller's clock."""

    def __init__(self) -> None:
        self._probes: dict[str, _Probe] = {}

    def observe(self, name: str, beat: Heartbeat, now: float) -> float:
        """Record the node's current heartbeat; return seconds since it last changed. A
        node seen for the first time gets a full grace period."""
        probe = self._probes.get(name)
        if probe is None or probe.beat != beat:
            probe = self._probes[name] = _Probe(beat, now)
        return now - probe.seen_at

    def forget(self, name: str) -> None:
        self._probes.pop(name, None)


def unknown_conditions(node: dict[str, Any], now: datetime) -> list[dict[str, Any]] | None:
    """The node's conditions once its kubelet is declared lost, or None when they already
    say so. Heartbeat times stay as the kubelet last wrote them."""
    stamp = m.rfc3339(now)
    conditions = [copy.deepcopy(c) for c in (node.get("status") or {}).get("conditions") or []
                  if isinstance(c, dict)]
    changed = False
    for kind in WATCHED_CONDITIONS:
        cond = next((c for c in conditions if c.get("type") == kind), None)
        if cond is None:
            reason, message = NEVER_POSTED
            created = (node.get("metadata") or {}).get("creationTimestamp") or stamp
            conditions.append({"type": kind, "status": "Unknown", "lastHeartbeatTime": created,
                               "lastTransitionTime": stamp, "reason": reason,
                               "message": message})
            changed = True
        elif cond.get("status") != "Unknown":
            reason, message = STOPPED_POSTING
            cond.update({"status": "Unknown", "lastTransitionTime": stamp, "reason": reason,
                         "message": message})
            changed = True
    return conditions if changed else None

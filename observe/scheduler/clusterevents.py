"""Cluster events: what changed in the cluster, in the terms the scheduling queue uses to
decide which unschedulable pods deserve another attempt.

Sits between the informers (via :mod:`.scheduler`) and the queue (:mod:`.queue`). Plugins
declare the events that could make a pod they rejected schedulable (``events_to_register``,
optionally with a queueing hint that looks at the object); the scheduler turns each informer
update into one or more :class:`ClusterEvent` with the same labels kube-scheduler uses
(``NodeAdd``, ``NodeTaintChange``, ``AssignedPodDelete``, ...), which also name the
``event`` label of ``scheduler_queue_incoming_pods_total``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntFlag
from typing import Any, NamedTuple

from observe.api.podinfo import PodInfo


class ActionType(IntFlag):
    ADD = 1
    DELETE = 2
    UPDATE_NODE_ALLOCATABLE = 4
    UPDATE_NODE_LABEL = 8
    UPDATE_NODE_TAINT = 16
    UPDATE_NODE_CONDITION = 32
    UPDATE_NODE_ANNOTATION = 64
    UPDATE_POD_LABEL = 128
    UPDATE_POD_SCALE_DOWN = 256
    UPDATE_POD_TOLERATIONS = 512
    UPDATE_POD_SCHEDULING_GATES_ELIMINATED = 1024
    UPDATE_POD_OTHER = 2048
    UPDATE = (UPDATE_NODE_ALLOCATABLE | UPDATE_NODE_LABEL | UPDATE_NODE_TAINT
              | UPDATE_NODE_CONDITION | UPDATE_NODE_ANNOTATION | UPDATE_POD_LABEL
              | UPDATE_POD_SCALE_DOWN | UPDATE_POD_TOLERATIONS
              | UPDATE_POD_SCHEDULING_GATES_ELIMINATED | UPDATE_POD_OTHER)
    ALL = ADD | DELETE | UPDATE


NODE, POD, WILDCARD = "Node", "Pod", "*"


class ClusterEvent(NamedTuple):
    """A change to one resource (``Pod`` means a pod already assigned to a node)."""

    resource: str
    action: ActionType
    label: str

    def matches(self, other: ClusterEvent) -> bool:
        """Whether this registered interest covers ``other``, a change that happened."""
        if self.resource == WILDCARD:
            return bool(self.action & other.action)
        return self.resource == other.resource and bool(self.action & other.action)

    @property
    def is_wildcard(self) -> bool:
        return self.resource == WILDCARD and self.action == ActionType.ALL


# A hint looks at the pod waiting and the object before and after the change (either may be
# None) and answers whether the change may make the pod schedulable.
QueueingHint = Callable[[PodInfo, Any, Any], bool]


class ClusterEventWithHint(NamedTuple):
    event: ClusterEvent
    hint: QueueingHint | None = None


NODE_ADD = ClusterEvent(NODE, ActionType.ADD, "NodeAdd")
NODE_DELETE = ClusterEvent(NODE, ActionType.DELETE, "NodeDelete")
NODE_ALLOCATABLE_CHANGE = ClusterEvent(NODE, ActionType.UPDATE_NODE_ALLOCATABLE,
                                       "NodeAllocatableChange")
NODE_LABEL_CHANGE = ClusterEvent(NODE, ActionType.UPDATE_NODE_LABEL, "NodeLabelChange")
NODE_TAINT_CHANGE = ClusterEvent(NODE, ActionType.UPDATE_NODE_TAINT, "NodeTaintChange")
NODE_SPEC_UNSCHEDULABLE_CHANGE = ClusterEvent(NODE, ActionType.UPDATE_NODE_TAINT,
                                              "NodeSpecUnschedulableChange")
NODE_CONDITION_CHANGE = ClusterEvent(NODE, ActionType.UPDATE_NODE_CONDITION,
                                     "NodeConditionChange")
NODE_ANNOTATION_CHANGE = ClusterEvent(NODE, ActionType.UPDATE_NODE_ANNOTATION,
                                      "NodeAnnotationChange")
ASSIGNED_POD_ADD = ClusterEvent(POD, ActionType.ADD, "AssignedPodAdd")
ASSIGNED_POD_DELETE = ClusterEvent(POD, ActionType.DELETE, "AssignedPodDelete")
ASSIGNED_POD_LABEL_CHANGE = ClusterEvent(POD, ActionType.UPDATE_POD_LABEL, "PodLabelChange")
ASSIGNED_POD_SCALE_DOWN = ClusterEvent(POD, ActionType.UPDATE_POD_SCALE_DOWN,
                                       "PodRequestScaledDown")
ASSIGNED_POD_TOLERATIONS_CHANGE = ClusterEvent(POD, ActionType.UPDATE_POD_TOLERATIONS,
                                               "PodTolerationChange")
ASSIGNED_POD_UPDATE = ClusterEvent(POD, ActionType.UPDATE_POD_OTHER, "AssignedPodUpdate")
# Not changes but moments the queue acts on its own, named as upstream names them.
UNSCHEDULABLE_TIMEOUT = ClusterEvent(WILDCARD, ActionType.ALL, "UnschedulableTimeout")
POD_ADD = "PodAdd"
POD_UPDATE = "PodUpdate"
SCHEDULE_ATTEMPT_FAILURE = "ScheduleAttemptFailure"
BACKOFF_COMPLETE = "BackoffComplete"


def _conditions(node: dict[str, Any]) -> dict[str, Any]:
    return {c.get("type"): c.get("status")
            for c in (node.get("status") or {}).get("conditions") or [] if isinstance(c, dict)}


def node_update_events(old: dict[str, Any], new: dict[str, Any]) -> list[ClusterEvent]:
    """What a Node update changed that scheduling cares about (heartbeats change nothing)."""
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    events = []
    if bool(old_spec.get("unschedulable")) != bool(new_spec.get("unschedulable")):
        events.append(NODE_SPEC_UNSCHEDULABLE_CHANGE)
    if (old.get("status") or {}).get("allocatable") != (new.get("status") or {}).get(
            "allocatable"):
        events.append(NODE_ALLOCATABLE_CHANGE)
    if (old_meta.get("labels") or {}) != (new_meta.get("labels") or {}):
        events.append(NODE_LABEL_CHANGE)
    if (old_spec.get("taints") or []) != (new_spec.get("taints") or []):
        events.append(NODE_TAINT_CHANGE)
    if _conditions(old) != _conditions(new):
        events.append(NODE_CONDITION_CHANGE)
    if (old_meta.get("annotations") or {}) != (new_meta.get("annotations") or {}):
        events.append(NODE_ANNOTATION_CHANGE)
    return events


def assigned_pod_update_events(old: PodInfo, new: PodInfo) -> list[ClusterEvent]:
    """What an update of a pod already on a node changed (``PodSchedulingPropertiesChange``)."""
    events = []
    if old.labels != new.labels:
        events.append(ASSIGNED_POD_LABEL_CHANGE)
    if any(new.requests.get(name, 0) < amount for name, amount in old.requests.items()):
        events.append(ASSIGNED_POD_SCALE_DOWN)
    if old.tolerations != new.tolerations:
        events.append(ASSIGNED_POD_TOLERATIONS_CHANGE)
    return events or [ASSIGNED_POD_UPDATE]

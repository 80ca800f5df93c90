"""SchedulingGates: holds pods with ``spec.schedulingGates`` out of the active queue until
every gate is removed."""

from __future__ import annotations

from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.framework import Code, Status

NAME = "SchedulingGates"


class SchedulingGates:
    name = NAME

    def pre_enqueue(self, pod: PodInfo) -> Status | None:
        if not pod.scheduling_gates:
            return None
        # Go prints the []string gate names with %v: "[a b]".
        gates = " ".join(str(g) for g in pod.scheduling_gates)
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                      f"waiting for scheduling gates: [{gates}]", plugin=NAME)


def new(args: Any, handle: Any) -> SchedulingGates:
    return SchedulingGates()

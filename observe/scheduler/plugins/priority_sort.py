"""PrioritySort: the active queue hands out higher ``spec.priority`` first, then the pod
that has waited longest (its time of entering the queue)."""

from __future__ import annotations

from typing import Any

NAME = "PrioritySort"


class PrioritySort:
    name = NAME

    def sort_key(self, queued: Any) -> tuple:
        return (-queued.pod.priority, queued.timestamp)


def new(args: Any, handle: Any) -> PrioritySort:
    return PrioritySort()

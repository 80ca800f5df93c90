"""What a pod needs done to its containers now: upstream's ``computePodActions``, pure.

Given the pod and every container instance the runtime has for it (plus the ids of
containers whose liveness or startup probe failed), :func:`compute_pod_actions` says which
containers to kill (with the event message) and which to start: the next init container
while initialization is under way, else every regular container that is missing or exited
and whose restart policy allows it to run again. Back-off, image pulls and configuration
errors are the executor's business (:mod:`observe.kubelet.podsync`), as upstream keeps them
in ``startContainer``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from observe.kubelet.runtime.types import ContainerStatus
from observe.kubelet.status import TERMINAL_PHASES, instances_by_name

Object = dict[str, Any]


@dataclass(frozen=True)
class Kill:
    container_id: str
    name: str
    message: str


@dataclass(frozen=True)
class PodActions:
    kill: tuple[Kill, ...] = ()
    start: tuple[str, ...] = ()  # container names, in order
    start_init: bool = False  # start holds the one init container to run next
    init_failed: bool = False  # an init container failed and the policy is Never


def container_hash(container: Object) -> str:
    """Identity of a container's spec: a running container whose spec changed (a new
    image) is restarted."""
    body = json.dumps(container, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(body).hexdigest()[:16]


def should_restart(policy: str, exit_code: int | None) -> bool:
    if policy == "Never":
        return False
    if policy == "OnFailure":
        return exit_code != 0
    return True


def compute_pod_actions(pod: Object, containers: Sequence[ContainerStatus], *,
                        liveness_failed: Collection[str] = (),
                        startup_failed: Collection[str] = ()) -> PodActions:
    spec = pod.get("spec") or {}
    policy = spec.get("restartPolicy") or "Always"
    running = [c for c in containers if c.running]
    if (pod.get("status") or {}).get("phase") in TERMINAL_PHASES:
        return PodActions(kill=tuple(Kill(c.id, c.name, f"Stopping container {c.name}")
                                     for c in running))
    regular = instances_by_name([c for c in containers if not c.init])
    init = instances_by_name([c for c in containers if c.init])
    if not regular:  # once a regular container has run, initialization is over for good
        for container in spec.get("initContainers") or []:
            name = container.get("name", "")
            history = init.get(name)
            if not history:
                return PodActions(start=(name,), start_init=True)
            latest = history[-1]
            if latest.running:
                return PodActions()
            if latest.exit_code == 0 and latest.exited:
                continue
            if policy == "Never":
                return PodActions(init_failed=True)
            return PodActions(start=(name,), start_init=True)
    kills: list[Kill] = []
    starts: list[str] = []
    for container in spec.get("containers") or []:
        name = container.get("name", "")
        history = regular.get(name)
        if not history:
            starts.append(name)
            continue
        latest = history[-1]
        if not latest.running:
            if should_restart(policy, latest.exit_code):
                starts.append(name)
            continue
        restart = policy != "Never"
        if latest.spec_hash and latest.spec_hash != container_hash(container):
            message, restart = f"Container {name} definition changed", True
        elif latest.id in liveness_failed:
            message = f"Container {name} failed liveness probe"
        elif latest.id in startup_failed:
            message = f"Container {name} failed startup probe"
        else:
            continue
        if restart:
            message += ", will be restarted"
            starts.append(name)
        kills.append(Kill(latest.id, name, message))
    return PodActions(kill=tuple(kills), start=tuple(starts))

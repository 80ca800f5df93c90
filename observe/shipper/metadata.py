"""Pod metadata for enrichment: a uid-keyed copy of this node's pods, fed by one watch.

Sits between the pod informer (``fieldSelector=spec.nodeName=<node>``, built in
:mod:`.main`) and :mod:`.fields`. Log paths carry the pod uid, so lookups are by uid. A
deleted pod's metadata is kept for ``retention`` seconds (Vector keeps 60 s; short-lived
pods and CronJobs often log their last lines just before deletion), after which records
are attributed from the path alone.

Annotations steer the shipper per pod or per container (the container form wins):
``observe.io/exclude[-<container>]: "true"`` ships nothing, ``observe.io/parser[-<container>]``
picks a parser (:mod:`.parsing`), ``observe.io/multiline[-<container>]`` the multiline rules
(comma-separated names, or ``none``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

EXCLUDE = "observe.io/exclude"
PARSER = "observe.io/parser"
MULTILINE = "observe.io/multiline"
DEFAULT_RETENTION = 300.0


@dataclass(frozen=True)
class ContainerInfo:
    image: str | None = None
    container_id: str | None = None
    runtime: str | None = None


@dataclass(frozen=True)
class PodInfo:
    uid: str
    namespace: str
    name: str
    node: str | None = None
    ip: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    owner_kind: str | None = None
    owner_name: str | None = None
    containers: Mapping[str, ContainerInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class ContainerOptions:
    """What the annotations ask of one container's logs (None: the shipper's default)."""

    exclude: bool = False
    parser: str | None = None
    multiline: tuple[str, ...] | None = None


def pod_info(pod: Mapping[str, Any]) -> PodInfo:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    owner = next((o for o in meta.get("ownerReferences") or () if o.get("controller")), None)
    containers: dict[str, ContainerInfo] = {}
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        containers[c.get("name", "")] = ContainerInfo(image=c.get("image"))
    for cs in [*(status.get("initContainerStatuses") or ()),
               *(status.get("containerStatuses") or ())]:
        name = cs.get("name", "")
        runtime, _, cid = (cs.get("containerID") or "").rpartition("://")
        known = containers.get(name, ContainerInfo())
        containers[name] = ContainerInfo(image=known.image or cs.get("image"),
                                         container_id=cid or None, runtime=runtime or None)
    return PodInfo(uid=meta.get("uid", ""), namespace=meta.get("namespace", ""),
                   name=meta.get("name", ""), node=spec.get("nodeName"),
                   ip=status.get("podIP"), labels=dict(meta.get("labels") or {}),
                   annotations=dict(meta.get("annotations") or {}),
                   owner_kind=owner.get("kind") if owner else None,
                   owner_name=owner.get("name") if owner else None,
                   containers=containers)


def container_options(info: PodInfo | None, container: str) -> ContainerOptions:
    if info is None:
        return ContainerOptions()
    annotations = info.annotations

    def pick(key: str) -> str | None:
        value = annotations.get(f"{key}-{container}")
        return value if value is not None else annotations.get(key)

    exclude = (pick(EXCLUDE) or "").strip().lower() == "true"
    parser = pick(PARSER)
    multiline = pick(MULTILINE)
    return ContainerOptions(
        exclude=exclude, parser=parser.strip().lower() if parser else None,
        multiline=tuple(multiline.split(",")) if multiline is not None else None)


class PodIndex:
    """Pods by uid, with deleted ones kept for ``retention`` seconds."""

    def __init__(self, retention: float = DEFAULT_RETENTION,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.retention = retention
        self._clock = clock
        self._pods: dict[str, PodInfo] = {}
        self._deleted: dict[str, float] = {}  # uid -> when it may be forgotten
        self.synced = False

    def __len__(self) -> int:
        return len(self._pods)

    def get(self, uid: str) -> PodInfo | None:
        return self._pods.get(uid)

    def upsert(self, pod: Mapping[str, Any]) -> None:
        info = pod_info(pod)
        if info.uid:
            self._pods[info.uid] = info
            self._deleted.pop(info.uid, None)

    def delete(self, pod: Mapping[str, Any]) -> None:
        uid = (pod.get("metadata") or {}).get("uid")
        if uid in self._pods:
            self._deleted[uid] = self._clock() + self.retention

    def expire(self) -> None:
        now = self._clock()
        for uid in [u for u, until in self._deleted.items() if until <= now]:
            del self._deleted[uid]
            self._pods.pop(uid, None)

    # Informer handlers (see observe.client.informer.Informer.add_handler).
    def on_add(self, pod: Mapping[str, Any]) -> None:
        self.upsert(pod)

    def on_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.upsert(new)

    def on_delete(self, pod: Mapping[str, Any]) -> None:
        self.delete(pod)

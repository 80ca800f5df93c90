"""What the controller integration tests use in place of the rest of a cluster.

No kubelet runs in these tests, so :func:`run_pod` plays one: it writes the status a kubelet
would post for a started, ready pod (phase Running, Ready and ContainersReady conditions,
running container statuses). :class:`History` keeps every state a collection passes through,
in the apiserver's order, so a test can check an invariant at every step of a rollout, not
only at the end. :func:`eventually` polls with a deadline; nothing here sleeps for a fixed
time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from observe.api import meta as m
from observe.api.registry import default_registry
from observe.client.cache import object_key
from observe.client.errors import ApiError
from observe.client.informer import Informer

REGISTRY = default_registry()
PODS = REGISTRY.get("", "pods")
NODES = REGISTRY.get("", "nodes")
LEASES = REGISTRY.get("coordination.k8s.io", "leases")
EVENTS = REGISTRY.get("", "events")
NAMESPACES = REGISTRY.get("", "namespaces")
CONFIGMAPS = REGISTRY.get("", "configmaps")
DEPLOYMENTS = REGISTRY.get("apps", "deployments")
REPLICASETS = REGISTRY.get("apps", "replicasets")


def deployment(name: str, replicas: int, image: str = "nginx:1", **spec: object) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": image}]}},
                     **spec}}


def replicaset(name: str, replicas: int, **spec: object) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name, "tier": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
                     **spec}}


async def eventually(check: Callable[[], Awaitable[Any]], what: str,
                     timeout: float = 20.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail saying ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def ready_status(pod: dict[str, Any], ready: bool = True) -> dict[str, Any]:
    """The status a kubelet posts for ``pod`` once its containers run (and pass readiness)."""
    now = m.rfc3339(m.now())
    flag = "True" if ready else "False"
    containers = (pod.get("spec") or {}).get("containers") or []
    return {
        **(pod.get("status") or {}),
        "phase": "Running",
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "Ready", "status": flag, "lastTransitionTime": now},
            {"type": "ContainersReady", "status": flag, "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
        ],
        "containerStatuses": [
            {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": ready,
             "restartCount": 0, "started": True, "state": {"running": {"startedAt": now}}}
            for c in containers],
        "startTime": now,
    }


async def run_pod(api: Any, pod: dict[str, Any], ready: bool = True) -> dict[str, Any]:
    """Play the kubelet: mark ``pod`` Running and (not) Ready."""
    fresh = await api.get(PODS, pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])
    return await api.replace(PODS, {**fresh, "status": ready_status(fresh, ready)},
                             subresource="status")


async def live_pods(api: Any, namespace: str, selector: str | None = None) -> list[dict]:
    items = (await api.list(PODS, namespace=namespace, label_selector=selector))["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


async def run_all_pods(api: Any, namespace: str) -> int:
    """Mark every live, not yet ready pod of the namespace ready; return how many."""
    count = 0
    for pod in await live_pods(api, namespace):
        if not any(c.get("type") == "Ready" and c.get("status") == "True"
                   for c in (pod.get("status") or {}).get("conditions") or []):
            await run_pod(api, pod)
            count += 1
    return count


async def events_for(api: Any, namespace: str, name: str) -> list[tuple[str, str]]:
    items = (await api.list(EVENTS, namespace=namespace))["items"]
    return [(e["reason"], e["message"]) for e in items
            if e["involvedObject"].get("name") == name]


class History:
    """Every state of one collection, replayed in the apiserver's order from a watch.

    The informer's first list arrives one object at a time, which are not states the
    collection was ever in; recording starts at :meth:`begin`, after that list."""

    def __init__(self, informer: Informer, project: Callable[[dict[str, dict]], Any]) -> None:
        self._objects: dict[str, dict] = {}
        self._project = project
        self._recording = False
        self.states: list[Any] = []
        informer.add_handler(self._put, lambda old, new: self._put(new), self._drop)

    def begin(self) -> None:
        self._recording = True
        self.states.append(self._project(self._objects))

    def _record(self) -> None:
        if self._recording:
            self.states.append(self._project(self._objects))

    def _put(self, obj: dict) -> None:
        self._objects[object_key(obj)] = obj
        self._record()

    def _drop(self, obj: dict) -> None:
        self._objects.pop(object_key(obj), None)
        self._record()


class FakeKubelet:
    """Marks every pod of a namespace Running and Ready as soon as it appears, as a kubelet
    with instant containers would. Use as ``async with FakeKubelet(api, factory, ns):``."""

    def __init__(self, api: Any, informer: Informer) -> None:
        self._api = api
        self._informer = informer
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handler: Any = None

    def _seen(self, pod: dict[str, Any]) -> None:
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in (pod.get("status") or {}).get("conditions") or [])
        if ready or pod["metadata"].get("deletionTimestamp"):
            return
        task = asyncio.get_running_loop().create_task(self._run(pod))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, pod: dict[str, Any]) -> None:
        for _ in range(10):  # a conflict means the pod changed meanwhile: try again
            try:
                await run_pod(self._api, pod)
                return
            except ApiError as e:
                if e.code == 404:
                    return
                if e.code != 409:
                    raise

    async def __aenter__(self) -> FakeKubelet:
        self._handler = self._informer.add_handler(self._seen, lambda old, new: self._seen(new))
        self._informer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._informer.remove_handler(self._handler)
        self._informer.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)

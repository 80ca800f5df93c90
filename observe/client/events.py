"""Recording Events the way client-go's event recorder and correlator do.

Components (scheduler, controllers, kubelet) call :meth:`EventRecorder.event` with the
object, a type (``Normal``/``Warning``), a reason and a message. A repeat of the same event
(same source, object, type, reason and message) does not create a new Event: the existing one
gets ``count`` + 1 and a new ``lastTimestamp``, as Kubernetes' correlator does, so
``kubectl describe`` shows ``(x5 over 2m)``. Writing happens in the background; a failed
write is logged, never raised into the caller's reconcile loop.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from dataclasses import dataclass
from typing import Any

from observe.api import meta as m
from observe.api.registry import default_registry
from observe.client.errors import ApiError, ClientError
from observe.client.rest import ApiClient

log = logging.getLogger("observe.events")

NORMAL, WARNING = "Normal", "Warning"
# client-go keeps this many distinct events in its correlator cache.
CACHE_SIZE = 4096

_EVENTS = default_registry().get("", "events")


@dataclass
class _Seen:
    namespace: str
    name: str
    count: int
    first: str


def involved_object(obj: dict[str, Any], field_path: str | None = None) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    ref = {"kind": obj.get("kind", ""), "apiVersion": obj.get("apiVersion", ""),
           "name": meta.get("name", ""), "uid": meta.get("uid", "")}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    if meta.get("resourceVersion"):
        ref["resourceVersion"] = meta["resourceVersion"]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


class EventRecorder:
    def __init__(self, client: ApiClient, component: str, host: str | None = None) -> None:
        self._client = client
        self._component = component
        self._host = host
        self._seen: collections.OrderedDict[tuple, _Seen] = collections.OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    def event(self, obj: dict[str, Any], event_type: str, reason: str, message: str,
              field_path: str | None = None) -> None:
        """Record an event about ``obj`` without waiting for the write."""
        task = asyncio.get_running_loop().create_task(
            self.record(obj, event_type, reason, message, field_path))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def record(self, obj: dict[str, Any], event_type: str, reason: str, message: str,
                     field_path: str | None = None) -> dict[str, Any] | None:
        ref = involved_object(obj, field_path)
        key = (ref.get("kind"), ref.get("namespace"), ref.get("name"), ref.get("uid"),
               ref.get("fieldPath"), event_type, reason, message)
        now = m.rfc3339(m.now())
        async with self._lock:  # one write per key at a time keeps counts exact
            seen = self._seen.get(key)
            try:
                if seen is not None:
                    seen.count += 1
                    self._seen.move_to_end(key)
                    try:
                        return await self._client.patch(
                            _EVENTS, seen.name, {"count": seen.count, "lastTimestamp": now},
                            namespace=seen.namespace, patch_type="merge")
                    except ApiError as exc:
                        if exc.code != 404:
                            raise
                        del self._seen[key]  # expired meanwhile: create a new one
                return await self._create(key, ref, event_type, reason, message, now)
            except ClientError as exc:
                log.warning("could not record event %s %s on %s/%s: %s", event_type, reason,
                            ref.get("namespace", ""), ref.get("name"), exc)
                return None

    async def _create(self, key: tuple, ref: dict[str, Any], event_type: str, reason: str,
                      message: str, now: str) -> dict[str, Any]:
        namespace = ref.get("namespace") or "default"
        name = f"{ref['name']}.{time.time_ns():x}"
        source: dict[str, str] = {"component": self._component}
        if self._host:
            source["host"] = self._host
        body = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": ref, "reason": reason, "message": message, "type": event_type,
            "source": source, "count": 1, "firstTimestamp": now, "lastTimestamp": now,
            "reportingComponent": self._component, "reportingInstance": self._host or "",
        }
        created = await self._client.create(_EVENTS, body, namespace=namespace)
        self._seen[key] = _Seen(namespace, name, 1, now)
        while len(self._seen) > CACHE_SIZE:
            self._seen.popitem(last=False)
        return created

    async def flush(self) -> None:
        """Wait for the writes started so far (for shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

"""Writing a recomputed status through the ``status`` subresource, as the workload controllers
(Job, CronJob, DaemonSet, StatefulSet) do at the end of every sync.

The status is computed from the informer cache, which may be behind: a 409 means the object
changed meanwhile, so the write is retried once on a fresh copy (the status is the
controller's own field, nobody else writes it); a 404 means the object is gone and there is
nothing left to report on.
"""

from __future__ import annotations

from typing import Any

from observe.api.registry import ResourceType
from observe.client.errors import ApiError

Object = dict[str, Any]


async def write_status(api: Any, rt: ResourceType, obj: Object, status: Object) -> Object:
    """Store ``status`` on ``obj`` unless it already has it; return the object as written
    (``obj`` itself when nothing was sent or it is gone)."""
    if obj.get("status") == status:
        return obj
    meta = obj["metadata"]
    try:
        return await api.replace(rt, {**obj, "status": status}, subresource="status")
    except ApiError as e:
        if e.code == 404:
            return obj
        if e.code != 409:
            raise
    fresh = await api.get(rt, meta["name"], namespace=meta.get("namespace"))
    if fresh["metadata"].get("uid") != meta.get("uid"):
        return obj
    return await api.replace(rt, {**fresh, "status": status}, subresource="status")

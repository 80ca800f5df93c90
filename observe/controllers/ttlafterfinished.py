"""The TTL-after-finished controller: delete a finished Job ``ttlSecondsAfterFinished``
seconds after it completed or failed.

Upstream runs this apart from the Job controller (``ttlafterfinished_controller.go``), and so
does observe. A sync reads the Job from the cache; a Job not yet due is re-queued for the
moment it will be (:func:`time_left`). A due Job is re-read from the apiserver first (its
TTL may have been changed or removed meanwhile) and deleted with foreground propagation and
uid + resourceVersion preconditions, so its pods go with it and a Job recreated under the
same name, or changed since that read, is never the one deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.client.cache import Object, split_key
from observe.client.errors import ApiError
from observe.controllers.base import Controller, is_not_found
from observe.controllers.jobstate import finished_condition


def time_left(job: Object, now: datetime) -> float | None:
    """Seconds until ``job`` is due for deletion (≤ 0: now); None when it never is (no TTL,
    not finished, or already being deleted)."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    if not isinstance(ttl, int) or isinstance(ttl, bool) or m.is_terminating(job):
        return None
    finished = finished_condition(job)
    if finished is None:
        return None
    at = m.parse_time(finished.get("lastTransitionTime")) or now
    return at.timestamp() + ttl - now.timestamp()


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished"
    queue_name = "ttl_jobs_to_delete"
    component = "ttl-after-finished-controller"

    def register(self) -> None:
        self.jobs = self.informer("batch", "jobs")
        self._job_type = self.jobs.resource_type
        self.jobs.add_handler(self._maybe_enqueue, lambda old, new: self._maybe_enqueue(new))

    def _maybe_enqueue(self, job: Object) -> None:
        if time_left(job, self.ctx.now()) is not None:
            self.enqueue(job)

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        job = self.jobs.get(namespace, name)
        if job is None:
            return
        left = time_left(job, self.ctx.now())
        if left is None:
            return
        if left > 0:
            self.enqueue_after(key, left)
            return
        try:
            fresh: dict[str, Any] = await self.ctx.api.get(self._job_type, name,
                                                           namespace=namespace)
        except ApiError as e:
            if is_not_found(e):
                return
            raise
        left = time_left(fresh, self.ctx.now())
        if left is None:
            return
        if left > 0:
            self.enqueue_after(key, left)
            return
        meta = fresh["metadata"]
        self.log.info("cleaning up Job %s: %ss after it finished", key,
                      fresh["spec"]["ttlSecondsAfterFinished"])
        try:
            await self.ctx.api.delete(
                self._job_type, name, namespace=namespace, propagation_policy="Foreground",
                preconditions={"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]})
        except ApiError as e:
            if not is_not_found(e):
                raise

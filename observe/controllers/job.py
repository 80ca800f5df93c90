"""The Job controller: run a Job's pods to ``completions`` (or fail it), tracking every
finished pod through the ``batch.kubernetes.io/job-tracking`` finalizer.

The loop around :mod:`.jobstate`, shaped like upstream's ``job_controller.go``. A sync
re-reads the Job and its pods from the caches, counts finished pods (:func:`~.jobstate.tally`),
decides (:func:`~.jobstate.plan`) and acts in upstream's order: delete surplus pods (their
finalizer removed first, so a pod the Job itself deletes is never counted as a failure),
create missing ones (after the exponential back-off that follows failures: 10s, 20s, 40s,
... up to 10 minutes), write the status, then release the counted pods' finalizers.
Expectations keep it from creating or deleting twice before its cache has caught up.

Events are upstream's: ``SuccessfulCreate`` "Created pod: x", ``FailedCreate``,
``SuccessfulDelete`` "Deleted pod: x", ``Completed`` "Job completed", and the failure's own
reason (``BackoffLimitExceeded``, ``DeadlineExceeded``) with its message, plus
``Suspended``/``Resumed``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from observe.api import meta as m
from observe.client.cache import Object, object_key, split_key
from observe.client.errors import ApiError, ClientError
from observe.client.events import NORMAL, WARNING
from observe.controllers import jobstate as js
from observe.controllers import pods as podutil
from observe.controllers.base import Controller, is_not_found, namespace_terminating
from observe.controllers.expectations import Expectations
from observe.controllers.replicaset import slow_start_batch
from observe.controllers.statuswrite import write_status

STRIP_FINALIZER = {"metadata": {"$deleteFromPrimitiveList/finalizers": [js.TRACKING_FINALIZER]}}


class JobController(Controller):
    name = "job"
    component = "job-controller"

    def __init__(self, ctx: Any, *, workers: int = 1,
                 pod_failure_backoff: float = js.DEFAULT_BACKOFF) -> None:
        self.pod_failure_backoff = pod_failure_backoff
        self.backoff: dict[str, js.BackoffRecord] = {}
        super().__init__(ctx, workers=workers)

    def register(self) -> None:
        self.expectations = Expectations(self.ctx.clock)
        self.jobs = self.informer("batch", "jobs")
        self.pods = self.informer("", "pods")
        self._job_type = self.jobs.resource_type
        self._pod_type = self.pods.resource_type
        self.jobs.add_handler(self.enqueue, lambda old, new: self.enqueue(new),
                              self._job_deleted)
        self.watch_owned_pods(self.pods, self.jobs, self.expectations)

    # -- event handlers ------------------------------------------------------------------------

    def _job_deleted(self, job: Object) -> None:
        key = object_key(job)
        self.expectations.forget(key)
        self.backoff.pop(key, None)
        self.enqueue(job)

    # -- sync ----------------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        job = self.jobs.get(namespace, name)
        if job is None:
            self.expectations.forget(key)
            self.backoff.pop(key, None)
            return
        candidates = self.pods.list(namespace)
        pods = await self.claim(job, self._job_type, candidates, self._pod_type)
        counts = js.tally(job, pods)
        record = self.backoff.setdefault(key, js.BackoffRecord())
        record.observe(counts.new_successes, counts.new_failures, self.ctx.clock.now())
        active = [p for p in pods if podutil.is_active(p)]
        terminating = sum(1 for p in pods if m.is_terminating(p) and js.has_finalizer(p)
                          and not podutil.is_terminated(p))
        now = self.ctx.now()
        manage = self.expectations.satisfied(key) and not m.is_terminating(job)
        if js.finished_condition(job) is not None or not manage:
            plan = js.Plan()
        else:
            plan = js.plan(job, counts, active, terminating, now)
        error: ClientError | None = None
        try:
            await self._delete_pods(key, job, plan.delete)
            await self._create_pods(key, job, plan, record)
        except ClientError as e:
            error = e
        status = js.next_status(job, counts, active, terminating, plan, now)
        await write_status(self.ctx.api, self._job_type, job, status)
        self._record_transitions(job, status)
        await self._strip_finalizers(counts.strip)
        if plan.recheck_after is not None and plan.finish is None:
            self.enqueue_after(key, max(plan.recheck_after, 0.0) + 0.1)
        if error is not None:
            raise error

    def _record_transitions(self, job: Object, status: Object) -> None:
        after = {**job, "status": status}
        before_done, after_done = js.finished_condition(job), js.finished_condition(after)
        if after_done is not None and before_done is None:
            if after_done["type"] == js.COMPLETE:
                self.recorder.event(job, NORMAL, "Completed", "Job completed")
            else:
                self.recorder.event(job, WARNING, after_done.get("reason", ""),
                                    after_done.get("message", ""))
        was = js.find_condition(job, js.SUSPENDED) is not None
        now_suspended = js.find_condition(after, js.SUSPENDED) is not None
        if now_suspended and not was:
            self.recorder.event(job, NORMAL, "Suspended", "Job suspended")
        elif was and not now_suspended:
            self.recorder.event(job, NORMAL, "Resumed", "Job resumed")

    async def _create_pods(self, key: str, job: Object, plan: js.Plan,
                           record: js.BackoffRecord) -> None:
        if plan.create <= 0:
            return
        wait = record.remaining(self.ctx.clock.now(), self.pod_failure_backoff)
        if wait > 0:
            self.enqueue_after(key, wait)
            return
        indexes = list(plan.create_indexes)
        self.expectations.expect_creations(key, plan.create)

        async def create_one() -> None:
            index = indexes.pop(0) if indexes else None
            pod = js.pod_for(job, index)
            try:
                created = await self.ctx.api.create(self._pod_type, pod,
                                                    namespace=job["metadata"]["namespace"])
            except ApiError as e:
                if namespace_terminating(e):
                    return
                self.recorder.event(job, WARNING, "FailedCreate", f"Error creating: {e.message}")
                raise
            self.recorder.event(job, NORMAL, "SuccessfulCreate",
                                f"Created pod: {created['metadata']['name']}")

        created, error = await slow_start_batch(plan.create, create_one)
        for _ in range(plan.create - created):
            self.expectations.creation_observed(key)
        if error is not None:
            raise error

    async def _delete_pods(self, key: str, job: Object, victims: list[Object]) -> None:
        if not victims:
            return
        self.expectations.expect_deletions(key, [object_key(p) for p in victims])

        async def delete_one(pod: Object) -> None:
            meta = pod["metadata"]
            try:
                if js.has_finalizer(pod):
                    await self._strip(pod)
                await self.ctx.api.delete(self._pod_type, meta["name"],
                                          namespace=meta["namespace"])
            except ApiError as e:
                self.expectations.deletion_observed(key, object_key(pod))
                if is_not_found(e):
                    return
                self.recorder.event(job, WARNING, "FailedDelete", f"Error deleting: {e.message}")
                raise
            self.recorder.event(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta['name']}")

        results = await asyncio.gather(*(delete_one(p) for p in victims),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    async def _strip(self, pod: Object) -> None:
        meta = pod["metadata"]
        await self.ctx.api.patch(self._pod_type, meta["name"], STRIP_FINALIZER,
                                 namespace=meta["namespace"], patch_type="strategic")

    async def _strip_finalizers(self, pods: list[Object]) -> None:
        async def strip_one(pod: Object) -> None:
            try:
                await self._strip(pod)
            except ApiError as e:
                if not is_not_found(e):
                    raise

        results = await asyncio.gather(*(strip_one(p) for p in pods), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

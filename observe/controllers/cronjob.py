"""The CronJob controller: start a Job at each schedule time, within the concurrency policy.

The loop around :mod:`.cronjobstate` and :mod:`observe.api.cronschedule`, shaped like upstream's
``cronjob_controllerv2.go``. Time comes from the controller context (``ctx.now`` for the
wall clock, ``ctx.clock`` for the delays), so tests drive it with a fake clock. A sync:

1. reconciles ``status.active`` with the Jobs it controls: a finished one leaves the list
   (``SawCompletedJob``), ``lastSuccessfulTime`` follows completions, an unlisted running one
   is reported (``UnexpectedJob``), a listed one that is gone leaves it (``MissingJob``);
2. unless the CronJob is being deleted or suspended, parses the schedule (bad ones get a
   Warning — ``UnknownTimeZone``, ``UnparseableSchedule``, ``InvalidSchedule`` — and no
   requeue until the spec changes) and finds the time due now; a time older than
   ``startingDeadlineSeconds`` is ``MissSchedule``; ``Forbid`` skips it while a Job runs
   (``JobAlreadyActive``), ``Replace`` deletes the running ones first;
3. creates the Job (``SuccessfulCreate`` "Created job x"), adds it to ``status.active`` and
   sets ``lastScheduleTime``; deletes finished Jobs beyond the history limits
   (``SuccessfulDelete`` "Deleted job x"); writes the status; requeues itself for the next
   schedule time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.api.cronschedule import Schedule, ScheduleError, parse
from observe.client.cache import Object, split_key
from observe.client.errors import ApiError
from observe.client.events import NORMAL, WARNING
from observe.controllers import cronjobstate as cs
from observe.controllers.base import Controller, is_not_found, namespace_terminating
from observe.controllers.ownership import is_controlled_by
from observe.controllers.statuswrite import write_status


class CronJobController(Controller):
    name = "cronjob"
    queue_name = "cronjob"
    component = "cronjob-controller"

    def register(self) -> None:
        self.cronjobs = self.informer("batch", "cronjobs")
        self.jobs = self.informer("batch", "jobs")
        self._cj_type = self.cronjobs.resource_type
        self._job_type = self.jobs.resource_type
        self.cronjobs.add_handler(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.jobs.add_handler(self._job_changed, lambda old, new: self._job_changed(new),
                              self._job_changed)

    def _job_changed(self, job: Object) -> None:
        owner = self.owner_key(job, self.cronjobs)
        if owner is not None:
            self.queue.add(owner)

    # -- sync ----------------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        cached = self.cronjobs.get(namespace, name)
        if cached is None:
            return
        cj = {**cached, "status": dict(cached.get("status") or {})}
        jobs = [j for j in self.jobs.list(namespace) if is_controlled_by(j, cj)]
        now = self.ctx.now()
        await self._reconcile_active(cj, jobs)
        requeue: float | None = None
        error: BaseException | None = None
        try:
            requeue = await self._schedule(cj, jobs, now)
        except ApiError as e:
            error = e
        if not m.is_terminating(cj):
            await self._cleanup_history(cj, jobs)
        await write_status(self.ctx.api, self._cj_type, cached, cj["status"])
        if requeue is not None:
            self.enqueue_after(key, max(requeue, 0.0))
        if error is not None:
            raise error

    async def _reconcile_active(self, cj: Object, jobs: list[Object]) -> None:
        status = cj["status"]
        active = [dict(r) for r in status.get("active") or []]
        listed = {r.get("uid") for r in active}
        for job in jobs:
            uid, finished = job["metadata"].get("uid"), cs.finished_type(job)
            if uid not in listed and finished is None:
                self.recorder.event(cj, WARNING, "UnexpectedJob",
                                    "Saw a job that the controller did not create or forgot: "
                                    f"{job['metadata']['name']}")
            elif uid in listed and finished is not None:
                active = [r for r in active if r.get("uid") != uid]
                self.recorder.event(cj, NORMAL, "SawCompletedJob",
                                    f"Saw completed job: {job['metadata']['name']}, "
                                    f"condition: {finished}")
            if finished == "Complete":
                completed = (job.get("status") or {}).get("completionTime")
                last = m.parse_time(status.get("lastSuccessfulTime"))
                when = m.parse_time(completed)
                if when is not None and (last is None or when > last):
                    status["lastSuccessfulTime"] = completed
        children = {j["metadata"].get("uid") for j in jobs}
        for ref in list(active):
            if ref.get("uid") in children:
                continue
            try:
                await self.ctx.api.get(self._job_type, ref.get("name", ""),
                                       namespace=ref.get("namespace"))
            except ApiError as e:
                if not is_not_found(e):
                    raise
                self.recorder.event(cj, NORMAL, "MissingJob",
                                    f"Active job went missing: {ref.get('name')}")
                active.remove(ref)
        if active:
            status["active"] = active
        else:
            status.pop("active", None)

    def _parse(self, cj: Object) -> Schedule | None:
        spec = cj.get("spec") or {}
        text, zone = str(spec.get("schedule") or ""), spec.get("timeZone")
        if "TZ" in text:
            self.recorder.event(cj, WARNING, "UnsupportedSchedule",
                                f"CRON_TZ or TZ used in schedule {text!r} is not officially "
                                "supported, see https://kubernetes.io/docs/concepts/workloads/"
                                "controllers/cron-jobs/ for more details")
        try:
            return parse(text, zone if isinstance(zone, str) else None)
        except ScheduleError as e:
            if isinstance(zone, str) and str(e).startswith("provided bad location"):
                self.recorder.event(cj, WARNING, "UnknownTimeZone",
                                    f'invalid timeZone: "{zone}": unknown time zone {zone}')
            else:
                self.recorder.event(cj, WARNING, "UnparseableSchedule",
                                    f'unparseable schedule: "{text}" : {e}')
            return None

    async def _schedule(self, cj: Object, jobs: list[Object], now: datetime) -> float | None:
        """Start the Job due now, if any; the seconds until the next sync is due."""
        spec = cj.get("spec") or {}
        if m.is_terminating(cj) or spec.get("suspend") is True:
            return None
        schedule = self._parse(cj)
        if schedule is None:
            return None
        try:
            scheduled, too_many = cs.next_schedule_time(cj, now, schedule)
        except cs.InvalidSchedule as e:
            self.recorder.event(cj, WARNING, "InvalidSchedule",
                                f"invalid schedule: {spec.get('schedule')} : {e}")
            return None
        if too_many:
            self.recorder.event(cj, WARNING, "TooManyMissedTimes",
                                "too many missed start times. Set or decrease "
                                ".spec.startingDeadlineSeconds or check clock skew")
        if scheduled is None:
            return cs.requeue_after(cj, now, schedule)
        if cs.too_late(cj, scheduled, now):
            self.recorder.event(cj, WARNING, "MissSchedule",
                                "Missed scheduled time to start a job: "
                                f"{cs.format_missed(scheduled)}")
            return cs.requeue_after(cj, now, schedule)
        status = cj["status"]
        name = cs.job_name(cj, scheduled)
        active = status.get("active") or []
        if any(r.get("name") == name for r in active) or \
                m.parse_time(status.get("lastScheduleTime")) == scheduled:
            return cs.requeue_after(cj, now, schedule)
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and active:
            self.recorder.event(cj, NORMAL, "JobAlreadyActive",
                                "Not starting job because prior execution is running and "
                                "concurrency policy is Forbid")
            return cs.requeue_after(cj, now, schedule)
        if policy == "Replace":
            for ref in list(active):
                await self._delete_job(cj, ref.get("name", ""), ref.get("uid"))
        created = await self._create_job(cj, scheduled, schedule)
        if created is None:
            return None
        status["active"] = [*(status.get("active") or []), cs.job_reference(created)]
        status["lastScheduleTime"] = m.rfc3339(scheduled)
        return cs.requeue_after(cj, now, schedule)

    async def _create_job(self, cj: Object, scheduled: datetime,
                          schedule: Schedule) -> Object | None:
        body = cs.job_from_template(cj, scheduled, schedule)
        namespace = cj["metadata"]["namespace"]
        try:
            created: dict[str, Any] = await self.ctx.api.create(self._job_type, body,
                                                                namespace=namespace)
        except ApiError as e:
            if namespace_terminating(e):
                return None
            if e.code != 409:
                self.recorder.event(cj, WARNING, "FailedCreate", f"Error creating job: {e}")
                raise
            # Created before, but the status update was lost: list it again if it is ours.
            existing = await self.ctx.api.get(self._job_type, body["metadata"]["name"],
                                              namespace=namespace)
            listed = {r.get("uid") for r in cj["status"].get("active") or []}
            if not is_controlled_by(existing, cj) or existing["metadata"]["uid"] in listed:
                return None
            return existing
        self.recorder.event(cj, NORMAL, "SuccessfulCreate",
                            f"Created job {created['metadata']['name']}")
        return created

    async def _delete_job(self, cj: Object, name: str, uid: str | None) -> None:
        try:
            await self.ctx.api.delete(self._job_type, name, namespace=cj["metadata"]["namespace"],
                                      propagation_policy="Background")
        except ApiError as e:
            if not is_not_found(e):
                self.recorder.event(cj, WARNING, "FailedDelete", f"Deleted job: {e}")
                raise
        active = [r for r in cj["status"].get("active") or [] if r.get("uid") != uid]
        if active:
            cj["status"]["active"] = active
        else:
            cj["status"].pop("active", None)
        self.recorder.event(cj, NORMAL, "SuccessfulDelete", f"Deleted job {name}")

    async def _cleanup_history(self, cj: Object, jobs: list[Object]) -> None:
        for job in cs.history_to_delete(cj, jobs):
            await self._delete_job(cj, job["metadata"]["name"], job["metadata"].get("uid"))

"""What the Job controller decides, as pure functions over a Job and its pods.

Follows upstream's ``job_controller.go`` with finalizer-based tracking: every pod a Job
creates carries the ``batch.kubernetes.io/job-tracking`` finalizer, so a finished pod cannot
vanish (pod GC, a user's delete) before it has been counted. :func:`tally` moves finished
pods into ``status.uncountedTerminatedPods`` and names the pods whose finalizer may go; once
a pod's finalizer is gone (or the pod is), its uid moves from there into the ``succeeded``
or ``failed`` counters. The status is written before finalizers are removed, so a crash in
between only repeats the removal, never a count.

:func:`plan` then decides the Job's fate — the interim ``SuccessCriteriaMet`` or
``FailureTarget`` condition (``BackoffLimitExceeded``, ``DeadlineExceeded``), and the
terminal ``Complete``/``Failed`` one once no pod is left running or terminating — and, while
it runs, how many pods (or which completion indexes) to create or delete.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.controllers import pods as podutil

Object = dict[str, Any]

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
INDEX_ENV = "JOB_COMPLETION_INDEX"

# Condition types and reasons (batch/v1).
COMPLETE, FAILED, SUSPENDED = "Complete", "Failed", "Suspended"
SUCCESS_CRITERIA_MET, FAILURE_TARGET = "SuccessCriteriaMet", "FailureTarget"
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")

# Upstream's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff.
DEFAULT_BACKOFF = 10.0
MAX_BACKOFF = 600.0


# -- reading a Job -----------------------------------------------------------------------------

def _spec(job: Object) -> Object:
    spec = job.get("spec")
    return spec if isinstance(spec, dict) else {}


def _int(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def completions(job: Object) -> int | None:
    return _int(_spec(job).get("completions"), None)


def parallelism(job: Object) -> int:
    return max(0, _int(_spec(job).get("parallelism"), 1) or 0)


def backoff_limit(job: Object) -> int:
    return max(0, _int(_spec(job).get("backoffLimit"), 6) or 0)


def is_indexed(job: Object) -> bool:
    return _spec(job).get("completionMode") == "Indexed"


def is_suspended(job: Object) -> bool:
    return _spec(job).get("suspend") is True


def find_condition(obj: Object, kind: str) -> Object | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == kind and cond.get("status") == "True":
            return cond
    return None


def finished_condition(job: Object) -> Object | None:
    """The Job's true ``Complete`` or ``Failed`` condition, if it has finished."""
    return find_condition(job, COMPLETE) or find_condition(job, FAILED)


def completion_index(pod: Object) -> int | None:
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(COMPLETION_INDEX)
    try:
        index = int(str(text))
    except ValueError:
        return None
    return index if index >= 0 and str(index) == text else None


# -- completed indexes, as the interval text status.completedIndexes holds -----------------------

def parse_indexes(text: Any, limit: int | None) -> set[int]:
    """``"1,3-5"`` as a set; out-of-range or malformed parts are ignored."""
    result: set[int] = set()
    for part in str(text or "").split(","):
        low, _, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            continue
        if limit is not None:
            last = min(last, limit - 1)
        result.update(range(max(first, 0), last + 1))
    return result


def format_indexes(indexes: set[int]) -> str:
    parts: list[str] = []
    ordered = sorted(indexes)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


# -- pods --------------------------------------------------------------------------------------

def pod_succeeded(pod: Object) -> bool:
    return podutil.phase(pod) == "Succeeded"


def pod_failed(pod: Object, job: Object) -> bool:
    """Failed, or (unless podReplacementPolicy is ``Failed``) being deleted unfinished: such
    a pod will never succeed, so upstream counts it as a failure."""
    if podutil.phase(pod) == "Failed":
        return True
    replace_failed_only = _spec(job).get("podReplacementPolicy") == "Failed"
    return not replace_failed_only and m.is_terminating(pod) and not pod_succeeded(pod)


def has_finalizer(pod: Object) -> bool:
    return TRACKING_FINALIZER in m.finalizers(pod)


def restarts_on_failure(pods: list[Object]) -> int:
    """Container restarts of pending and running pods (``restartPolicy: OnFailure`` retries
    in place, so these count towards the backoff limit)."""
    total = 0
    for pod in pods:
        if podutil.phase(pod) not in ("Pending", "Running"):
            continue
        status = pod.get("status") or {}
        for key in ("initContainerStatuses", "containerStatuses"):
            total += sum(int(s.get("restartCount") or 0) for s in status.get(key) or []
                         if isinstance(s, dict))
    return total


# -- counting finished pods --------------------------------------------------------------------

@dataclass
class Tally:
    """Finished pods accounted for: the status counters after this sync and the pods whose
    tracking finalizer can now be removed."""

    succeeded: int
    failed: int
    uncounted: dict[str, list[str]]
    completed_indexes: set[int]
    strip: list[Object] = field(default_factory=list)
    new_failures: int = 0
    new_successes: int = 0

    @property
    def total_succeeded(self) -> int:
        return self.succeeded + len(self.uncounted["succeeded"])

    @property
    def total_failed(self) -> int:
        return self.failed + len(self.uncounted["failed"])


def tally(job: Object, pods: list[Object]) -> Tally:
    """Account for ``pods``' terminations in ``job``'s status (see the module docstring)."""
    status = job.get("status") or {}
    by_uid = {p["metadata"].get("uid"): p for p in pods}
    raw = status.get("uncountedTerminatedPods") or {}
    uncounted = {k: [u for u in raw.get(k) or [] if isinstance(u, str)]
                 for k in ("succeeded", "failed")}
    result = Tally(_int(status.get("succeeded"), 0) or 0, _int(status.get("failed"), 0) or 0,
                   {"succeeded": [], "failed": []},
                   parse_indexes(status.get("completedIndexes"), completions(job)))
    for kind, uids in uncounted.items():
        for uid in uids:
            pod = by_uid.get(uid)
            if pod is None or not has_finalizer(pod):
                if kind == "succeeded":
                    result.succeeded += 1
                else:
                    result.failed += 1
            else:
                result.uncounted[kind].append(uid)
    seen = set(uncounted["succeeded"]) | set(uncounted["failed"])
    indexed, limit = is_indexed(job), completions(job)
    for pod in pods:
        if not has_finalizer(pod):
            continue
        succeeded, failed = pod_succeeded(pod), pod_failed(pod, job)
        if not (succeeded or failed):
            continue
        result.strip.append(pod)
        uid = pod["metadata"].get("uid")
        if uid in seen:
            continue
        if succeeded:
            index = completion_index(pod)
            if indexed and (index is None or (limit is not None and index >= limit)
                            or index in result.completed_indexes):
                continue  # a duplicate or stray index completes nothing
            if indexed and index is not None:
                result.completed_indexes.add(index)
            result.uncounted["succeeded"].append(uid)
            result.new_successes += 1
        else:
            result.uncounted["failed"].append(uid)
            result.new_failures += 1
    return result


# -- backoff between failed pods ---------------------------------------------------------------

@dataclass
class BackoffRecord:
    """Failures since the last success and when the latest happened (upstream keeps the same
    record in memory, per Job)."""

    failures: int = 0
    last_failure: float = 0.0

    def observe(self, new_successes: int, new_failures: int, now: float) -> None:
        if new_successes:
            self.failures = 0
        if new_failures:
            self.failures += new_failures
            self.last_failure = now

    def remaining(self, now: float, base: float, cap: float = MAX_BACKOFF) -> float:
        """Seconds to wait before creating a replacement pod."""
        if self.failures <= 0:
            return 0.0
        delay = min(base * 2 ** (self.failures - 1), cap)
        return max(0.0, self.last_failure + delay - now)


# -- deciding ----------------------------------------------------------------------------------

@dataclass
class Plan:
    """What one sync of a Job does."""

    create: int = 0
    create_indexes: list[int] = field(default_factory=list)
    delete: list[Object] = field(default_factory=list)
    finish: tuple[str, str, str] | None = None  # (condition type, reason, message)
    interim: tuple[str, str, str] | None = None
    recheck_after: float | None = None  # active deadline still to come


def _deadline_left(job: Object, now: datetime) -> float | None:
    deadline = _int(_spec(job).get("activeDeadlineSeconds"), None)
    started = m.parse_time((job.get("status") or {}).get("startTime"))
    if deadline is None or started is None:
        return None
    return started.timestamp() + deadline - now.timestamp()


def _failure(job: Object, counts: Tally, active: list[Object], now: datetime
             ) -> tuple[str, str] | None:
    limit = backoff_limit(job)
    restart_policy = ((_spec(job).get("template") or {}).get("spec") or {}).get("restartPolicy")
    if counts.total_failed > limit:
        return BACKOFF_LIMIT_EXCEEDED
    if restart_policy == "OnFailure":
        restarts = restarts_on_failure(active)
        if (restarts > 0 if limit == 0 else restarts >= limit):
            return BACKOFF_LIMIT_EXCEEDED
    left = _deadline_left(job, now)
    if left is not None and left <= 0:
        return DEADLINE_EXCEEDED
    return None


def _complete(job: Object, counts: Tally, active: list[Object]) -> bool:
    wanted = completions(job)
    if is_indexed(job):
        return wanted is not None and len(counts.completed_indexes) >= wanted
    if wanted is None:
        return counts.total_succeeded > 0 and not active
    return counts.total_succeeded >= wanted


def _interim_of(job: Object) -> tuple[str, str, str] | None:
    for kind in (SUCCESS_CRITERIA_MET, FAILURE_TARGET):
        cond = find_condition(job, kind)
        if cond is not None:
            final = COMPLETE if kind == SUCCESS_CRITERIA_MET else FAILED
            return final, str(cond.get("reason") or ""), str(cond.get("message") or "")
    return None


def plan(job: Object, counts: Tally, active: list[Object], terminating: int,
         now: datetime) -> Plan:
    """What to do for a Job that has not finished, given its tally and pods."""
    result = Plan()
    target = _interim_of(job)
    if target is None:
        failure = _failure(job, counts, active, now)
        if failure is not None:
            target = (FAILED, *failure)
        elif _complete(job, counts, active):
            target = (COMPLETE, *COMPLETIONS_REACHED)
        if target is not None:
            interim = FAILURE_TARGET if target[0] == FAILED else SUCCESS_CRITERIA_MET
            result.interim = (interim, target[1], target[2])
    if target is not None:
        result.delete = list(active)
        # The terminal condition waits until every pod has stopped and been counted, so
        # a finished Job's counters are final.
        if not active and not terminating and not any(counts.uncounted.values()):
            result.finish = target
        return result
    if is_suspended(job):
        result.delete = list(active)
        return result
    left = _deadline_left(job, now)
    if left is not None:
        result.recheck_after = left
    if is_indexed(job):
        _plan_indexed(job, counts, active, result)
    else:
        _plan_non_indexed(job, counts, active, result)
    return result


def _want_active(job: Object, done: int, active: int) -> int:
    wanted = completions(job)
    if wanted is None:
        return active if done > 0 else parallelism(job)
    return max(0, min(wanted - done, parallelism(job)))


def _plan_non_indexed(job: Object, counts: Tally, active: list[Object], result: Plan) -> None:
    want = _want_active(job, counts.total_succeeded, len(active))
    if len(active) > want:
        result.delete = podutil.deletion_order(active, active, None)[:len(active) - want]
    else:
        result.create = want - len(active)


def _plan_indexed(job: Object, counts: Tally, active: list[Object], result: Plan) -> None:
    limit = completions(job) or 0
    keep: dict[int, Object] = {}
    for pod in active:
        index = completion_index(pod)
        if index is None or index >= limit or index in counts.completed_indexes \
                or index in keep:
            result.delete.append(pod)  # stray, already completed or a duplicate
        else:
            keep[index] = pod
    want = _want_active(job, len(counts.completed_indexes), len(keep))
    if len(keep) > want:
        extra = sorted(keep, reverse=True)[:len(keep) - want]
        result.delete += [keep[i] for i in extra]
        return
    missing = [i for i in range(limit) if i not in counts.completed_indexes and i not in keep]
    result.create_indexes = missing[:want - len(keep)]
    result.create = len(result.create_indexes)


# -- pods and status ---------------------------------------------------------------------------

def pod_for(job: Object, index: int | None) -> Object:
    """The Pod ``job`` creates (for completion ``index`` when Indexed)."""
    template = copy.deepcopy(_spec(job).get("template") or {})
    name = job["metadata"]["name"]
    pod = podutil.pod_from_template(template, job)
    m.add_finalizer(pod, TRACKING_FINALIZER)
    if index is None:
        return pod
    meta, spec = pod["metadata"], pod["spec"]
    meta["generateName"] = f"{name}-{index}-"
    meta.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
    meta.setdefault("labels", {})[COMPLETION_INDEX] = str(index)
    spec["hostname"] = f"{name}-{index}"
    env_var = {"name": INDEX_ENV, "valueFrom": {"fieldRef": {
        "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}}
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            env = [e for e in container.get("env") or [] if e.get("name") != INDEX_ENV]
            container["env"] = [*env, env_var]
    return pod


def _condition(kind: str, reason: str, message: str, now: datetime,
               status: str = "True") -> Object:
    moment = m.rfc3339(now)
    return {"type": kind, "status": status, "lastProbeTime": moment,
            "lastTransitionTime": moment, "reason": reason, "message": message}


def set_condition(conditions: list[Object], kind: str, status: str, reason: str,
                  message: str, now: datetime) -> bool:
    """Add or update the condition of ``kind``; whether anything changed."""
    for i, cond in enumerate(conditions):
        if cond.get("type") != kind:
            continue
        if cond.get("status") == status and cond.get("reason") == reason:
            return False
        conditions[i] = _condition(kind, reason, message, now, status)
        return True
    conditions.append(_condition(kind, reason, message, now, status))
    return True


def next_status(job: Object, counts: Tally, active: list[Object], terminating: int,
                result: Plan, now: datetime) -> Object:
    """The Job's status after this sync."""
    old = job.get("status") or {}
    status: Object = {k: v for k, v in old.items()
                      if k not in ("active", "ready", "terminating", "succeeded", "failed",
                                   "uncountedTerminatedPods", "completedIndexes")}
    conditions = [dict(c) for c in old.get("conditions") or [] if isinstance(c, dict)]
    suspended = is_suspended(job) and result.interim is None and _interim_of(job) is None
    if suspended:
        set_condition(conditions, SUSPENDED, "True", "JobSuspended", "Job suspended", now)
        status.pop("startTime", None)
    else:
        if find_condition(job, SUSPENDED) is not None:
            set_condition(conditions, SUSPENDED, "False", "JobResumed", "Job resumed", now)
        status.setdefault("startTime", m.rfc3339(now))
    for change in (result.interim, result.finish):
        if change is not None:
            kind, reason, message = change
            set_condition(conditions, kind, "True", reason, message, now)
    if result.finish is not None and result.finish[0] == COMPLETE:
        status["completionTime"] = m.rfc3339(now)
    if conditions:
        status["conditions"] = conditions
    remaining = [p for p in active if p not in result.delete]
    if remaining:
        status["active"] = len(remaining)
    status["ready"] = sum(1 for p in remaining if podutil.is_ready(p))
    status["terminating"] = terminating + len(active) - len(remaining)
    for key, value in (("succeeded", counts.succeeded), ("failed", counts.failed)):
        if value:
            status[key] = value
    if is_indexed(job) and counts.completed_indexes:
        status["completedIndexes"] = format_indexes(counts.completed_indexes)
    status["uncountedTerminatedPods"] = {k: v for k, v in counts.uncounted.items() if v}
    return status

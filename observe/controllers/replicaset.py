"""The ReplicaSet controller: keep ``spec.replicas`` pods running for each ReplicaSet.

Follows upstream's ``replica_set.go``. A sync re-reads the ReplicaSet and the namespace's
pods from the informer caches, claims pods (adopting matching orphans, releasing owned pods
that stopped matching), then — only if earlier creations and deletions have been observed
(:mod:`.expectations`) — creates pods from the template (``<rs>-<5 random>`` via
generateName, in slow-start batches of 1, 2, 4, ...) or deletes the ones
:func:`~observe.controllers.pods.pods_to_delete` ranks first. Status is always recomputed
from the pods (:func:`calculate_status`). Events are upstream's: ``SuccessfulCreate``
"Created pod: x", ``FailedCreate`` "Error creating: ...", ``SuccessfulDelete`` "Deleted pod:
x", ``FailedDelete``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.api.selectors import label_selector_from_dict
from observe.client.cache import Object, object_key, split_key
from observe.client.errors import ApiError, ClientError
from observe.client.events import NORMAL, WARNING
from observe.controllers import pods as podutil
from observe.controllers.base import Controller, is_not_found, namespace_terminating
from observe.controllers.expectations import Expectations
from observe.controllers.ownership import controller_of

# Upstream's BurstReplicas: the most pods one sync creates or deletes.
BURST_REPLICAS = 500
REPLICA_FAILURE = "ReplicaFailure"


def spec_replicas(obj: Object) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return value if isinstance(value, int) else 1


def min_ready_seconds(obj: Object) -> int:
    value = (obj.get("spec") or {}).get("minReadySeconds")
    return value if isinstance(value, int) else 0


def replica_diff(rs: Object, active_pods: list[Object]) -> int:
    """Pods to delete (positive) or create (negative), at most :data:`BURST_REPLICAS`."""
    diff = len(active_pods) - spec_replicas(rs)
    return max(-BURST_REPLICAS, min(BURST_REPLICAS, diff))


def calculate_status(rs: Object, pods: list[Object], manage_error: str | None,
                     now: datetime) -> dict[str, Any]:
    """The ReplicaSet's status from the active pods it owns, as upstream computes it."""
    template_labels = ((rs.get("spec") or {}).get("template") or {}).get("metadata", {}) \
        .get("labels") or {}
    fully_labeled = ready = available = 0
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if all(labels.get(k) == v for k, v in template_labels.items()):
            fully_labeled += 1
        if podutil.is_ready(pod):
            ready += 1
            if podutil.is_available(pod, min_ready_seconds(rs), now):
                available += 1
    old = rs.get("status") or {}
    conditions = [c for c in old.get("conditions") or [] if isinstance(c, dict)]
    failure = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
    if manage_error is not None and failure is None:
        diff = len(pods) - spec_replicas(rs)
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append({"type": REPLICA_FAILURE, "status": "True",
                           "lastTransitionTime": m.rfc3339(now), "reason": reason,
                           "message": manage_error})
    elif manage_error is None and failure is not None:
        conditions.remove(failure)
    status: dict[str, Any] = {"replicas": len(pods)}
    # Kubernetes omits these when zero (omitempty), and clients print what they get.
    for key, value in (("fullyLabeledReplicas", fully_labeled), ("readyReplicas", ready),
                       ("availableReplicas", available),
                       ("observedGeneration", (rs.get("metadata") or {}).get("generation"))):
        if value:
            status[key] = value
    if conditions:
        status["conditions"] = conditions
    return status


async def slow_start_batch(count: int, action: Callable[[], Awaitable[None]],
                           initial_batch: int = 1) -> tuple[int, BaseException | None]:
    """Run ``action`` ``count`` times in batches of 1, 2, 4, ... concurrent calls, stopping
    after the first batch with a failure; return the successes and the first error. A
    request that fails for everyone (quota, admission) thus fails once, not ``count``
    times."""
    done, batch = 0, min(count, initial_batch)
    while batch > 0:
        results = await asyncio.gather(*(action() for _ in range(batch)),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        done += batch - len(errors)
        if errors:
            return done, errors[0]
        batch = min(2 * batch, count - done)
    return done, None


class ReplicaSetController(Controller):
    name = "replicaset"
    component = "replicaset-controller"

    def register(self) -> None:
        self.expectations = Expectations(self.ctx.clock)
        self.replicasets = self.informer("apps", "replicasets")
        self.pods = self.informer("", "pods")
        self._rs_type = self.replicasets.resource_type
        self._pod_type = self.pods.resource_type
        self.replicasets.add_handler(self.enqueue, lambda old, new: self.enqueue(new),
                                     self._replicaset_deleted)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    # -- event handlers: only bookkeeping and enqueueing ---------------------------------------

    def _replicaset_deleted(self, rs: Object) -> None:
        self.expectations.forget(object_key(rs))
        self.enqueue(rs)

    def _pod_added(self, pod: Object) -> None:
        if m.is_terminating(pod):
            self._pod_deleted(pod)  # a pod created already terminating counts as gone
            return
        owner = self.owner_key(pod, self.replicasets)
        if owner is not None:
            self.expectations.creation_observed(owner)
            self.queue.add(owner)
        elif controller_of(pod) is None:
            self._enqueue_selecting(pod)

    def _pod_updated(self, old: Object, new: Object) -> None:
        if old.get("metadata", {}).get("resourceVersion") == \
                new.get("metadata", {}).get("resourceVersion"):
            return
        labels_changed = old.get("metadata", {}).get("labels") != \
            new.get("metadata", {}).get("labels")
        if m.is_terminating(new):
            self._pod_deleted(new)
            if labels_changed:
                self._pod_deleted(old)
            return
        old_owner = self.owner_key(old, self.replicasets)
        owner = self.owner_key(new, self.replicasets)
        if old_owner is not None and old_owner != owner:
            self.queue.add(old_owner)
        if owner is not None:
            self.queue.add(owner)
            rs = self.replicasets.store.get_by_key(owner)
            if rs is not None and min_ready_seconds(rs) and not podutil.is_ready(old) \
                    and podutil.is_ready(new):
                self.enqueue_after(owner, min_ready_seconds(rs) + 1)
        elif controller_of(new) is None and (labels_changed or old_owner is not None):
            self._enqueue_selecting(new)

    def _pod_deleted(self, pod: Object) -> None:
        owner = self.owner_key(pod, self.replicasets)
        if owner is not None:
            self.expectations.deletion_observed(owner, object_key(pod))
            self.queue.add(owner)

    def _enqueue_selecting(self, pod: Object) -> None:
        """An orphan: every ReplicaSet that could adopt it should look at it."""
        meta = pod.get("metadata") or {}
        for rs in self.replicasets.list(meta.get("namespace")):
            selector = label_selector_from_dict((rs.get("spec") or {}).get("selector"))
            if not selector.empty and selector.matches(meta.get("labels")):
                self.enqueue(rs)

    # -- sync ----------------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        rs = self.replicasets.get(namespace, name)
        if rs is None:
            self.expectations.forget(key)
            return
        needs_sync = self.expectations.satisfied(key)
        active = [p for p in self.pods.list(namespace) if podutil.is_active(p)]
        owned = await self.claim(rs, self._rs_type, active, self._pod_type)
        manage_error: ClientError | None = None
        if needs_sync and not m.is_terminating(rs):
            try:
                await self._manage_replicas(key, rs, owned)
            except ClientError as e:
                manage_error = e
        now = self.ctx.now()
        status = calculate_status(rs, owned, str(manage_error) if manage_error else None, now)
        written = await self._write_status(rs, status)
        replicas = spec_replicas(rs)
        if manage_error is None and min_ready_seconds(rs) and \
                written.get("readyReplicas", 0) == replicas and \
                written.get("availableReplicas", 0) != replicas:
            self.enqueue_after(key, min_ready_seconds(rs))
        if manage_error is not None:
            raise manage_error

    async def _manage_replicas(self, key: str, rs: Object, pods: list[Object]) -> None:
        diff = replica_diff(rs, pods)
        if diff < 0:
            await self._create_pods(key, rs, -diff)
        elif diff > 0:
            await self._delete_pods(key, rs, pods, diff)

    async def _create_pods(self, key: str, rs: Object, count: int) -> None:
        self.expectations.expect_creations(key, count)
        template = (rs.get("spec") or {}).get("template") or {}

        async def create_one() -> None:
            pod = podutil.pod_from_template(template, rs)
            try:
                created = await self.ctx.api.create(self._pod_type, pod,
                                                    namespace=rs["metadata"]["namespace"])
            except ApiError as e:
                if namespace_terminating(e):
                    self.expectations.creation_observed(key)
                    return
                self.recorder.event(rs, WARNING, "FailedCreate", f"Error creating: {e.message}")
                raise
            self.recorder.event(rs, NORMAL, "SuccessfulCreate",
                                f"Created pod: {created['metadata']['name']}")

        created, error = await slow_start_batch(count, create_one)
        # Creations never attempted or failed will not be observed: stop waiting for them.
        for _ in range(count - created):
            self.expectations.creation_observed(key)
        if error is not None:
            raise error

    async def _delete_pods(self, key: str, rs: Object, pods: list[Object], count: int) -> None:
        victims = podutil.pods_to_delete(pods, self._related_pods(rs), count, self.ctx.now())
        self.expectations.expect_deletions(key, [object_key(p) for p in victims])

        async def delete_one(pod: Object) -> None:
            name = pod["metadata"]["name"]
            try:
                await self.ctx.api.delete(self._pod_type, name,
                                          namespace=pod["metadata"]["namespace"])
            except ApiError as e:
                self.expectations.deletion_observed(key, object_key(pod))
                if is_not_found(e):
                    return
                self.recorder.event(rs, WARNING, "FailedDelete", f"Error deleting: {e.message}")
                raise
            self.recorder.event(rs, NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")

        results = await asyncio.gather(*(delete_one(p) for p in victims),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    def _related_pods(self, rs: Object) -> list[Object]:
        """The active pods of every ReplicaSet sharing ``rs``'s controller (or of ``rs``)."""
        namespace = rs["metadata"].get("namespace")
        owner = controller_of(rs)
        if owner is None:
            family = {rs["metadata"].get("uid")}
        else:
            family = {r["metadata"].get("uid") for r in self.replicasets.list(namespace)
                      if (controller_of(r) or {}).get("uid") == owner.get("uid")}
        return [p for p in self.pods.list(namespace)
                if podutil.is_active(p) and (controller_of(p) or {}).get("uid") in family]

    async def _write_status(self, rs: Object, status: dict[str, Any]) -> dict[str, Any]:
        if rs.get("status") == status:
            return status
        body = {**rs, "status": status}
        try:
            await self.ctx.api.replace(self._rs_type, body, subresource="status")
        except ApiError as e:
            if is_not_found(e):
                return status  # deleted meanwhile: nothing left to report on
            if e.code != 409:
                raise
            # The cache was behind: recompute on the fresh object next time round.
            fresh = await self.ctx.api.get(self._rs_type, rs["metadata"]["name"],
                                           namespace=rs["metadata"]["namespace"])
            await self.ctx.api.replace(self._rs_type, {**fresh, "status": status},
                                       subresource="status")
        return status

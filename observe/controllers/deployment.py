"""The Deployment controller: roll a Deployment's pod template out through ReplicaSets.

Follows upstream's ``deployment_controller.go`` / ``sync.go`` / ``rolling.go`` /
``recreate.go``. A sync claims the Deployment's ReplicaSets, then either only records status
(the Deployment is being deleted), only scales (paused, or ``spec.replicas`` changed:
proportional scaling across the active ReplicaSets), or rolls out:

- **RollingUpdate**: find or create the new ReplicaSet (``<deployment>-<pod-template-hash>``,
  revision = highest old + 1), grow it within maxSurge, shrink old ones within
  maxUnavailable, one step per sync, each step triggering the next through the ReplicaSet
  events it causes;
- **Recreate**: scale every old ReplicaSet to zero, wait until their pods are gone, then
  create or scale up the new one.

A rollback (``kubectl rollout undo``) is just a template change back to an old template: the
old ReplicaSet is found again by template, gets the next revision number and grows while the
current one shrinks. Old ReplicaSets beyond ``revisionHistoryLimit`` are deleted once a
rollout completes. The arithmetic lives in :mod:`.deployment_rollout`, annotations in
:mod:`.deployment_revisions`, status and conditions in :mod:`.deployment_status`.
"""

from __future__ import annotations

import copy
from typing import Any

from observe.api import meta as m
from observe.api.selectors import label_selector_from_dict
from observe.client.cache import Object, object_key, split_key
from observe.client.errors import ApiError
from observe.client.events import NORMAL, WARNING
from observe.controllers import deployment_rollout as rollout
from observe.controllers import deployment_status as dstatus
from observe.controllers.base import (
    Controller,
    RetryLater,
    is_not_found,
    namespace_terminating,
)
from observe.controllers.deployment_revisions import (
    REVISION,
    annotations,
    max_revision,
    new_replicaset_annotations,
    replicas_annotations,
    replicas_annotations_need_update,
)
from observe.controllers.ownership import controller_of, controller_ref
from observe.controllers.podtemplate import HASH_LABEL, equal_ignore_hash, template_hash


class DeploymentController(Controller):
    name = "deployment"
    component = "deployment-controller"

    def register(self) -> None:
        self.deployments = self.informer("apps", "deployments")
        self.replicasets = self.informer("apps", "replicasets")
        self.pods = self.informer("", "pods")
        self._d_type = self.deployments.resource_type
        self._rs_type = self.replicasets.resource_type
        self.deployments.add_handler(self.enqueue, lambda old, new: self.enqueue(new),
                                     self.enqueue)
        self.replicasets.add_handler(self._replicaset_added, self._replicaset_updated,
                                     self._replicaset_deleted)
        self.pods.add_handler(on_delete=self._pod_deleted)

    # -- event handlers ------------------------------------------------------------------------

    def _replicaset_added(self, rs: Object) -> None:
        if m.is_terminating(rs):
            self._replicaset_deleted(rs)
            return
        key = self.owner_key(rs, self.deployments)
        if key is not None:
            self.queue.add(key)
        elif controller_of(rs) is None:
            self._enqueue_selecting(rs)

    def _replicaset_updated(self, old: Object, new: Object) -> None:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return
        old_key = self.owner_key(old, self.deployments)
        key = self.owner_key(new, self.deployments)
        if old_key is not None and old_key != key:
            self.queue.add(old_key)
        if key is not None:
            self.queue.add(key)
        elif controller_of(new) is None and (
                old_key is not None
                or old["metadata"].get("labels") != new["metadata"].get("labels")):
            self._enqueue_selecting(new)

    def _replicaset_deleted(self, rs: Object) -> None:
        key = self.owner_key(rs, self.deployments)
        if key is not None:
            self.queue.add(key)

    def _pod_deleted(self, pod: Object) -> None:
        # Recreate waits for old pods to disappear; nothing else needs pod events.
        rs_key = self.owner_key(pod, self.replicasets)
        rs = self.replicasets.store.get_by_key(rs_key) if rs_key else None
        key = self.owner_key(rs, self.deployments) if rs is not None else None
        deployment = self.deployments.store.get_by_key(key) if key else None
        if deployment is not None and not rollout.is_rolling_update(deployment):
            self.queue.add(key)

    def _enqueue_selecting(self, rs: Object) -> None:
        meta = rs["metadata"]
        for deployment in self.deployments.list(meta.get("namespace")):
            selector = label_selector_from_dict((deployment.get("spec") or {}).get("selector"))
            if not selector.empty and selector.matches(meta.get("labels")):
                self.enqueue(deployment)

    # -- sync ----------------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        cached = self.deployments.get(namespace, name)
        if cached is None:
            return
        d = copy.deepcopy(cached)  # cache objects are shared: work on a copy
        if (d.get("spec") or {}).get("selector") == {}:
            self.recorder.event(d, WARNING, "SelectingAll", "This deployment is selecting all "
                                "pods. A non-empty selector is required.")
            status = dict(d.get("status") or {})
            if status.get("observedGeneration", 0) < (d["metadata"].get("generation") or 0):
                status["observedGeneration"] = d["metadata"]["generation"]
                await self._write_status(d, status)
            return
        rss = await self.claim(d, self._d_type, self.replicasets.list(namespace),
                               self._rs_type)
        if m.is_terminating(d):
            await self._sync_status_only(d, rss)
            return
        await self._record_pause(d)
        if (d.get("spec") or {}).get("paused"):
            await self._sync_scale(d, rss)
            return
        new_rs, old_rss = await self._new_and_old(d, rss, create=False)
        if rollout.is_scaling_event(d, new_rs, old_rss):
            await self._sync_scale(d, rss)
        elif rollout.is_rolling_update(d):
            await self._rollout_rolling(d, rss)
        else:
            await self._rollout_recreate(d, rss)

    async def _sync_status_only(self, d: Object, rss: list[Object]) -> None:
        new_rs, old_rss = await self._new_and_old(d, rss, create=False)
        status = dstatus.calculate_status([*old_rss, new_rs], new_rs, d, self.ctx.now())
        if status != d.get("status"):
            await self._write_status(d, status)

    async def _sync_scale(self, d: Object, rss: list[Object]) -> None:
        """A scaling event or a paused Deployment: resize, never roll out."""
        new_rs, old_rss = await self._new_and_old(d, rss, create=False)
        await self._scale(d, new_rs, old_rss)
        if (d.get("spec") or {}).get("paused"):
            await self._clean_up(d, old_rss)
        await self._sync_status_only(d, rss)

    async def _scale(self, d: Object, new_rs: Object | None, old_rss: list[Object]) -> None:
        target = rollout.find_active_or_latest(new_rs, old_rss)
        if target is not None:
            if rollout.replicas(target) != rollout.replicas(d):
                await self._scale_and_record(target, rollout.replicas(d), d)
            return
        if rollout.is_saturated(d, new_rs):
            for rs in rollout.active(old_rss):
                await self._scale_and_record(rs, 0, d)
            return
        if rollout.is_rolling_update(d):
            by_name = {rs["metadata"]["name"]: rs
                       for rs in rollout.active([*old_rss, new_rs])}
            sizes, direction = rollout.proportional_sizes(d, new_rs, old_rss)
            for name, size in sizes:
                await self._scale_replicaset(by_name[name], size, d, direction)

    # -- RollingUpdate and Recreate ------------------------------------------------------------

    async def _rollout_rolling(self, d: Object, rss: list[Object]) -> None:
        new_rs, old_rss = await self._new_and_old(d, rss, create=True)
        assert new_rs is not None
        desired = rollout.replicas(d)
        if rollout.replicas(new_rs) != desired:
            target = desired if rollout.replicas(new_rs) > desired else \
                rollout.new_rs_replicas(d, [*old_rss, new_rs], new_rs)
            scaled, new_rs = await self._scale_and_record(new_rs, target, d)
            if scaled:
                await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)
                return
        ops = rollout.old_rs_scale_downs(d, [*old_rss, new_rs], rollout.active(old_rss), new_rs)
        by_name = {rs["metadata"]["name"]: rs for rs in old_rss}
        scaled_down = False
        for name, size in ops:
            scaled, by_name[name] = await self._scale_and_record(by_name[name], size, d)
            scaled_down = scaled_down or scaled
        old_rss = [by_name[rs["metadata"]["name"]] for rs in old_rss]
        if not scaled_down and dstatus.deployment_complete(d, d.get("status") or {}):
            await self._clean_up(d, old_rss)
        await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)

    async def _rollout_recreate(self, d: Object, rss: list[Object]) -> None:
        new_rs, old_rss = await self._new_and_old(d, rss, create=False)
        scaled_down = False
        for rs in rollout.active(old_rss):
            scaled, _ = await self._scale_and_record(rs, 0, d)
            scaled_down = scaled_down or scaled
        if scaled_down or rollout.old_pods_running(new_rs, old_rss, self._pods_by_rs(d, rss)):
            await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)
            return
        if new_rs is None:
            new_rs, old_rss = await self._new_and_old(d, rss, create=True)
            assert new_rs is not None
        _, new_rs = await self._scale_and_record(new_rs, rollout.replicas(d), d)
        if dstatus.deployment_complete(d, d.get("status") or {}):
            await self._clean_up(d, old_rss)
        await self._sync_rollout_status([*old_rss, new_rs], new_rs, d)

    def _pods_by_rs(self, d: Object, rss: list[Object]) -> dict[str, list[Object]]:
        selector = label_selector_from_dict((d.get("spec") or {}).get("selector"))
        grouped: dict[str, list[Object]] = {rs["metadata"]["uid"]: [] for rs in rss}
        for pod in self.pods.list(d["metadata"].get("namespace")):
            uid = (controller_of(pod) or {}).get("uid")
            if uid in grouped and selector.matches(pod["metadata"].get("labels")):
                grouped[uid].append(pod)
        return grouped

    # -- the new ReplicaSet and revisions ------------------------------------------------------

    async def _new_and_old(self, d: Object, rss: list[Object], *, create: bool
                           ) -> tuple[Object | None, list[Object]]:
        old_rss = rollout.find_old_replicasets(d, rss)
        return await self._new_replicaset(d, rss, old_rss, create), old_rss

    async def _new_replicaset(self, d: Object, rss: list[Object], old_rss: list[Object],
                              create: bool) -> Object | None:
        """The ReplicaSet running the Deployment's template, its revision and annotations
        brought up to date; created (sized by the strategy) when ``create`` and missing."""
        new_revision = max_revision(old_rss) + 1
        bounds = (rollout.replicas(d), rollout.replicas(d) + rollout.max_surge(d))
        existing = rollout.find_new_replicaset(d, rss)
        if existing is not None:
            wanted = new_replicaset_annotations(d, annotations(existing), new_revision, True,
                                                bounds)
            min_ready = (d.get("spec") or {}).get("minReadySeconds")
            if wanted != annotations(existing) or \
                    ((existing.get("spec") or {}).get("minReadySeconds") or 0) != (min_ready or 0):
                body = copy.deepcopy(existing)
                body["metadata"]["annotations"] = wanted
                _set_or_drop(body["spec"], "minReadySeconds", min_ready)
                return await self.ctx.api.replace(self._rs_type, body)
            await self._set_revision(d, annotations(existing).get(REVISION, ""))
            if dstatus.has_progress_deadline(d) and \
                    dstatus.get_condition(d.get("status") or {}, dstatus.PROGRESSING) is None:
                status = copy.deepcopy(d.get("status") or {})
                dstatus.set_condition(status, dstatus.new_condition(
                    dstatus.PROGRESSING, "True", dstatus.FOUND_NEW_RS,
                    f'Found new replica set "{existing["metadata"]["name"]}"', self.ctx.now()))
                await self._write_status(d, status)
            return existing
        if not create:
            return None
        new_rs = self._replicaset_for(d)
        count = rollout.new_rs_replicas(d, [*old_rss, new_rs], new_rs)
        new_rs["spec"]["replicas"] = count
        new_rs["metadata"]["annotations"] = new_replicaset_annotations(
            d, {}, new_revision, False, bounds)
        name = new_rs["metadata"]["name"]
        already_existed = False
        try:
            created = await self.ctx.api.create(self._rs_type, new_rs)
        except ApiError as e:
            if e.code == 409 and e.reason == "AlreadyExists":
                created = await self._existing_namesake(d, name)
                already_existed = True
            elif namespace_terminating(e):
                raise
            else:
                message = f'Failed to create new replica set "{name}": {e.message}'
                if dstatus.has_progress_deadline(d):
                    status = copy.deepcopy(d.get("status") or {})
                    dstatus.set_condition(status, dstatus.new_condition(
                        dstatus.PROGRESSING, "False", dstatus.FAILED_RS_CREATE, message,
                        self.ctx.now()))
                    await self._write_status(d, status)
                self.recorder.event(d, WARNING, dstatus.FAILED_RS_CREATE, message)
                raise
        if not already_existed and count > 0:
            self.recorder.event(d, NORMAL, "ScalingReplicaSet",
                                f"Scaled up replica set {name} from 0 to {count}")
        await self._set_revision(d, str(new_revision))
        if not already_existed and dstatus.has_progress_deadline(d):
            status = copy.deepcopy(d.get("status") or {})
            dstatus.set_condition(status, dstatus.new_condition(
                dstatus.PROGRESSING, "True", dstatus.NEW_RS_CREATED,
                f'Created new replica set "{name}"', self.ctx.now()))
            await self._write_status(d, status)
        return created

    def _replicaset_for(self, d: Object) -> Object:
        """A new ReplicaSet for ``d``'s template (zero replicas, no annotations yet)."""
        spec = d.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        pod_hash = template_hash(template, (d.get("status") or {}).get("collisionCount"))
        template_meta = template.setdefault("metadata", {})
        labels = {**(template_meta.get("labels") or {}), HASH_LABEL: pod_hash}
        template_meta["labels"] = labels
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
        rs_spec: dict[str, Any] = {"replicas": 0, "selector": selector, "template": template}
        _set_or_drop(rs_spec, "minReadySeconds", spec.get("minReadySeconds"))
        return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": f"{d['metadata']['name']}-{pod_hash}",
                             "namespace": d["metadata"].get("namespace"),
                             "labels": dict(labels), "ownerReferences": [controller_ref(d)]},
                "spec": rs_spec}

    async def _existing_namesake(self, d: Object, name: str) -> Object:
        """The ReplicaSet that already has the new one's name: ours (a cache behind the
        apiserver) or a hash collision, which bumps ``collisionCount`` and retries."""
        rs = await self.ctx.api.get(self._rs_type, name, namespace=d["metadata"]["namespace"])
        template = (d.get("spec") or {}).get("template") or {}
        ref = controller_of(rs) or {}
        if ref.get("uid") == d["metadata"].get("uid") and \
                equal_ignore_hash(template, (rs.get("spec") or {}).get("template") or {}):
            return rs
        status = copy.deepcopy(d.get("status") or {})
        status["collisionCount"] = (status.get("collisionCount") or 0) + 1
        await self._write_status(d, status)
        raise RetryLater(f"hash collision on ReplicaSet {name}: retrying with "
                         f"collisionCount {status['collisionCount']}")

    # -- writes --------------------------------------------------------------------------------

    async def _scale_and_record(self, rs: Object, size: int, d: Object
                                ) -> tuple[bool, Object]:
        current = rollout.replicas(rs)
        if current == size:
            return False, rs
        return await self._scale_replicaset(rs, size, d, "up" if current < size else "down")

    async def _scale_replicaset(self, rs: Object, size: int, d: Object, direction: str
                                ) -> tuple[bool, Object]:
        old_size = rollout.replicas(rs)
        desired, maximum = rollout.replicas(d), rollout.replicas(d) + rollout.max_surge(d)
        resize = old_size != size
        if not resize and not replicas_annotations_need_update(rs, desired, maximum):
            return False, rs
        body = copy.deepcopy(rs)
        body["spec"]["replicas"] = size
        body["metadata"]["annotations"] = {**annotations(rs),
                                           **replicas_annotations(desired, maximum)}
        updated = await self.ctx.api.replace(self._rs_type, body)
        if resize:
            self.recorder.event(d, NORMAL, "ScalingReplicaSet",
                                f"Scaled {direction} replica set {rs['metadata']['name']} to "
                                f"{size} from {old_size}")
        return resize, updated

    async def _clean_up(self, d: Object, old_rss: list[Object]) -> None:
        for rs in rollout.replicasets_to_clean_up(d, old_rss):
            try:
                await self.ctx.api.delete(self._rs_type, rs["metadata"]["name"],
                                          namespace=rs["metadata"]["namespace"])
            except ApiError as e:
                if not is_not_found(e):
                    raise

    async def _sync_rollout_status(self, all_rss: list[Object | None], new_rs: Object | None,
                                   d: Object) -> None:
        now = self.ctx.now()
        status = dstatus.rollout_status(all_rss, new_rs, d, now)
        dstatus.with_replica_failure(status, all_rss, new_rs)
        if status != d.get("status"):
            await self._write_status(d, status)
            return
        # Nothing moved: look again when the progress deadline would pass.
        delay = dstatus.stuck_requeue_delay(d, status, now)
        if delay is not None:
            if delay < 1:
                self.queue.add_rate_limited(object_key(d))
            else:
                self.enqueue_after(object_key(d), delay)

    async def _record_pause(self, d: Object) -> None:
        cond = dstatus.paused_condition(d, self.ctx.now())
        if cond is not None:
            status = copy.deepcopy(d.get("status") or {})
            dstatus.set_condition(status, cond)
            await self._write_status(d, status)

    async def _set_revision(self, d: Object, revision: str) -> None:
        """The Deployment mirrors its new ReplicaSet's revision (``kubectl describe``)."""
        if annotations(d).get(REVISION) == revision:
            return
        updated = await self.ctx.api.patch(
            self._d_type, d["metadata"]["name"],
            {"metadata": {"annotations": {REVISION: revision}}},
            namespace=d["metadata"]["namespace"], patch_type="merge")
        d["metadata"] = updated["metadata"]

    async def _write_status(self, d: Object, status: dict[str, Any]) -> None:
        updated = await self.ctx.api.replace(self._d_type, {**d, "status": status},
                                             subresource="status")
        d["metadata"], d["status"] = updated["metadata"], updated.get("status") or {}


def _set_or_drop(spec: dict[str, Any], key: str, value: Any) -> None:
    if value:
        spec[key] = value
    else:
        spec.pop(key, None)

"""The StatefulSet controller: ordered pods with stable names and their own volume claims,
rolled to a new template from the highest ordinal down to ``partition``.

The loop around :mod:`.statefulpods`, shaped like upstream's ``stateful_set.go`` and
``stateful_set_control.go``. A sync claims the set's pods, makes sure the template has a
ControllerRevision (the *update* revision; the *current* one is what ``status.
currentRevision`` names until every pod has been updated), takes one step of
:func:`~.statefulpods.plan` — creating a pod's missing PersistentVolumeClaims before the pod
— writes the status and prunes old revisions. Every pod event re-syncs the set, which is how
an ``OrderedReady`` set moves on once a pod turns ready.

Events are upstream's: ``SuccessfulCreate`` "create Claim www-web-0 Pod web-0 in
StatefulSet web success" and "create Pod web-0 in StatefulSet web successful",
``SuccessfulDelete`` "delete Pod web-2 in StatefulSet web successful", ``FailedCreate``,
``RecreatingFailedPod``.
"""

from __future__ import annotations

from observe.api import meta as m
from observe.client.cache import Object, split_key
from observe.client.errors import ApiError
from observe.client.events import NORMAL, WARNING
from observe.controllers import revisions as rv
from observe.controllers import statefulpods as sp
from observe.controllers.base import Controller, is_not_found
from observe.controllers.history import RevisionKeeper
from observe.controllers.statuswrite import write_status


class StatefulSetController(Controller):
    name = "statefulset"
    component = "statefulset-controller"

    def register(self) -> None:
        self.statefulsets = self.informer("apps", "statefulsets")
        self.pods = self.informer("", "pods")
        self.claims = self.informer("", "persistentvolumeclaims")
        self.revisions = RevisionKeeper(self)
        self._sts_type = self.statefulsets.resource_type
        self._pod_type = self.pods.resource_type
        self._claim_type = self.claims.resource_type
        self.statefulsets.add_handler(self.enqueue, lambda old, new: self.enqueue(new),
                                      self.enqueue)
        self.pods.add_handler(self._pod_changed, lambda old, new: self._pod_changed(new),
                              self._pod_changed)

    def _pod_changed(self, pod: Object) -> None:
        owner = self.owner_key(pod, self.statefulsets)
        if owner is not None:
            self.queue.add(owner)

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        sts = self.statefulsets.get(namespace, name)
        if sts is None or m.is_terminating(sts):
            return
        pods = await self.claim(sts, self._sts_type, self.pods.list(namespace), self._pod_type)
        template = (sts.get("spec") or {}).get("template") or {}
        update_revision = await self.revisions.current(sts, template)
        update = update_revision["metadata"]["name"]
        revisions = {r["metadata"]["name"]: r for r in self.revisions.owned(sts)}
        revisions[update] = update_revision
        current = (sts.get("status") or {}).get("currentRevision") or update
        if current not in revisions:
            current = update
        now = self.ctx.now()
        step = sp.plan(sts, pods, update, now)
        for pod in step.recreate_failed:
            self.recorder.event(sts, WARNING, "RecreatingFailedPod",
                                f"StatefulSet {key} is recreating failed Pod "
                                f"{pod['metadata']['name']}")
            await self._delete_pod(sts, pod)
        for pod in step.delete:
            await self._delete_pod(sts, pod)
        for ordinal in step.create:
            revision = sp.revision_for(sts, ordinal, current, update)
            await self._create_pod(sts, ordinal, revisions[revision], revision)
        status = sp.calculate_status(sts, pods, current, update, now)
        if status.get("updatedReplicas", 0) == sp.replicas(sts) == status["replicas"] and \
                not step.create and not step.delete:
            status["currentRevision"] = update
            status["currentReplicas"] = status.get("updatedReplicas", 0)
        await write_status(self.ctx.api, self._sts_type, sts, status)
        in_use = {current, update} | {sp.revision_of(p) for p in pods}
        await self.revisions.prune(sts, in_use)

    async def _create_pod(self, sts: Object, ordinal: int, revision: Object,
                          revision_name: str) -> None:
        set_name, namespace = sts["metadata"]["name"], sts["metadata"]["namespace"]
        pod = sp.pod_for(sts, rv.template_of(revision), ordinal, revision_name)
        pod_name = pod["metadata"]["name"]
        for claim in sp.claims_for(sts, ordinal):
            claim_name = claim["metadata"]["name"]
            if self.claims.get(namespace, claim_name) is not None:
                continue
            try:
                await self.ctx.api.create(self._claim_type, claim, namespace=namespace)
            except ApiError as e:
                if e.code == 409:
                    continue  # made earlier; the cache had not seen it yet
                self.recorder.event(sts, WARNING, "FailedCreate",
                                    f"create Claim {claim_name} for Pod {pod_name} in "
                                    f"StatefulSet {set_name} failed error: {e.message}")
                raise
            self.recorder.event(sts, NORMAL, "SuccessfulCreate",
                                f"create Claim {claim_name} Pod {pod_name} in StatefulSet "
                                f"{set_name} success")
        try:
            await self.ctx.api.create(self._pod_type, pod, namespace=namespace)
        except ApiError as e:
            if e.code == 409:
                return  # the cache was behind: the pod exists
            self.recorder.event(sts, WARNING, "FailedCreate",
                                f"create Pod {pod_name} in StatefulSet {set_name} failed "
                                f"error: {e.message}")
            raise
        self.recorder.event(sts, NORMAL, "SuccessfulCreate",
                            f"create Pod {pod_name} in StatefulSet {set_name} successful")

    async def _delete_pod(self, sts: Object, pod: Object) -> None:
        set_name, pod_name = sts["metadata"]["name"], pod["metadata"]["name"]
        try:
            await self.ctx.api.delete(self._pod_type, pod_name,
                                      namespace=pod["metadata"]["namespace"],
                                      preconditions={"uid": pod["metadata"]["uid"]})
        except ApiError as e:
            if is_not_found(e) or e.code == 409:
                return
            self.recorder.event(sts, WARNING, "FailedDelete",
                                f"delete Pod {pod_name} in StatefulSet {set_name} failed "
                                f"error: {e.message}")
            raise
        self.recorder.event(sts, NORMAL, "SuccessfulDelete",
                            f"delete Pod {pod_name} in StatefulSet {set_name} successful")

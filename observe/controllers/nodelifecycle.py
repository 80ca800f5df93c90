"""The node lifecycle controller: notice lost nodes, taint them, evict their pods.

Follows upstream's ``node_lifecycle_controller.go`` and ``taint_eviction.go`` (run here as a
second queue of the same controller). Every ``--node-monitor-period`` each node is synced:

1. **health** (:mod:`.nodehealth`): if neither its Lease in ``kube-node-lease`` nor its
   Ready heartbeat moved within ``--node-monitor-grace-period``, its conditions become
   Unknown ``NodeStatusUnknown`` and the node gets a ``NodeNotReady`` event ("Node n1 status
   is now: NodeNotReady");
2. **taints** (:mod:`.taints`): ``node.kubernetes.io/unreachable`` (Ready Unknown) or
   ``node.kubernetes.io/not-ready`` (Ready False), NoSchedule and NoExecute, removed again
   when the node is Ready;
3. **pods** of a lost node are marked not Ready, each with a ``NodeNotReady`` event ("Node is
   not ready").

The ``taint_eviction`` queue (key: a pod) evicts pods from nodes with NoExecute taints once
their tolerations run out — the ``DefaultTolerationSeconds`` admission gives every pod 300 s
for not-ready and unreachable — with a ``TaintManagerEviction`` event ("Marking for deletion
Pod ns/name"), a ``DisruptionTarget`` condition, and a delete.
"""

from __future__ import annotations

import copy

from observe.api import meta as m
from observe.client.cache import Object, object_key, split_key
from observe.client.errors import ApiError
from observe.client.events import NORMAL, WARNING
from observe.controllers import pods as podutil
from observe.controllers.base import Controller, ControllerContext, is_not_found
from observe.controllers.nodehealth import HeartbeatTracker, heartbeat, unknown_conditions
from observe.controllers.taints import desired_taints, eviction_delay, no_execute_taints

NODE_LEASE_NAMESPACE = "kube-node-lease"
EVICTION_REASON = "TaintManagerEviction"
# Upstream runs taint eviction as its own controller, and its events say so.
EVICTION_COMPONENT = "taint-eviction-controller"


class NodeLifecycleController(Controller):
    name = "nodelifecycle"
    queue_name = "node_lifecycle_controller"
    component = "node-controller"

    def __init__(self, ctx: ControllerContext, *, monitor_period: float,
                 grace_period: float, startup_grace_period: float) -> None:
        self.grace_period = grace_period
        self.startup_grace_period = startup_grace_period
        super().__init__(ctx)
        self.tick_period = monitor_period

    def register(self) -> None:
        self.health = HeartbeatTracker()
        self._pending_evictions: set[str] = set()
        self.nodes = self.informer("", "nodes")
        self.leases = self.informer("coordination.k8s.io", "leases", NODE_LEASE_NAMESPACE)
        self.pods = self.informer("", "pods")
        self._node_type = self.nodes.resource_type
        self._pod_type = self.pods.resource_type
        self.evictions = self.add_queue("taint_eviction", self.sync_pod)
        self.nodes.add_handler(self.enqueue, self._node_updated, self._node_deleted)
        self.leases.add_handler(self._lease_changed, lambda old, new: self._lease_changed(new))
        self.pods.add_handler(self._pod_changed, lambda old, new: self._pod_changed(new))

    # -- event handlers -----------------------------------------------------------------------

    def tick(self) -> None:
        for node in self.nodes.list():
            self.enqueue(node)

    def _node_updated(self, old: Object, new: Object) -> None:
        self.enqueue(new)
        if no_execute_taints(old) != no_execute_taints(new):
            name = new["metadata"]["name"]
            for pod in self._pods_on(name):
                self.evictions.add(object_key(pod))

    def _node_deleted(self, node: Object) -> None:
        self.health.forget(node["metadata"]["name"])

    def _lease_changed(self, lease: Object) -> None:
        self.queue.add(lease["metadata"]["name"])

    def _pod_changed(self, pod: Object) -> None:
        node = self.nodes.get(None, podutil.node_name(pod)) if podutil.node_name(pod) else None
        if node is not None and no_execute_taints(node):
            self.evictions.add(object_key(pod))

    def _pods_on(self, node_name: str) -> list[Object]:
        return [p for p in self.pods.list() if podutil.node_name(p) == node_name]

    # -- node sync ----------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        _, name = split_key(key)
        node = self.nodes.get(None, name)
        if node is None:
            self.health.forget(name)
            return
        lease = self.leases.get(NODE_LEASE_NAMESPACE, name)
        silent_for = self.health.observe(name, heartbeat(node, lease), self.ctx.clock.now())
        ready = _ready_status(node)
        grace = self.grace_period if ready is not None else self.startup_grace_period
        now = self.ctx.now()
        if silent_for > grace:
            conditions = unknown_conditions(node, now)
            if conditions is not None:
                node = await self.ctx.api.replace(
                    self._node_type, {**node, "status": {**node.get("status", {}),
                                                         "conditions": conditions}},
                    subresource="status")
                if ready == "True":
                    self.recorder.event(node, NORMAL, "NodeNotReady",
                                        f"Node {name} status is now: NodeNotReady")
        taints = desired_taints(node, now)
        if taints != ((node.get("spec") or {}).get("taints") or []):
            await self.ctx.api.patch(
                self._node_type, name,
                {"spec": {"taints": taints or None},
                 "metadata": {"resourceVersion": node["metadata"]["resourceVersion"]}},
                patch_type="merge")
        if _ready_status(node) == "Unknown":
            await self._mark_pods_not_ready(name)

    async def _mark_pods_not_ready(self, node_name: str) -> None:
        for pod in self._pods_on(node_name):
            if not podutil.is_ready(pod) or podutil.is_terminated(pod):
                continue
            status = copy.deepcopy(pod.get("status") or {})
            for cond in status.get("conditions") or []:
                if cond.get("type") == "Ready":
                    cond["status"] = "False"
                    cond["lastTransitionTime"] = _stamp(self.ctx)
            try:
                await self.ctx.api.replace(self._pod_type, {**pod, "status": status},
                                           subresource="status")
            except ApiError as e:
                if is_not_found(e):
                    continue
                raise
            self.recorder.event(pod, WARNING, "NodeNotReady", "Node is not ready")

    # -- taint eviction -----------------------------------------------------------------------

    async def sync_pod(self, key: str) -> None:
        namespace, name = split_key(key)
        pod = self.pods.get(namespace, name)
        node = self.nodes.get(None, podutil.node_name(pod)) if pod is not None and \
            podutil.node_name(pod) else None
        if pod is None or node is None or pod["metadata"].get("deletionTimestamp"):
            self._pending_evictions.discard(key)
            return
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        delay = eviction_delay(no_execute_taints(node), tolerations, self.ctx.now())
        if delay is None:
            if key in self._pending_evictions:
                self._pending_evictions.discard(key)
                self.ctx.recorder(EVICTION_COMPONENT).event(
                    pod, NORMAL, EVICTION_REASON, f"Cancelling deletion of Pod {key}")
            return
        if delay > 0:
            self._pending_evictions.add(key)
            self.evictions.add_after(key, delay)
            return
        self._pending_evictions.discard(key)
        self.ctx.recorder(EVICTION_COMPONENT).event(pod, NORMAL, EVICTION_REASON,
                                                    f"Marking for deletion Pod {key}")
        await self._evict(pod)

    async def _evict(self, pod: Object) -> None:
        meta = pod["metadata"]
        status = copy.deepcopy(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or []
                      if c.get("type") != "DisruptionTarget"]
        conditions.append({"type": "DisruptionTarget", "status": "True",
                           "lastTransitionTime": _stamp(self.ctx),
                           "reason": "DeletionByTaintManager",
                           "message": "Taint manager: deleting due to NoExecute taint"})
        try:
            await self.ctx.api.replace(self._pod_type,
                                       {**pod, "status": {**status, "conditions": conditions}},
                                       subresource="status")
            await self.ctx.api.delete(self._pod_type, meta["name"],
                                      namespace=meta["namespace"])
        except ApiError as e:
            if not is_not_found(e):
                raise


def _ready_status(node: Object) -> str | None:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return str(cond.get("status"))
    return None


def _stamp(ctx: ControllerContext) -> str:
    return m.rfc3339(ctx.now())

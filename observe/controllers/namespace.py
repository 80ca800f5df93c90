"""The namespace controller: empty a namespace being deleted, then let it go.

Follows upstream's ``namespace_controller.go`` and ``namespaced_resources_deleter.go``. A
Namespace with a deletionTimestamp is in phase Terminating; the controller deletes every
namespaced object in it, kind by kind (pods first, each collection with one
``deletecollection`` and Background propagation), then counts what is left. While objects
remain (pods terminating gracefully, objects held by finalizers) it says so in the
namespace's status conditions and looks again later; once the namespace is empty it removes
the ``kubernetes`` finalizer from ``spec.finalizers`` through ``PUT .../finalize`` and the
apiserver deletes the namespace.

:func:`deletion_conditions` words the five conditions exactly as upstream does
(``NamespaceDeletionContentFailure``, ``NamespaceContentRemaining``,
``NamespaceFinalizersRemaining``, ...), True with the problem or False with the all-clear.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.api.registry import ResourceType
from observe.client.cache import Object, split_key
from observe.client.errors import ApiError, ClientError
from observe.client.paths import resource_path
from observe.controllers.base import Controller, RetryLater, is_not_found

KUBERNETES_FINALIZER = "kubernetes"

# Type → (reason, message) when all is well; conditions appear in this order.
_ALL_CLEAR = {
    "NamespaceDeletionDiscoveryFailure":
        ("ResourcesDiscovered", "All resources successfully discovered"),
    "NamespaceDeletionGroupVersionParsingFailure":
        ("ParsedGroupVersions", "All legacy kube types successfully parsed"),
    "NamespaceDeletionContentFailure":
        ("ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
    "NamespaceContentRemaining": ("ContentRemoved", "All content successfully removed"),
    "NamespaceFinalizersRemaining":
        ("ContentHasNoFinalizers", "All content-preserving finalizers finished"),
}


@dataclass
class ContentReport:
    """What one pass of deleting a namespace's content found."""

    errors: list[str] = field(default_factory=list)
    remaining: dict[str, int] = field(default_factory=dict)   # "pods." -> instances
    finalizers: dict[str, int] = field(default_factory=dict)  # finalizer -> instances
    estimate: float = 0.0  # seconds until graceful deletions should be over

    @property
    def done(self) -> bool:
        return not self.errors and not self.remaining


def deletion_conditions(report: ContentReport, old: list[dict[str, Any]],
                        now: datetime) -> list[dict[str, Any]]:
    """The namespace's deletion conditions after a pass; unchanged ones keep their time."""
    problems: dict[str, tuple[str, str]] = {}
    if report.errors:
        errors = report.errors[0] if len(report.errors) == 1 else \
            "[" + ", ".join(report.errors) + "]"
        problems["NamespaceDeletionContentFailure"] = (
            "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(report.errors)} remaining: {errors}")
    if report.remaining:
        listed = ", ".join(f"{resource} has {count} resource instances"
                           for resource, count in sorted(report.remaining.items()))
        problems["NamespaceContentRemaining"] = (
            "SomeResourcesRemain", f"Some resources are remaining: {listed}")
    if report.finalizers:
        listed = ", ".join(f"{finalizer} in {count} resource instances"
                           for finalizer, count in sorted(report.finalizers.items()))
        problems["NamespaceFinalizersRemaining"] = (
            "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {listed}")
    previous = {c.get("type"): c for c in old if isinstance(c, dict)}
    conditions = []
    for kind, clear in _ALL_CLEAR.items():
        status, (reason, message) = ("True", problems[kind]) if kind in problems \
            else ("False", clear)
        before = previous.get(kind)
        if before is not None and (before.get("status"), before.get("reason"),
                                   before.get("message")) == (status, reason, message):
            conditions.append(before)
        else:
            conditions.append({"type": kind, "status": status,
                               "lastTransitionTime": m.rfc3339(now), "reason": reason,
                               "message": message})
    return conditions


def deletion_order(types: list[ResourceType]) -> list[ResourceType]:
    """Namespaced kinds that can be deleted, pods first (their grace periods run longest)."""
    deletable = [rt for rt in types if rt.namespaced and {"list", "delete"} <= set(rt.verbs)]
    return sorted(deletable, key=lambda rt: (rt.group, rt.plural) != ("", "pods"))


def pod_grace_remaining(pod: Object, now: datetime) -> float:
    deadline = m.parse_time((pod.get("metadata") or {}).get("deletionTimestamp"))
    return max(0.0, deadline.timestamp() - now.timestamp()) if deadline else 0.0


class NamespaceController(Controller):
    name = "namespace"
    component = "namespace-controller"

    def register(self) -> None:
        self.namespaces = self.informer("", "namespaces")
        self._ns_type = self.namespaces.resource_type
        self.namespaces.add_handler(self._changed, lambda old, new: self._changed(new))

    def _changed(self, ns: Object) -> None:
        if m.is_terminating(ns):
            self.enqueue(ns)

    async def sync(self, key: str) -> None:
        _, name = split_key(key)
        try:
            ns = await self.ctx.api.get(self._ns_type, name)
        except ApiError as e:
            if is_not_found(e):
                return
            raise
        if not m.is_terminating(ns):
            return
        if KUBERNETES_FINALIZER not in ((ns.get("spec") or {}).get("finalizers") or []):
            return
        report = await self._delete_content(name)
        ns = await self._write_conditions(ns, report)
        if report.errors:
            raise RetryLater(f"deleting the content of namespace {name}: "
                             f"{'; '.join(report.errors)}")
        if not report.done:
            # Upstream's pacing: half the longest remaining grace period, plus a second.
            self.enqueue_after(key, report.estimate / 2 + 1)
            return
        spec = copy.deepcopy(ns.get("spec") or {})
        spec["finalizers"] = [f for f in spec.get("finalizers") or []
                              if f != KUBERNETES_FINALIZER]
        try:
            await self.ctx.api.replace(self._ns_type, {**ns, "spec": spec},
                                       subresource="finalize")
        except ApiError as e:
            if not is_not_found(e):
                raise

    async def _delete_content(self, namespace: str) -> ContentReport:
        report = ContentReport()
        now = self.ctx.now()
        for rt in deletion_order(list(self.ctx.resources)):
            try:
                await self._delete_collection(rt, namespace)
                left = (await self.ctx.api.list(rt, namespace=namespace))["items"]
            except ClientError as e:
                report.errors.append(f"{rt.plural}.{rt.group}: {e}")
                continue
            if not left:
                continue
            report.remaining[f"{rt.plural}.{rt.group}"] = len(left)
            for obj in left:
                for finalizer in m.finalizers(obj):
                    report.finalizers[finalizer] = report.finalizers.get(finalizer, 0) + 1
                if rt.kind == "Pod" and not rt.group:
                    report.estimate = max(report.estimate, pod_grace_remaining(obj, now))
        return report

    async def _delete_collection(self, rt: ResourceType, namespace: str) -> None:
        options = {"kind": "DeleteOptions", "apiVersion": "v1",
                   "propagationPolicy": "Background"}
        if "deletecollection" in rt.verbs:
            await self.ctx.api.request("DELETE", resource_path(rt, namespace=namespace),
                                       body=options)
            return
        for obj in (await self.ctx.api.list(rt, namespace=namespace))["items"]:
            if m.is_terminating(obj):
                continue
            try:
                await self.ctx.api.delete(rt, obj["metadata"]["name"], namespace=namespace,
                                          propagation_policy="Background")
            except ApiError as e:
                if not is_not_found(e):
                    raise

    async def _write_conditions(self, ns: Object, report: ContentReport) -> Object:
        status = dict(ns.get("status") or {})
        conditions = deletion_conditions(report, status.get("conditions") or [],
                                         self.ctx.now())
        wanted = {**status, "phase": "Terminating", "conditions": conditions}
        if wanted == status:
            return ns
        return await self.ctx.api.replace(self._ns_type, {**ns, "status": wanted},
                                          subresource="status")

"""The explicit registry of resource types the API serves.

One :class:`ResourceType` per kind names its group/version, REST plural, scope, short names
and categories (what discovery publishes and kubectl resolves ``po``/``deploy``/``all``
against) and its subresources. Per-kind behaviour — defaulting, validation, printing — lives
in :mod:`observe.api.kinds`, looked up by the same ``(group, kind)``.

Nothing registers itself on import: :func:`default_registry` builds the table the apiserver
uses, and tests can build their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")


@dataclass(frozen=True)
class Subresource:
    """A subresource such as ``status`` or ``scale``; ``kind`` is what it reads and writes."""

    name: str
    kind: str
    group: str = ""
    version: str = ""
    verbs: tuple[str, ...] = SUBRESOURCE_VERBS


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    # Spec/status split: a write to the main resource ignores status changes (and the status
    # subresource ignores spec changes), and generation tracks spec only.
    has_status: bool = True

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)

    def store_prefix(self, namespace: str | None = None) -> str:
        """Store key prefix: ``/registry/<group>/<plural>/[<namespace>/]``."""
        base = f"/registry/{self.group or 'core'}/{self.plural}/"
        if self.namespaced and namespace:
            return f"{base}{namespace}/"
        return base

    def store_key(self, namespace: str | None, name: str) -> str:
        if self.namespaced:
            return f"{self.store_prefix(namespace)}{name}"
        return f"{self.store_prefix()}{name}"


STATUS = Subresource("status", kind="")  # kind "" means: the resource's own kind
SCALE = Subresource("scale", kind="Scale", group="autoscaling", version="v1")
ALL = ("all",)


@dataclass
class Registry:
    """Resource types by (group, plural), with the look-ups the API and CLI need."""

    types: list[ResourceType] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_plural = {(t.group, t.plural): t for t in self.types}
        self._by_kind = {(t.group, t.kind): t for t in self.types}

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(self.types)

    def get(self, group: str, plural: str) -> ResourceType | None:
        return self._by_plural.get((group, plural))

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        return self._by_kind.get((group, kind))

    def by_api_version(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        rt = self.by_kind(group, kind)
        return rt if rt is not None and rt.version == version else None

    def groups(self) -> dict[str, list[str]]:
        """group -> versions, in registration order ("" is the core group)."""
        out: dict[str, list[str]] = {}
        for t in self.types:
            versions = out.setdefault(t.group, [])
            if t.version not in versions:
                versions.append(t.version)
        return out

    def in_group_version(self, group: str, version: str) -> Iterable[ResourceType]:
        return (t for t in self.types if t.group == group and t.version == version)

    def resolve(self, name: str) -> ResourceType | None:
        """What kubectl resolves a user's word to: plural, singular, kind, short name, or
        ``plural.group`` (``deployments.apps``)."""
        word = name.lower()
        plural, _, group = word.partition(".")
        for t in self.types:
            names = {t.plural, t.singular, t.kind.lower(), *t.short_names}
            if plural in names and (not group or group == t.group or
                                    (group == "core" and t.group == "")):
                return t
        return None


def default_registry() -> Registry:
    core = [
        ResourceType("", "v1", "Namespace", "namespaces", False, ("ns",), (),
                     (STATUS, Subresource("finalize", kind="", verbs=("update",)))),
        ResourceType("", "v1", "Pod", "pods", True, ("po",), ALL,
                     (STATUS, Subresource("binding", kind="Binding", verbs=("create",)),
                      Subresource("log", kind="Pod", verbs=("get",)),
                      Subresource("exec", kind="PodExecOptions", verbs=("create", "get")),
                      Subresource("eviction", kind="Eviction", group="policy", version="v1",
                                  verbs=("create",)))),
        ResourceType("", "v1", "Node", "nodes", False, ("no",), (), (STATUS,)),
        ResourceType("", "v1", "Service", "services", True, ("svc",), ALL, (STATUS,)),
        ResourceType("", "v1", "Endpoints", "endpoints", True, ("ep",), has_status=False),
        ResourceType("", "v1", "Event", "events", True, ("ev",), has_status=False),
        ResourceType("", "v1", "ConfigMap", "configmaps", True, ("cm",), has_status=False),
        ResourceType("", "v1", "Secret", "secrets", True, has_status=False),
        ResourceType("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",),
                     has_status=False),
        ResourceType("", "v1", "PersistentVolume", "persistentvolumes", False, ("pv",), (),
                     (STATUS,)),
        ResourceType("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True,
                     ("pvc",), (), (STATUS,)),
    ]
    apps = [
        ResourceType("apps", "v1", "Deployment", "deployments", True, ("deploy",), ALL,
                     (STATUS, SCALE)),
        ResourceType("apps", "v1", "ReplicaSet", "replicasets", True, ("rs",), ALL,
                     (STATUS, SCALE)),
        ResourceType("apps", "v1", "StatefulSet", "statefulsets", True, ("sts",), ALL,
                     (STATUS, SCALE)),
        ResourceType("apps", "v1", "DaemonSet", "daemonsets", True, ("ds",), ALL, (STATUS,)),
        ResourceType("apps", "v1", "ControllerRevision", "controllerrevisions", True,
                     has_status=False),
    ]
    others = [
        ResourceType("batch", "v1", "Job", "jobs", True, (), ALL, (STATUS,)),
        ResourceType("batch", "v1", "CronJob", "cronjobs", True, ("cj",), ALL, (STATUS,)),
        ResourceType("coordination.k8s.io", "v1", "Lease", "leases", True, has_status=False),
        ResourceType("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True,
                     has_status=False),
        ResourceType("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
                     True, ("hpa",), ALL, (STATUS,)),
        ResourceType("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True,
                     ("pdb",), (), (STATUS,)),
    ]
    return Registry(core + apps + others)

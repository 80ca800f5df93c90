"""Strategic-merge-patch metadata per kind: which lists merge, by which key, and which maps
carry ``retainKeys``.

In Kubernetes this metadata lives in the Go struct tags of k8s.io/api
(``patchStrategy:"merge" patchMergeKey:"name"``, ``patchStrategy:"retainKeys"``). Here it is
plain data: one table per API struct, written as dotted paths relative to that struct
(list elements add no path segment, so ``containers.ports`` is the ports list of every
container), mounted under the path where the struct is embedded. :func:`patch_schema` gives the
flattened table for a kind; the strategic merge apply (:mod:`.strategic`) and diff
(:mod:`.strategic_diff`) look fields up in it. A path that is not in the table is atomic: a list
is replaced as a whole and a map merges key by key, exactly like JSON merge patch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Path = tuple[str, ...]


@dataclass(frozen=True)
class FieldPatch:
    """How strategic merge patch treats one field.

    ``merge`` lists merge instead of being replaced: lists of maps by ``merge_key``, lists of
    primitives (``merge_key`` None) as ordered sets. ``retain_keys`` marks a union type: the
    diff emits ``$retainKeys`` for the map (or, on a list, for each element) so that fields the
    user dropped are cleared.
    """

    merge: bool = False
    merge_key: str | None = None
    retain_keys: bool = False


ATOMIC = FieldPatch()
SET = FieldPatch(merge=True)
RETAIN_KEYS = FieldPatch(retain_keys=True)


def by(merge_key: str, *, retain_keys: bool = False) -> FieldPatch:
    """A list of maps merged element by element on ``merge_key``."""
    return FieldPatch(merge=True, merge_key=merge_key, retain_keys=retain_keys)


Table = Mapping[str, FieldPatch]


def at(prefix: str, table: Table) -> dict[str, FieldPatch]:
    """``table`` mounted where its struct is embedded (``at("spec", POD_SPEC)``)."""
    return {f"{prefix}.{path}": meta for path, meta in table.items()}


# -- core/v1 and meta/v1 structs ------------------------------------------------------------

OBJECT_META: Table = {
    "finalizers": SET,
    "ownerReferences": by("uid"),
}

CONTAINER: Table = {
    "ports": by("containerPort"),
    "env": by("name"),
    "volumeMounts": by("mountPath"),
    "volumeDevices": by("devicePath"),
}

POD_SPEC: Table = {
    "volumes": by("name", retain_keys=True),
    "containers": by("name"),
    **at("containers", CONTAINER),
    "initContainers": by("name"),
    **at("initContainers", CONTAINER),
    "ephemeralContainers": by("name"),
    **at("ephemeralContainers", CONTAINER),
    "imagePullSecrets": by("name"),
    "hostAliases": by("ip"),
    "topologySpreadConstraints": by("topologyKey"),
    "resourceClaims": by("name", retain_keys=True),
    "schedulingGates": by("name"),
    # tolerations, readinessGates, affinity terms, command/args/envFrom: atomic upstream.
}

POD_STATUS: Table = {
    "conditions": by("type"),
    "podIPs": by("ip"),
    "hostIPs": by("ip"),
    "resourceClaimStatuses": by("name", retain_keys=True),
}

POD_TEMPLATE_SPEC: Table = {**at("metadata", OBJECT_META), **at("spec", POD_SPEC)}

NODE_SPEC: Table = {"podCIDRs": SET}  # taints carry no patchStrategy upstream: atomic
NODE_STATUS: Table = {"conditions": by("type"), "addresses": by("type")}

SERVICE_SPEC: Table = {"ports": by("port")}

# Conditions lists (metav1.Condition and the per-kind XxxCondition types) merge on type.
CONDITIONS: Table = {"conditions": by("type")}

# -- apps/v1 and batch/v1 -------------------------------------------------------------------

DEPLOYMENT_SPEC: Table = {"strategy": RETAIN_KEYS, **at("template", POD_TEMPLATE_SPEC)}
TEMPLATED_SPEC: Table = at("template", POD_TEMPLATE_SPEC)
CRONJOB_SPEC: Table = {
    **at("jobTemplate.metadata", OBJECT_META),
    **at("jobTemplate.spec", TEMPLATED_SPEC),
}


def _kind(spec: Table | None = None, status: Table | None = None, top: Table | None = None
          ) -> Table:
    """Flattened table of an object kind: its ObjectMeta, spec and status, plus fields that
    sit at the top level (ServiceAccount.secrets, PodTemplate.template)."""
    table: dict[str, FieldPatch] = {**at("metadata", OBJECT_META), **(top or {})}
    if spec:
        table.update(at("spec", spec))
    if status:
        table.update(at("status", status))
    return table


KINDS: Mapping[tuple[str, str], Table] = {
    ("", "Pod"): _kind(POD_SPEC, POD_STATUS),
    ("", "PodTemplate"): _kind(top=at("template", POD_TEMPLATE_SPEC)),
    ("", "Node"): _kind(NODE_SPEC, NODE_STATUS),
    ("", "Namespace"): _kind(status=CONDITIONS),
    ("", "Service"): _kind(SERVICE_SPEC, CONDITIONS),
    ("", "ServiceAccount"): _kind(top={"secrets": by("name")}),
    ("", "PersistentVolumeClaim"): _kind(status=CONDITIONS),
    ("apps", "Deployment"): _kind(DEPLOYMENT_SPEC, CONDITIONS),
    ("apps", "ReplicaSet"): _kind(TEMPLATED_SPEC, CONDITIONS),
    ("apps", "StatefulSet"): _kind(TEMPLATED_SPEC, CONDITIONS),
    ("apps", "DaemonSet"): _kind(TEMPLATED_SPEC, CONDITIONS),
    ("batch", "Job"): _kind(TEMPLATED_SPEC, CONDITIONS),
    ("batch", "CronJob"): _kind(CRONJOB_SPEC),
    ("autoscaling", "HorizontalPodAutoscaler"): _kind(status=CONDITIONS),
    ("policy", "PodDisruptionBudget"): _kind(status=CONDITIONS),
}

# Every other kind (Endpoints, Event, ConfigMap, Secret, PersistentVolume, ControllerRevision,
# Lease, EndpointSlice, Scale, ...) has no merging list outside its ObjectMeta.
OBJECT_ONLY: Table = _kind()


@dataclass(frozen=True)
class Schema:
    """Patch metadata of one kind, looked up by path from the object root."""

    fields: Mapping[Path, FieldPatch]

    def field(self, path: Path) -> FieldPatch:
        return self.fields.get(path, ATOMIC)


def compile_table(table: Table) -> Schema:
    return Schema({tuple(path.split(".")): meta for path, meta in table.items()})


_COMPILED = {key: compile_table(table) for key, table in KINDS.items()}
_OBJECT_ONLY = compile_table(OBJECT_ONLY)


def patch_schema(group: str, kind: str) -> Schema:
    """The strategic merge schema of ``(group, kind)``; kinds without merging lists beyond
    ObjectMeta get the ObjectMeta-only schema."""
    return _COMPILED.get((group, kind), _OBJECT_ONLY)


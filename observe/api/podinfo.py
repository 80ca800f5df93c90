"""A Pod as scheduling reads it: parsed once, then matched against thousands of nodes.

Part of the shared object machinery, like upstream's component-helpers: the scheduler's
cache, queue and plugins read :class:`PodInfo` instead of the raw dict, so requests,
tolerations and affinity terms are parsed once per pod version rather than once per node,
and the DaemonSet controller uses the same taint and affinity matching to decide which
nodes a daemon pod belongs on. It mirrors kube-scheduler's ``framework.PodInfo`` and the
helpers it leans on (``resource.PodRequests``, ``nodeaffinity.RequiredNodeAffinity``,
``AffinityTerm``, ``Toleration.ToleratesTaint``).

Parsing never raises: the apiserver validated the pod, and whatever still cannot be
understood (a selector term with an unknown operator, say) matches nothing, as upstream's
lazy-error selectors do.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

from observe.api.quantity import QuantityError, parse_quantity
from observe.api.selectors import (
    DOES_NOT_EXIST,
    EQUALS,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_IN,
    LabelSelector,
    Requirement,
    label_selector_from_dict,
)

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = "cpu", "memory", "ephemeral-storage", "pods"
# What scoring assumes a container without a request uses (schedutil.DefaultMilliCPURequest
# and DefaultMemoryRequest), so empty pods do not all land on one node.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "PreferNoSchedule", "NoExecute"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"
DEFAULT_SCHEDULER_NAME = "default-scheduler"
NODE_NAME_FIELD = "metadata.name"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str_map(value: Any) -> dict[str, str]:
    return {k: v for k, v in _dict(value).items() if isinstance(v, str)}


# -- resources -------------------------------------------------------------------------------

def resource_amount(name: str, quantity: Any) -> int:
    """A quantity in the integer unit the scheduler counts ``name`` in: millicores for
    cpu, whole units (bytes, pods, devices) for everything else. Unparseable reads as 0."""
    if not isinstance(quantity, str | int | float):
        return 0
    return _amount(name == CPU, quantity)


# The same few spellings ("100m", "128Mi") recur in every pod, and exact decimal parsing is
# the dearest part of reading one.
@functools.lru_cache(maxsize=4096)
def _amount(milli: bool, quantity: str | int | float) -> int:
    try:
        parsed = parse_quantity(quantity)
    except QuantityError:
        return 0
    return parsed.milli_value() if milli else parsed.value()


def resource_list(resources: Any) -> dict[str, int]:
    return {name: resource_amount(name, q) for name, q in _dict(resources).items()}


def _container_requests(container: Any, non_missing: bool) -> dict[str, int]:
    requests = resource_list(_dict(_dict(container).get("resources")).get("requests"))
    if non_missing:
        requests.setdefault(CPU, DEFAULT_MILLI_CPU_REQUEST)
        requests.setdefault(MEMORY, DEFAULT_MEMORY_REQUEST)
    return requests


def _add(into: dict[str, int], more: Mapping[str, int]) -> None:
    for name, amount in more.items():
        into[name] = into.get(name, 0) + amount


def _maximise(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, amount in other.items():
        if amount > into.get(name, 0):
            into[name] = amount


def pod_requests(spec: Any, *, non_missing: bool = False) -> dict[str, int]:
    """What a pod reserves on its node, as upstream's ``resource.PodRequests``.

    Regular containers run together, so their requests add up; init containers run one at a
    time, so the pod needs the largest of them, except that restartable init containers
    (sidecars) keep running and add to everything started after them. ``spec.overhead`` is
    added on top. ``non_missing`` counts a container without a cpu or memory request as
    100m / 200Mi, which is what scoring uses.
    """
    spec = _dict(spec)
    total: dict[str, int] = {}
    for container in _list(spec.get("containers")):
        _add(total, _container_requests(container, non_missing))
    sidecars: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for container in _list(spec.get("initContainers")):
        requests = _container_requests(container, non_missing)
        if _dict(container).get("restartPolicy") == "Always":
            _add(total, requests)
            _add(sidecars, requests)
            using = dict(sidecars)
        else:
            using = dict(requests)
            _add(using, sidecars)
        _maximise(init_peak, using)
    _maximise(total, init_peak)
    _add(total, resource_list(spec.get("overhead")))
    return total


# -- taints and tolerations ------------------------------------------------------------------

class Taint(NamedTuple):
    key: str
    value: str
    effect: str


class Toleration(NamedTuple):
    key: str
    operator: str
    value: str
    effect: str

    def tolerates(self, taint: Taint) -> bool:
        """``Toleration.ToleratesTaint``: an empty effect or key matches any; the operator
        ``Exists`` ignores the value, ``Equal`` (or empty) compares it."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator in ("", "Equal"):
            return self.value == taint.value
        return self.operator == "Exists"


def parse_taints(taints: Any) -> tuple[Taint, ...]:
    return tuple(Taint(str(t.get("key") or ""), str(t.get("value") or ""),
                       str(t.get("effect") or ""))
                 for t in _list(taints) if isinstance(t, dict))


def parse_tolerations(tolerations: Any) -> tuple[Toleration, ...]:
    return tuple(Toleration(str(t.get("key") or ""), str(t.get("operator") or ""),
                            str(t.get("value") or ""), str(t.get("effect") or ""))
                 for t in _list(tolerations) if isinstance(t, dict))


def tolerates(tolerations: tuple[Toleration, ...], taint: Taint) -> bool:
    return any(t.tolerates(taint) for t in tolerations)


def first_untolerated(taints: tuple[Taint, ...], tolerations: tuple[Toleration, ...]
                      ) -> Taint | None:
    """The first taint no toleration tolerates (``FindMatchingUntoleratedTaint``)."""
    for taint in taints:
        if not tolerates(tolerations, taint):
            return taint
    return None


# -- node selectors --------------------------------------------------------------------------

_NODE_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS,
                            "DoesNotExist": DOES_NOT_EXIST, "Gt": GREATER_THAN,
                            "Lt": LESS_THAN}


class _Invalid(Exception):
    """A selector term upstream would fail to convert; such a term matches no node."""


def _label_requirement(expr: Any) -> Requirement:
    expr = _dict(expr)
    operator = _NODE_SELECTOR_OPERATORS.get(expr.get("operator"))
    key, values = expr.get("key"), _list(expr.get("values"))
    if operator is None or not isinstance(key, str) or not key:
        raise _Invalid
    if not all(isinstance(v, str) for v in values):
        raise _Invalid
    if operator in (IN, NOT_IN) and not values:
        raise _Invalid
    if operator in (EXISTS, DOES_NOT_EXIST) and values:
        raise _Invalid
    if operator in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            raise _Invalid
        try:
            int(values[0])
        except ValueError as e:
            raise _Invalid from e
    return Requirement(key, operator, tuple(values))


class FieldRequirement(NamedTuple):
    key: str
    value: str
    negated: bool


def _field_requirement(expr: Any) -> FieldRequirement:
    expr = _dict(expr)
    operator, key, values = expr.get("operator"), expr.get("key"), _list(expr.get("values"))
    if operator not in ("In", "NotIn") or len(values) != 1 or not isinstance(values[0], str):
        raise _Invalid
    return FieldRequirement(str(key or ""), values[0], operator == "NotIn")


class NodeSelectorTerm(NamedTuple):
    """One ``nodeSelectorTerms`` entry: its expressions and fields, all of which must hold."""

    labels: tuple[Requirement, ...]
    fields: tuple[FieldRequirement, ...]

    def matches(self, node_labels: Mapping[str, str], node_name: str) -> bool:
        if not self.labels and not self.fields:
            return False  # an empty term selects nothing
        for requirement in self.labels:
            if not requirement.matches(node_labels):
                return False
        for f in self.fields:
            value = node_name if f.key == NODE_NAME_FIELD else ""
            if (value == f.value) == f.negated:
                return False
        return True

    def node_names(self) -> frozenset[str] | None:
        """Names this term pins through ``metadata.name In`` (intersected), else None."""
        names: frozenset[str] | None = None
        for f in self.fields:
            if f.key == NODE_NAME_FIELD and not f.negated:
                names = frozenset((f.value,)) if names is None else names & {f.value}
        return names


def parse_node_selector_term(term: Any) -> NodeSelectorTerm | None:
    """The term, or None when upstream could not convert it (it then matches nothing)."""
    term = _dict(term)
    try:
        labels = tuple(_label_requirement(e) for e in _list(term.get("matchExpressions")))
        fields = tuple(_field_requirement(e) for e in _list(term.get("matchFields")))
    except _Invalid:
        return None
    return NodeSelectorTerm(labels, fields)


class RequiredNodeAffinity(NamedTuple):
    """``spec.nodeSelector`` AND any one of the required node affinity terms."""

    node_selector: Mapping[str, str] | None
    terms: tuple[NodeSelectorTerm, ...] | None  # None: no required node affinity at all

    def matches(self, node_labels: Mapping[str, str], node_name: str) -> bool:
        if self.node_selector:
            for key, value in self.node_selector.items():
                if node_labels.get(key) != value:
                    return False
        if self.terms is None:
            return True
        return any(t.matches(node_labels, node_name) for t in self.terms)


class PreferredSchedulingTerm(NamedTuple):
    weight: int
    term: NodeSelectorTerm


# -- inter-pod affinity ----------------------------------------------------------------------

class AffinityTerm(NamedTuple):
    """A pod (anti-)affinity term: pods in ``namespaces`` (or in namespaces whose labels
    ``namespace_selector`` matches) with labels matching ``selector``, counted per value of
    the node label ``topology_key``."""

    namespaces: frozenset[str]
    namespace_selector: LabelSelector
    selector: LabelSelector
    topology_key: str

    def matches(self, namespace: str, labels: Mapping[str, str],
                namespace_labels: Mapping[str, str] | None) -> bool:
        """Whether a pod in ``namespace`` with ``labels`` is one this term counts.
        ``namespace_labels`` are that namespace's labels (None reads as none)."""
        if namespace in self.namespaces or self.namespace_selector.matches(
                namespace_labels or {}):
            return self.selector.matches(labels)
        return False


class WeightedAffinityTerm(NamedTuple):
    term: AffinityTerm
    weight: int


def parse_affinity_term(term: Any, own_namespace: str) -> AffinityTerm:
    term = _dict(term)
    namespaces = [n for n in _list(term.get("namespaces")) if isinstance(n, str)]
    namespace_selector = term.get("namespaceSelector")
    if not namespaces and namespace_selector is None:
        namespaces = [own_namespace]
    return AffinityTerm(frozenset(namespaces), label_selector_from_dict(namespace_selector),
                        label_selector_from_dict(term.get("labelSelector")),
                        str(term.get("topologyKey") or ""))


def _affinity_terms(section: Any, namespace: str) -> tuple[AffinityTerm, ...]:
    terms = _list(_dict(section).get("requiredDuringSchedulingIgnoredDuringExecution"))
    return tuple(parse_affinity_term(t, namespace) for t in terms if isinstance(t, dict))


def _weighted_affinity_terms(section: Any, namespace: str) -> tuple[WeightedAffinityTerm, ...]:
    out = []
    for weighted in _list(_dict(section).get("preferredDuringSchedulingIgnoredDuringExecution")):
        weighted = _dict(weighted)
        weight = weighted.get("weight")
        out.append(WeightedAffinityTerm(
            parse_affinity_term(weighted.get("podAffinityTerm"), namespace),
            weight if isinstance(weight, int) else 0))
    return tuple(out)


def with_match_label_keys(selector: LabelSelector, keys: Any, labels: Mapping[str, str]
                          ) -> LabelSelector:
    """``selector`` narrowed to the pod's own values of ``matchLabelKeys``."""
    extra = tuple(Requirement(k, EQUALS, (labels[k],)) for k in _list(keys)
                  if isinstance(k, str) and k in labels)
    if not extra or selector.nothing:
        return selector
    return LabelSelector(tuple(sorted(selector.requirements + extra, key=lambda r: r.key)))


# -- the pod ---------------------------------------------------------------------------------

class HostPort(NamedTuple):
    ip: str
    protocol: str
    port: int


def host_ports(spec: Any) -> tuple[HostPort, ...]:
    """Ports the pod binds on its node: containers' (and sidecars') ``hostPort`` > 0, with
    upstream's defaults of 0.0.0.0 and TCP."""
    spec = _dict(spec)
    containers = list(_list(spec.get("containers")))
    containers += [c for c in _list(spec.get("initContainers"))
                   if _dict(c).get("restartPolicy") == "Always"]
    out = []
    for container in containers:
        for port in _list(_dict(container).get("ports")):
            port = _dict(port)
            number = port.get("hostPort")
            if isinstance(number, int) and number > 0:
                out.append(HostPort(str(port.get("hostIP") or "0.0.0.0"),
                                    str(port.get("protocol") or "TCP"), number))
    return tuple(out)


def _required_node_affinity(spec: dict[str, Any]) -> RequiredNodeAffinity | None:
    node_selector = _str_map(spec.get("nodeSelector")) if spec.get("nodeSelector") else None
    required = _dict(_dict(spec.get("affinity")).get("nodeAffinity")).get(
        "requiredDuringSchedulingIgnoredDuringExecution")
    terms: tuple[NodeSelectorTerm, ...] | None = None
    if isinstance(required, dict):
        parsed = (parse_node_selector_term(t) for t in _list(required.get("nodeSelectorTerms")))
        terms = tuple(t for t in parsed if t is not None)
    if node_selector is None and terms is None:
        return None
    return RequiredNodeAffinity(node_selector, terms)


def _preferred_node_affinity(spec: dict[str, Any]) -> tuple[PreferredSchedulingTerm, ...]:
    preferred = _list(_dict(_dict(spec.get("affinity")).get("nodeAffinity")).get(
        "preferredDuringSchedulingIgnoredDuringExecution"))
    out = []
    for item in preferred:
        item = _dict(item)
        weight = item.get("weight")
        term = parse_node_selector_term(item.get("preference"))
        if term is not None and isinstance(weight, int) and weight != 0:
            out.append(PreferredSchedulingTerm(weight, term))
    return tuple(out)


class PodInfo:
    """One version of a Pod, parsed for scheduling. Treat as immutable."""

    __slots__ = (
        "cpu", "creation_timestamp", "ephemeral", "has_pod_affinity", "host_ports", "key",
        "labels", "memory", "name", "namespace", "node_name", "nominated_node_name",
        "nonzero_cpu", "nonzero_memory", "owner_references", "phase", "pod",
        "preemption_policy", "preferred_affinity_terms", "preferred_anti_affinity_terms",
        "preferred_node_affinity", "priority", "requests", "required_affinity_terms",
        "required_anti_affinity_terms", "required_node_affinity", "scalars", "scheduler_name",
        "scheduling_gates", "spread_constraints", "terminating", "tolerations", "uid"
    )

    def __init__(self, pod: dict[str, Any]) -> None:
        meta, spec, status = (_dict(pod.get("metadata")), _dict(pod.get("spec")),
                              _dict(pod.get("status")))
        self.pod = pod
        self.uid = str(meta.get("uid") or "")
        self.namespace = str(meta.get("namespace") or "")
        self.name = str(meta.get("name") or "")
        self.key = f"{self.namespace}/{self.name}"
        self.labels = _str_map(meta.get("labels"))
        priority = spec.get("priority")
        self.priority = priority if isinstance(priority, int) else 0
        self.scheduler_name = str(spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME)
        self.node_name = str(spec.get("nodeName") or "")
        self.phase = str(status.get("phase") or "")
        self.terminating = bool(meta.get("deletionTimestamp"))
        self.creation_timestamp = str(meta.get("creationTimestamp") or "")
        self.owner_references = _list(meta.get("ownerReferences"))

        requests = pod_requests(spec)
        nonzero = pod_requests(spec, non_missing=True)
        self.requests = requests
        self.cpu = requests.get(CPU, 0)
        self.memory = requests.get(MEMORY, 0)
        self.ephemeral = requests.get(EPHEMERAL_STORAGE, 0)
        self.scalars = {k: v for k, v in requests.items()
                        if k not in (CPU, MEMORY, EPHEMERAL_STORAGE, PODS) and v}
        self.nonzero_cpu = nonzero.get(CPU, 0)
        self.nonzero_memory = nonzero.get(MEMORY, 0)
        self.host_ports = host_ports(spec)
        self.tolerations = parse_tolerations(spec.get("tolerations"))

        self.required_node_affinity = _required_node_affinity(spec)
        self.preferred_node_affinity = _preferred_node_affinity(spec)
        affinity = _dict(spec.get("affinity"))
        pod_affinity, anti_affinity = affinity.get("podAffinity"), affinity.get("podAntiAffinity")
        self.has_pod_affinity = pod_affinity is not None or anti_affinity is not None
        self.required_affinity_terms = _affinity_terms(pod_affinity, self.namespace)
        self.required_anti_affinity_terms = _affinity_terms(anti_affinity, self.namespace)
        self.preferred_affinity_terms = _weighted_affinity_terms(pod_affinity, self.namespace)
        self.preferred_anti_affinity_terms = _weighted_affinity_terms(anti_affinity,
                                                                      self.namespace)
        self.spread_constraints = [c for c in _list(spec.get("topologySpreadConstraints"))
                                   if isinstance(c, dict)]
        self.scheduling_gates = [g.get("name") for g in _list(spec.get("schedulingGates"))
                                 if isinstance(g, dict)]
        self.preemption_policy = str(spec.get("preemptionPolicy") or "PreemptLowerPriority")
        self.nominated_node_name = str(status.get("nominatedNodeName") or "")

    @property
    def terminated(self) -> bool:
        return self.phase in ("Succeeded", "Failed")

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"

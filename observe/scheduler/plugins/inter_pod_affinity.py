"""InterPodAffinity: places pods relative to other pods by topology domain.

Filter, from the incoming pod's required terms and the existing pods' required
anti-affinity: the node's domain must hold pods matching all of the pod's affinity terms
(unless no pod anywhere does and the pod matches them itself: the first of a group), no pod
matching its anti-affinity terms, and no pod whose anti-affinity terms match it. Score, from
preferred terms both ways and existing pods' required affinity (weight
``hardPodAffinityWeight``): domains get the sum of matching terms' weights, normalised to
0..100 between the lowest and highest node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from observe.api.podinfo import AffinityTerm, PodInfo, WeightedAffinityTerm
from observe.api.selectors import NOTHING
from observe.scheduler.clusterevents import (
    NODE,
    POD,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
)
from observe.scheduler.framework import (
    MAX_NODE_SCORE,
    SKIP,
    Code,
    CycleState,
    Handle,
    PreFilterResult,
    Status,
)
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.snapshot import Snapshot

NAME = "InterPodAffinity"
ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
_AFFINITY = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_AFFINITY, plugin=NAME)
_ANTI_AFFINITY = Status(Code.UNSCHEDULABLE, ERR_REASON_ANTI_AFFINITY, plugin=NAME)
_EXISTING = Status(Code.UNSCHEDULABLE, ERR_REASON_EXISTING_ANTI_AFFINITY, plugin=NAME)
_PRE_FILTER_KEY, _PRE_SCORE_KEY = "PreFilter" + NAME, "PreScore" + NAME

TopologyCounts = dict[tuple[str, str], int]


def merge_namespaces(term: AffinityTerm, snapshot: Snapshot) -> AffinityTerm:
    """The incoming pod's term with its namespace selector resolved to namespace names now,
    so matching existing pods needs no namespace look-up (an empty selector stays: it
    matches every namespace)."""
    selector = term.namespace_selector
    if selector.empty or selector.nothing:
        return term
    return term._replace(namespaces=term.namespaces | snapshot.namespaces_matching(selector),
                         namespace_selector=NOTHING)


def matches_all(terms: list[AffinityTerm], pod: PodInfo) -> bool:
    return bool(terms) and all(t.matches(pod.namespace, pod.labels, None) for t in terms)


def _count(counts: TopologyCounts, node: NodeInfo, key: str, value: int) -> None:
    domain = node.labels.get(key)
    if domain is not None:
        counts[(key, domain)] = counts.get((key, domain), 0) + value


class _FilterState(NamedTuple):
    affinity_terms: list[AffinityTerm]
    anti_affinity_terms: list[AffinityTerm]
    existing_anti_affinity: TopologyCounts
    affinity: TopologyCounts
    anti_affinity: TopologyCounts
    matches_own_terms: bool


class InterPodAffinity:
    name = NAME
    default_weight = 2

    def __init__(self, args: Mapping[str, Any] | None, handle: Handle) -> None:
        args = args or {}
        weight = args.get("hardPodAffinityWeight")
        self.hard_pod_affinity_weight = weight if isinstance(weight, int) else 1
        self.ignore_preferred_of_existing = bool(args.get("ignorePreferredTermsOfExistingPods"))
        self.handle = handle

    # -- filter ------------------------------------------------------------------------------

    def pre_filter(self, state: CycleState, pod: PodInfo
                   ) -> tuple[PreFilterResult | None, Status | None]:
        snapshot = self.handle.snapshot
        affinity_terms = [merge_namespaces(t, snapshot) for t in pod.required_affinity_terms]
        anti_terms = [merge_namespaces(t, snapshot) for t in pod.required_anti_affinity_terms]
        namespace_labels = snapshot.labels_of_namespace(pod.namespace)
        existing: TopologyCounts = {}
        for node in snapshot.with_pods_with_required_anti_affinity():
            for other in node.pods_with_required_anti_affinity.values():
                for term in other.required_anti_affinity_terms:
                    if term.matches(pod.namespace, pod.labels, namespace_labels):
                        _count(existing, node, term.topology_key, 1)
        if not existing and not affinity_terms and not anti_terms:
            return None, SKIP
        affinity: TopologyCounts = {}
        anti_affinity: TopologyCounts = {}
        if affinity_terms or anti_terms:
            for node in snapshot.nodes:
                for other in node.pods.values():
                    if matches_all(affinity_terms, other):
                        for term in affinity_terms:
                            _count(affinity, node, term.topology_key, 1)
                    for term in anti_terms:
                        if term.matches(other.namespace, other.labels, None):
                            _count(anti_affinity, node, term.topology_key, 1)
        state.write(_PRE_FILTER_KEY, _FilterState(
            affinity_terms, anti_terms, existing, affinity, anti_affinity,
            matches_all(affinity_terms, pod)))
        return None, None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        s: _FilterState = state.data[_PRE_FILTER_KEY]
        if not _satisfies_affinity(s, node):
            return _AFFINITY
        if s.anti_affinity:
            for term in s.anti_affinity_terms:
                domain = node.labels.get(term.topology_key)
                if domain is not None and s.anti_affinity.get((term.topology_key, domain), 0):
                    return _ANTI_AFFINITY
        if s.existing_anti_affinity:
            for pair in node.labels.items():
                if s.existing_anti_affinity.get(pair, 0) > 0:
                    return _EXISTING
        return None

    # -- score -------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        if not nodes:
            return None
        has_preferences = bool(pod.preferred_affinity_terms
                               or pod.preferred_anti_affinity_terms)
        if self.ignore_preferred_of_existing and not has_preferences:
            return SKIP
        snapshot = self.handle.snapshot
        # Without preferences of its own, only pods with affinity terms can score the pod.
        candidates = snapshot.nodes if has_preferences else snapshot.with_pods_with_affinity()
        preferred = [WeightedAffinityTerm(merge_namespaces(w.term, snapshot), w.weight)
                     for w in pod.preferred_affinity_terms]
        preferred_anti = [WeightedAffinityTerm(merge_namespaces(w.term, snapshot), w.weight)
                          for w in pod.preferred_anti_affinity_terms]
        namespace_labels = snapshot.labels_of_namespace(pod.namespace)
        scores: dict[str, dict[str, int]] = {}

        def add(terms: Any, target: PodInfo, ns_labels: Mapping[str, str] | None,
                node: NodeInfo, sign: int) -> None:
            for weighted in terms:
                term, weight = weighted
                if term.matches(target.namespace, target.labels, ns_labels):
                    domain = node.labels.get(term.topology_key)
                    if domain is not None:
                        by_value = scores.setdefault(term.topology_key, {})
                        by_value[domain] = by_value.get(domain, 0) + weight * sign

        hard_weight = self.hard_pod_affinity_weight
        for node in candidates:
            if not node.labels:
                continue
            others = node.pods if has_preferences else node.pods_with_affinity
            for other in others.values():
                add(preferred, other, None, node, 1)
                add(preferred_anti, other, None, node, -1)
                if hard_weight > 0 and other.required_affinity_terms:
                    add([(t, hard_weight) for t in other.required_affinity_terms], pod,
                        namespace_labels, node, 1)
                if not self.ignore_preferred_of_existing:
                    add(other.preferred_affinity_terms, pod, namespace_labels, node, 1)
                    add(other.preferred_anti_affinity_terms, pod, namespace_labels, node, -1)
        if not scores:
            return SKIP
        state.write(_PRE_SCORE_KEY, scores)
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        total = 0
        for key, by_value in state.data[_PRE_SCORE_KEY].items():
            domain = node.labels.get(key)
            if domain is not None:
                total += by_value.get(domain, 0)
        return total

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo],
                        scores: list[int]) -> None:
        if not scores:
            return
        lowest, highest = min(scores), max(scores)
        spread = highest - lowest
        for i, score in enumerate(scores):
            scores[i] = int(MAX_NODE_SCORE * ((score - lowest) / spread)) if spread > 0 else 0

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(ClusterEvent(
                POD, ActionType.ADD | ActionType.UPDATE_POD_LABEL | ActionType.DELETE, "")),
            ClusterEventWithHint(ClusterEvent(
                NODE, ActionType.ADD | ActionType.UPDATE_NODE_LABEL, "")),
        ]


def _satisfies_affinity(s: _FilterState, node: NodeInfo) -> bool:
    pods_exist = True
    for term in s.affinity_terms:
        domain = node.labels.get(term.topology_key)
        if domain is None:
            return False  # every topology label must be on the node
        if s.affinity.get((term.topology_key, domain), 0) <= 0:
            pods_exist = False
    # The first pod of a group with affinity to itself: nothing matches anywhere yet.
    return pods_exist or (not s.affinity and s.matches_own_terms)


def new(args: Mapping[str, Any] | None, handle: Handle) -> InterPodAffinity:
    return InterPodAffinity(args, handle)

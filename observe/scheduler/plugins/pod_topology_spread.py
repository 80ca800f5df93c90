"""PodTopologySpread: keeps matching pods evenly spread over topology domains.

``whenUnsatisfiable: DoNotSchedule`` constraints filter: placing the pod in a domain must not
make that domain's count of matching pods exceed the smallest domain's by more than
``maxSkew`` (the smallest counting as 0 while fewer than ``minDomains`` domains exist).
``ScheduleAnyway`` constraints score: fewer matching pods in the node's domain is better,
weighted by log(number of domains + 2). Pods without constraints of their own get the
system defaults (hostname, maxSkew 3; zone, maxSkew 5; both ScheduleAnyway) over the pods
selected by the Services, ReplicaSets, StatefulSets and ReplicationControllers that select
them, as upstream's ``SystemDefaulting`` does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from observe.api.podinfo import (
    LABEL_HOSTNAME,
    LABEL_ZONE,
    PodInfo,
    first_untolerated,
    with_match_label_keys,
)
from observe.api.selectors import LabelSelector, label_selector_from_dict
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

NAME = "PodTopologySpread"
ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
DO_NOT_SCHEDULE, SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"
HONOR, IGNORE = "Honor", "Ignore"
SYSTEM_DEFAULT_CONSTRAINTS = (
    {"topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 3},
    {"topologyKey": LABEL_ZONE, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 5},
)
_NOT_MATCH = Status(Code.UNSCHEDULABLE, ERR_REASON_CONSTRAINTS_NOT_MATCH, plugin=NAME)
_MISSING_LABEL = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_NODE_LABEL_NOT_MATCH,
                        plugin=NAME)
_PRE_FILTER_KEY, _PRE_SCORE_KEY = "PreFilter" + NAME, "PreScore" + NAME


class Constraint(NamedTuple):
    max_skew: int
    topology_key: str
    selector: LabelSelector
    min_domains: int
    node_affinity_policy: str
    node_taints_policy: str


def constraints_of(raw: list[dict[str, Any]] | tuple[dict[str, Any], ...],
                   labels: Mapping[str, str], action: str) -> list[Constraint]:
    """The constraints with ``whenUnsatisfiable == action``, with ``matchLabelKeys`` folded
    into the selector and upstream's defaults (minDomains 1, affinity Honor, taints
    Ignore)."""
    out = []
    for c in raw:
        if c.get("whenUnsatisfiable") != action:
            continue
        selector = with_match_label_keys(label_selector_from_dict(c.get("labelSelector")),
                                         c.get("matchLabelKeys"), labels)
        min_domains = c.get("minDomains")
        max_skew = c.get("maxSkew")
        out.append(Constraint(
            max_skew if isinstance(max_skew, int) else 1,
            str(c.get("topologyKey") or ""), selector,
            min_domains if isinstance(min_domains, int) and min_domains > 0 else 1,
            str(c.get("nodeAffinityPolicy") or HONOR), str(c.get("nodeTaintsPolicy") or IGNORE)))
    return out


def count_matching(node: NodeInfo, selector: LabelSelector, namespace: str) -> int:
    """Pods on the node in ``namespace`` that match ``selector``, terminating ones aside.
    An empty selector counts nothing, as upstream's countPodsMatchSelector."""
    if selector.empty or selector.nothing:
        return 0
    matches = selector.matches
    return sum(1 for p in node.pods.values()
               if not p.terminating and p.namespace == namespace and matches(p.labels))


def node_included(constraint: Constraint, pod: PodInfo, node: NodeInfo) -> bool:
    """``matchNodeInclusionPolicies``: which nodes' pods count towards the spread."""
    if constraint.node_affinity_policy == HONOR:
        affinity = pod.required_node_affinity
        if affinity is not None and not affinity.matches(node.labels, node.name):
            return False
    if constraint.node_taints_policy == HONOR:
        return first_untolerated(node.no_schedule_taints, pod.tolerations) is None
    return True


def has_all_keys(node: NodeInfo, constraints: list[Constraint]) -> bool:
    return all(c.topology_key in node.labels for c in constraints)


class _FilterState(NamedTuple):
    constraints: list[Constraint]
    match_num: list[dict[str, int]]
    min_match: list[int]
    self_match: list[int]


class _ScoreState(NamedTuple):
    constraints: list[Constraint]
    counts: list[dict[str, int]]
    weights: list[float]
    ignored: set[str]


class PodTopologySpread:
    name = NAME
    default_weight = 2

    def __init__(self, args: Mapping[str, Any] | None, handle: Handle) -> None:
        args = args or {}
        self.handle = handle
        self.system_defaulted = (args.get("defaultingType") or "System") == "System"
        self.default_constraints: tuple[dict[str, Any], ...] = (
            SYSTEM_DEFAULT_CONSTRAINTS if self.system_defaulted
            else tuple(args.get("defaultConstraints") or ()))

    def _constraints(self, pod: PodInfo, action: str) -> list[Constraint]:
        if pod.spread_constraints:
            return constraints_of(pod.spread_constraints, pod.labels, action)
        constraints = constraints_of(self.default_constraints, pod.labels, action)
        if not constraints:
            return []
        selector = self.handle.spread_selector(pod)
        if selector.empty or selector.nothing:
            return []
        return [c._replace(selector=selector) for c in constraints]

    # -- filter ------------------------------------------------------------------------------

    def pre_filter(self, state: CycleState, pod: PodInfo
                   ) -> tuple[PreFilterResult | None, Status | None]:
        constraints = self._constraints(pod, DO_NOT_SCHEDULE)
        if not constraints:
            return None, SKIP
        match_num: list[dict[str, int]] = [{} for _ in constraints]
        for node in self.handle.snapshot.nodes:
            if not has_all_keys(node, constraints):
                continue
            for i, c in enumerate(constraints):
                if not node_included(c, pod, node):
                    continue
                value = node.labels[c.topology_key]
                match_num[i][value] = (match_num[i].get(value, 0)
                                       + count_matching(node, c.selector, pod.namespace))
        min_match = [min(counts.values()) if len(counts) >= c.min_domains else 0
                     for c, counts in zip(constraints, match_num, strict=True)]
        self_match = [1 if c.selector.matches(pod.labels) else 0 for c in constraints]
        state.write(_PRE_FILTER_KEY, _FilterState(constraints, match_num, min_match,
                                                  self_match))
        return None, None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        s: _FilterState = state.data[_PRE_FILTER_KEY]
        for i, c in enumerate(s.constraints):
            value = node.labels.get(c.topology_key)
            if value is None:
                return _MISSING_LABEL
            if s.match_num[i].get(value, 0) + s.self_match[i] - s.min_match[i] > c.max_skew:
                return _NOT_MATCH
        return None

    # -- score -------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                  ) -> Status | None:
        all_nodes = self.handle.snapshot.nodes
        if not all_nodes:
            return SKIP
        constraints = self._constraints(pod, SCHEDULE_ANYWAY)
        if not constraints:
            return SKIP
        # Only explicit constraints need every topology label on a node; the defaults must
        # still spread by hostname where nodes carry no zone.
        require_all = bool(pod.spread_constraints) or not self.system_defaulted
        counts: list[dict[str, int]] = [{} for _ in constraints]
        ignored: set[str] = set()
        for node in nodes:
            if require_all and not has_all_keys(node, constraints):
                ignored.add(node.name)
                continue
            for i, c in enumerate(constraints):
                if c.topology_key != LABEL_HOSTNAME:
                    counts[i].setdefault(node.labels.get(c.topology_key, ""), 0)
        weights = []
        for i, c in enumerate(constraints):
            size = (len(nodes) - len(ignored) if c.topology_key == LABEL_HOSTNAME
                    else len(counts[i]))
            weights.append(math.log(size + 2))
        for node in all_nodes:
            if require_all and not has_all_keys(node, constraints):
                continue
            for i, c in enumerate(constraints):
                if c.topology_key == LABEL_HOSTNAME or not node_included(c, pod, node):
                    continue
                value = node.labels.get(c.topology_key, "")
                if value in counts[i]:
                    counts[i][value] += count_matching(node, c.selector, pod.namespace)
        state.write(_PRE_SCORE_KEY, _ScoreState(constraints, counts, weights, ignored))
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        s: _ScoreState = state.data[_PRE_SCORE_KEY]
        if node.name in s.ignored:
            return 0
        total = 0.0
        for i, c in enumerate(s.constraints):
            value = node.labels.get(c.topology_key)
            if value is None:
                continue
            if c.topology_key == LABEL_HOSTNAME:
                count = count_matching(node, c.selector, pod.namespace)
            else:
                count = s.counts[i].get(value, 0)
            total += count * s.weights[i] + (c.max_skew - 1)
        # Go's math.Round: halves away from zero (Python's round() goes to even).
        return math.floor(total + 0.5)

    def normalize_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo],
                        scores: list[int]) -> None:
        s: _ScoreState | None = state.data.get(_PRE_SCORE_KEY)
        if s is None:
            return
        counted = [score for score, node in zip(scores, nodes, strict=True)
                   if node.name not in s.ignored]
        lowest, highest = min(counted, default=0), max(counted, default=0)
        for i, node in enumerate(nodes):
            if node.name in s.ignored:
                scores[i] = 0
            elif highest == 0:
                scores[i] = MAX_NODE_SCORE
            else:
                scores[i] = MAX_NODE_SCORE * (highest + lowest - scores[i]) // highest

    def events_to_register(self) -> list[ClusterEventWithHint]:
        pod_changes = ActionType.ADD | ActionType.DELETE | ActionType.UPDATE_POD_LABEL
        return [
            ClusterEventWithHint(ClusterEvent(POD, pod_changes, ""), _same_namespace),
            ClusterEventWithHint(ClusterEvent(
                NODE, ActionType.ADD | ActionType.DELETE | ActionType.UPDATE_NODE_LABEL
                | ActionType.UPDATE_NODE_TAINT, "")),
        ]


def _same_namespace(pod: PodInfo, old: Any, new: Any) -> bool:
    other = new if isinstance(new, PodInfo) else old
    return not isinstance(other, PodInfo) or other.namespace == pod.namespace


def new(args: Mapping[str, Any] | None, handle: Handle) -> PodTopologySpread:
    return PodTopologySpread(args, handle)

"""The scheduling framework: statuses, cycle state, extension points and the runner.

Sits between the plugins (:mod:`.plugins`, each implementing only the extension points it
needs) and the algorithm (:mod:`.algorithm`) that drives one attempt. Shaped like
kube-scheduler's ``framework`` package:

- a plugin returns a :class:`Status` (``None`` for success) instead of raising;
- a :class:`Profile` lists plugins by name with their score weights, and the
  :class:`Framework` builds them from a name -> factory registry given to it;
- extension points, in the order a cycle calls them: ``pre_enqueue`` (queue admission),
  ``sort_key`` (queue order), ``pre_filter``, ``filter``, ``post_filter`` (preemption),
  ``pre_score``, ``score`` + ``normalize_score``, ``bind``; plus ``events_to_register``
  naming the cluster events that may make a pod a plugin rejected schedulable.

A ``pre_filter`` or ``pre_score`` answering ``SKIP`` drops that plugin's ``filter`` or
``score`` for the cycle, which is how pods without affinity, spread constraints or host
ports cost nothing for those plugins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol

from observe.api.podinfo import DEFAULT_SCHEDULER_NAME, PodInfo
from observe.api.selectors import NOTHING, LabelSelector
from observe.scheduler.clusterevents import ClusterEventWithHint
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.nominator import Nominator
from observe.scheduler.snapshot import Snapshot

MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0


class Code(IntEnum):
    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5
    PENDING = 6


class Status:
    """What an extension point answers when it is not a plain success."""

    __slots__ = ("code", "plugin", "reasons")

    def __init__(self, code: Code, *reasons: str, plugin: str = "") -> None:
        self.code = code
        self.reasons = reasons
        self.plugin = plugin

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    @property
    def is_rejected(self) -> bool:
        """Unschedulable for now (as opposed to an error or a skip)."""
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                             Code.PENDING)

    def with_plugin(self, plugin: str) -> Status:
        return self if self.plugin == plugin else Status(self.code, *self.reasons,
                                                         plugin=plugin)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Status) and self.code == other.code
                and self.reasons == other.reasons)

    def __hash__(self) -> int:
        return hash((self.code, self.reasons))

    def __repr__(self) -> str:
        return f"Status({self.code.name}, {self.message!r}, plugin={self.plugin!r})"


SKIP = Status(Code.SKIP)


def error(message: str, plugin: str = "") -> Status:
    return Status(Code.ERROR, message, plugin=plugin)


class CycleState:
    """Scratch space of one scheduling attempt: what pre_filter/pre_score computed for
    filter/score, keyed by plugin, and which plugins skipped this cycle."""

    __slots__ = ("data", "filters", "scorers", "skip_filter", "skip_score")

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.filters: list[tuple[str, Callable[[CycleState, PodInfo, NodeInfo],
                                               Status | None]]] = []
        self.scorers: list[tuple[str, Any, int]] = []
        self.skip_filter: set[str] = set()
        self.skip_score: set[str] = set()

    def write(self, key: str, value: Any) -> None:
        self.data[key] = value

    def read(self, key: str) -> Any:
        return self.data.get(key)


@dataclass(frozen=True)
class PreFilterResult:
    """A pre_filter that already knows the only nodes that can fit (``None``: all)."""

    node_names: frozenset[str] | None = None

    def merge(self, other: PreFilterResult | None) -> PreFilterResult:
        if other is None or other.node_names is None:
            return self
        if self.node_names is None:
            return other
        return PreFilterResult(self.node_names & other.node_names)


class NodeToStatus:
    """Why each node was rejected; nodes never evaluated share ``absent``."""

    def __init__(self, absent: Status | None = None) -> None:
        self.statuses: dict[str, Status] = {}
        self.absent = absent or Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def set(self, node: str, status: Status) -> None:
        self.statuses[node] = status

    def get(self, node: str) -> Status:
        return self.statuses.get(node, self.absent)

    def __len__(self) -> int:
        return len(self.statuses)

    def reason_counts(self, num_all_nodes: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for status in self.statuses.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        missing = num_all_nodes - len(self.statuses)
        if missing > 0:
            for reason in self.absent.reasons:
                counts[reason] = counts.get(reason, 0) + missing
        return counts


NO_NODE_AVAILABLE = "0/{} nodes are available"


def reasons_histogram(counts: Mapping[str, int]) -> list[str]:
    """``"<count> <reason>"`` sorted as strings, as upstream's sortReasonsHistogram (so
    "10 x" sorts before "2 y")."""
    return sorted(f"{count} {reason}" for reason, count in counts.items())


@dataclass
class Diagnosis:
    """Everything one failed attempt learned, for the message and for requeueing."""

    node_to_status: NodeToStatus = field(default_factory=NodeToStatus)
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""


@dataclass
class FitError:
    """No node fits the pod; :attr:`message` is the FailedScheduling event's text."""

    pod: PodInfo
    num_all_nodes: int
    diagnosis: Diagnosis

    @property
    def message(self) -> str:
        text = NO_NODE_AVAILABLE.format(self.num_all_nodes) + ":"
        if self.diagnosis.pre_filter_msg:
            text += f" {self.diagnosis.pre_filter_msg}."
        else:
            histogram = reasons_histogram(
                self.diagnosis.node_to_status.reason_counts(self.num_all_nodes))
            if histogram:
                text += f" {', '.join(histogram)}."
        if self.diagnosis.post_filter_msg:
            text += " " + self.diagnosis.post_filter_msg
        return text


# -- plugins ---------------------------------------------------------------------------------

class Plugin(Protocol):
    """Every plugin has a name; the extension points are methods it may define:

    ``pre_enqueue(pod) -> Status | None``
    ``sort_key(queued) -> tuple``
    ``pre_filter(state, pod) -> tuple[PreFilterResult | None, Status | None]``
    ``filter(state, pod, node) -> Status | None``
    ``async post_filter(state, pod, node_to_status) -> tuple[str | None, Status]``
    ``pre_score(state, pod, nodes) -> Status | None``
    ``score(state, pod, node) -> int`` (or ``score_all(state, pod, nodes) -> list[int]``)
    and ``normalize_score(state, pod, nodes, scores)``
    ``async bind(state, pod, node_name) -> Status | None``
    ``events_to_register() -> list[ClusterEventWithHint]``
    """

    name: str


class Handle(Protocol):
    """What plugins may reach beyond their arguments."""

    snapshot: Snapshot
    framework: Framework

    def spread_selector(self, pod: PodInfo) -> LabelSelector:
        """Pods counted by default topology spreading: the union of the selectors of the
        Services, ReplicaSets, StatefulSets and ReplicationControllers that select ``pod``."""
        ...

    async def bind(self, pod: PodInfo, node_name: str) -> None:
        """POST the pod's ``binding`` subresource; raises the client's errors."""
        ...

    async def evict(self, victim: PodInfo, preemptor: PodInfo, node_name: str) -> None:
        """Delete a preemption victim (with its ``Preempted`` event); raises the client's
        errors."""
        ...


@dataclass
class SimpleHandle:
    """A :class:`Handle` over a snapshot, for tests and tools without an apiserver."""

    snapshot: Snapshot
    framework: Any = None
    selectors: Callable[[PodInfo], LabelSelector] = lambda pod: NOTHING
    bound: list[tuple[str, str]] = field(default_factory=list)
    evicted: list[tuple[str, str]] = field(default_factory=list)

    def spread_selector(self, pod: PodInfo) -> LabelSelector:
        return self.selectors(pod)

    async def bind(self, pod: PodInfo, node_name: str) -> None:
        self.bound.append((pod.key, node_name))

    async def evict(self, victim: PodInfo, preemptor: PodInfo, node_name: str) -> None:
        self.evicted.append((victim.key, node_name))


PluginFactory = Callable[[Mapping[str, Any] | None, Handle], Any]


@dataclass(frozen=True)
class PluginSpec:
    """One enabled plugin: its registry name, score weight (0: the plugin's default or 1)
    and arguments."""

    name: str
    weight: int = 0
    args: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Profile:
    """A scheduler profile: the pods it owns (by ``spec.schedulerName``) and its plugins in
    extension-point order."""

    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    plugins: tuple[PluginSpec, ...] = ()
    percentage_of_nodes_to_score: int = 0


class Framework:
    """The plugins of one profile, grouped by extension point."""

    def __init__(self, profile: Profile, registry: Mapping[str, PluginFactory],
                 handle: Handle, nominator: Nominator | None = None) -> None:
        self.profile = profile
        self.profile_name = profile.scheduler_name
        self.handle = handle
        self.nominator = nominator or Nominator()
        handle.framework = self
        self.plugins: dict[str, Any] = {}
        self.weights: dict[str, int] = {}
        for spec in profile.plugins:
            factory = registry.get(spec.name)
            if factory is None:
                raise ValueError(f"plugin {spec.name!r} is not in the registry")
            plugin = factory(spec.args, handle)
            self.plugins[spec.name] = plugin
            self.weights[spec.name] = spec.weight or getattr(plugin, "default_weight", 1)
        self.pre_enqueue_plugins = self._with("pre_enqueue")
        sorters = self._with("sort_key")
        self.sort_key = sorters[0][1].sort_key if sorters else _fifo_key
        self.pre_filter_plugins = self._with("pre_filter")
        self.filter_plugins = self._with("filter")
        self.post_filter_plugins = self._with("post_filter")
        self.pre_score_plugins = self._with("pre_score")
        self.score_plugins = self._with("score")
        self.bind_plugins = self._with("bind")

    def _with(self, method: str) -> list[tuple[str, Any]]:
        return [(name, p) for name, p in self.plugins.items() if hasattr(p, method)]

    # -- queue -------------------------------------------------------------------------------

    def run_pre_enqueue(self, pod: PodInfo) -> Status | None:
        for name, plugin in self.pre_enqueue_plugins:
            status = plugin.pre_enqueue(pod)
            if status is not None:
                return status.with_plugin(name)
        return None

    def events_to_register(self) -> list[tuple[str, ClusterEventWithHint]]:
        out = []
        for name, plugin in self.plugins.items():
            register = getattr(plugin, "events_to_register", None)
            if register is not None:
                out.extend((name, e) for e in register())
        return out

    # -- filtering ---------------------------------------------------------------------------

    def run_pre_filter(self, state: CycleState, pod: PodInfo
                       ) -> tuple[PreFilterResult | None, Status | None, set[str]]:
        """Run every pre_filter; set up ``state.filters`` for the filters that did not skip.

        Returns the merged node restriction, a rejection (with the plugins behind it) or
        None.
        """
        result: PreFilterResult | None = None
        restricting: list[str] = []
        for name, plugin in self.pre_filter_plugins:
            answer, status = plugin.pre_filter(state, pod)
            if status is not None:
                if status.code == Code.SKIP:
                    state.skip_filter.add(name)
                    continue
                return None, status.with_plugin(name), {name} if status.is_rejected else set()
            if answer is not None and answer.node_names is not None:
                restricting.append(name)
                result = answer if result is None else result.merge(answer)
                if not result.node_names:
                    if len(restricting) == 1:
                        msg = f"node(s) didn't satisfy plugin {restricting[0]}"
                    else:
                        msg = (f"node(s) didn't satisfy plugin(s) [{' '.join(restricting)}] "
                               "simultaneously")
                    return None, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, msg,
                                        plugin=name), set(restricting)
        state.filters = [(name, p.filter) for name, p in self.filter_plugins
                         if name not in state.skip_filter]
        return result, None, set(restricting)

    def run_filters(self, state: CycleState, pod: PodInfo, node: NodeInfo
                    ) -> tuple[str, Status] | None:
        """The first filter that rejects ``node``, with its name, or None if all pass."""
        for name, check in state.filters:
            status = check(state, pod, node)
            if status is not None:
                return name, status
        return None

    def run_filters_with_nominated(self, state: CycleState, pod: PodInfo, node: NodeInfo
                                   ) -> tuple[str, Status] | None:
        """:meth:`run_filters` as if the pods nominated to ``node`` that are at least as
        important as ``pod`` were already there, then as it is: both must pass."""
        planned = self.nominator.with_nominated(pod, node)
        if planned is not None:
            rejected = self.run_filters(state, pod, planned)
            if rejected is not None:
                return rejected
        return self.run_filters(state, pod, node)

    async def run_post_filter(self, state: CycleState, pod: PodInfo, statuses: NodeToStatus
                              ) -> tuple[str | None, Status | None]:
        """Preemption: the node nominated for the pod if a plugin made room there ("" to
        clear an earlier nomination, None to keep it), and the outcome."""
        last: Status | None = None
        for name, plugin in self.post_filter_plugins:
            nominated, status = await plugin.post_filter(state, pod, statuses)
            if status is None or status.code == Code.SUCCESS:
                return nominated, status
            if not status.is_rejected:
                return None, status.with_plugin(name)
            last = status
        return None, last

    # -- scoring -----------------------------------------------------------------------------

    def run_pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                      ) -> Status | None:
        for name, plugin in self.pre_score_plugins:
            status = plugin.pre_score(state, pod, nodes)
            if status is not None:
                if status.code == Code.SKIP:
                    state.skip_score.add(name)
                    continue
                return status.with_plugin(name)
        state.scorers = [(name, p, self.weights[name]) for name, p in self.score_plugins
                         if name not in state.skip_score]
        return None

    def run_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """The weighted sum of every scorer's normalised score, per node."""
        totals = [0] * len(nodes)
        for _, plugin, weight in state.scorers:
            scores = self._scores(plugin, state, pod, nodes)
            totals = [t + s * weight for t, s in zip(totals, scores, strict=True)]
        return totals

    def plugin_scores(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                      ) -> dict[str, list[int]]:
        """Each scorer's normalised (unweighted) scores, for tests and debugging."""
        return {name: self._scores(plugin, state, pod, nodes)
                for name, plugin, _ in state.scorers}

    @staticmethod
    def _scores(plugin: Any, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
                ) -> list[int]:
        # A plugin may score all nodes in one call (same result as per-node score): the
        # per-call overhead is most of the cost of the cheap default scorers.
        score_all = getattr(plugin, "score_all", None)
        if score_all is not None:
            scores = score_all(state, pod, nodes)
        else:
            score = plugin.score
            scores = [score(state, pod, node) for node in nodes]
        normalize = getattr(plugin, "normalize_score", None)
        if normalize is not None:
            normalize(state, pod, nodes, scores)
        return scores

    # -- binding -----------------------------------------------------------------------------

    async def run_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        for name, plugin in self.bind_plugins:
            status = await plugin.bind(state, pod, node_name)
            if status is not None and status.code == Code.SKIP:
                continue
            if status is not None:
                if status.is_rejected:
                    return status.with_plugin(name)
                return error(f'running Bind plugin "{name}": {status.message}', name)
            return None
        return error("no bind plugin accepted the pod")


def _fifo_key(queued: Any) -> tuple:
    return (queued.timestamp,)


def default_normalize(scores: list[int], reverse: bool,
                      max_priority: int = MAX_NODE_SCORE) -> None:
    """``helper.DefaultNormalizeScore``: scale to [0, max] by the highest score, optionally
    reversed (more is worse); all zeros stay zero, or become max when reversed."""
    highest = max(scores, default=0)
    if highest == 0:
        if reverse:
            scores[:] = [max_priority] * len(scores)
        return
    for i, score in enumerate(scores):
        scaled = max_priority * score // highest
        scores[i] = max_priority - scaled if reverse else scaled


def nodes_named(snapshot: Snapshot, names: Iterable[str]) -> list[NodeInfo]:
    return [n for name in names if (n := snapshot.get(name)) is not None]

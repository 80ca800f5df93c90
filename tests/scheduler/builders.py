"""Pods, nodes and framework pieces for the scheduler tests, built in one line each."""

from __future__ import annotations

import itertools
from typing import Any

from observe.api.podinfo import PodInfo
from observe.scheduler.cache import Cache
from observe.scheduler.framework import (
    CycleState,
    Framework,
    PluginSpec,
    Profile,
    SimpleHandle,
    Status,
)
from observe.scheduler.nodeinfo import NodeInfo
from observe.scheduler.plugins.registry import DEFAULT_PLUGINS, in_tree_registry

_uids = itertools.count(1)


def pod(name: str = "p", *, namespace: str = "default", cpu: str | None = None,
        memory: str | None = None, labels: dict[str, str] | None = None,
        node_name: str = "", priority: int | None = None, **spec: Any) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container: dict[str, Any] = {"name": "c", "image": "x"}
    if requests:
        container["resources"] = {"requests": requests}
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{next(_uids)}",
                     "labels": labels or {}, "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"containers": [container], "schedulerName": "default-scheduler", **spec},
        "status": {"phase": "Pending"},
    }
    if node_name:
        body["spec"]["nodeName"] = node_name
    if priority is not None:
        body["spec"]["priority"] = priority
    return body


def pod_info(name: str = "p", **kwargs: Any) -> PodInfo:
    return PodInfo(pod(name, **kwargs))


def node(name: str = "n1", *, cpu: str = "4", memory: str = "8Gi", pods: str = "110",
         labels: dict[str, str] | None = None, taints: list[dict[str, str]] | None = None,
         unschedulable: bool = False, **allocatable: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name,
                     "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
        "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods, **allocatable},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }


def node_info(name: str = "n1", *, with_pods: list[PodInfo] | tuple[PodInfo, ...] = (),
              **kwargs: Any) -> NodeInfo:
    info = NodeInfo(node(name, **kwargs))
    for p in with_pods:
        info.add_pod(p)
    return info


def cluster(*nodes: dict[str, Any], pods: list[dict[str, Any]] | tuple = ()) -> Cache:
    """A cache holding these nodes and these (assigned) pods."""
    cache = Cache()
    for n in nodes:
        cache.add_node(n)
    for p in pods:
        cache.add_pod(PodInfo(p))
    cache.refresh()
    return cache


def framework(cache: Cache | None = None, plugins: tuple[PluginSpec, ...] = DEFAULT_PLUGINS,
              **handle_fields: Any) -> Framework:
    cache = cache or Cache()
    handle = SimpleHandle(cache.snapshot, **handle_fields)
    return Framework(Profile(plugins=plugins), in_tree_registry(), handle)


def only(name: str, weight: int = 0, args: dict[str, Any] | None = None
         ) -> tuple[PluginSpec, ...]:
    return (PluginSpec(name, weight, args),)


def run_filter(plugin: Any, p: PodInfo, n: NodeInfo,
               state: CycleState | None = None) -> Status | None:
    """pre_filter (if any, honouring SKIP) then filter, as the framework would."""
    state = state or CycleState()
    if hasattr(plugin, "pre_filter"):
        _, status = plugin.pre_filter(state, p)
        if status is not None:
            return None if status.code.name == "SKIP" else status
    return plugin.filter(state, p, n)


def reasons(status: Status | None) -> tuple[str, ...]:
    return () if status is None else status.reasons


def filter_all(fw: Framework, p: PodInfo) -> dict[str, tuple[str, ...]]:
    """Each node's rejection reasons (``()``: passes) after the framework's pre_filter."""
    state = CycleState()
    _, status, _ = fw.run_pre_filter(state, p)
    nodes = fw.handle.snapshot.nodes
    if status is not None:
        return {n.name: status.reasons for n in nodes}
    out = {}
    for n in nodes:
        rejected = fw.run_filters(state, p, n)
        out[n.name] = () if rejected is None else rejected[1].reasons
    return out


def scores_of(fw: Framework, p: PodInfo, names: list[str] | None = None) -> dict[str, int]:
    """The normalised score of the framework's single scoring plugin for each node (all
    nodes, or ``names``), after pre_filter and pre_score; {} if the plugin skipped."""
    state = CycleState()
    fw.run_pre_filter(state, p)
    snapshot = fw.handle.snapshot
    nodes = snapshot.nodes if names is None else [snapshot.get(n) for n in names]
    assert fw.run_pre_score(state, p, nodes) is None
    per_plugin = fw.plugin_scores(state, p, nodes)
    if not per_plugin:
        return {}
    [scores] = per_plugin.values()
    return {n.name: s for n, s in zip(nodes, scores, strict=True)}

"""The in-tree plugins by name, and the default profile's plugin list.

The registry is a plain dict given to :class:`~observe.scheduler.framework.Framework`, so
tests and out-of-tree callers build their own. The default list follows kube-scheduler
1.32's ``getDefaultPlugins`` (volume plugins, ImageLocality and DynamicResources aside), in
its order, which is the order filters run and so decides which reason a node reports.
"""

from __future__ import annotations

from observe.scheduler.framework import PluginFactory, PluginSpec
from observe.scheduler.plugins import (
    balanced_allocation,
    default_binder,
    default_preemption,
    inter_pod_affinity,
    node_affinity,
    node_name,
    node_ports,
    node_resources_fit,
    node_unschedulable,
    pod_topology_spread,
    priority_sort,
    scheduling_gates,
    taint_toleration,
)

_MODULES = (scheduling_gates, priority_sort, node_unschedulable, node_name, taint_toleration,
            node_affinity, node_ports, node_resources_fit, pod_topology_spread,
            inter_pod_affinity, default_preemption, balanced_allocation, default_binder)


def in_tree_registry() -> dict[str, PluginFactory]:
    return {module.NAME: module.new for module in _MODULES}


DEFAULT_PLUGINS: tuple[PluginSpec, ...] = (
    PluginSpec(scheduling_gates.NAME),
    PluginSpec(priority_sort.NAME),
    PluginSpec(node_unschedulable.NAME),
    PluginSpec(node_name.NAME),
    PluginSpec(taint_toleration.NAME, weight=3),
    PluginSpec(node_affinity.NAME, weight=2),
    PluginSpec(node_ports.NAME),
    PluginSpec(node_resources_fit.NAME, weight=1),
    PluginSpec(pod_topology_spread.NAME, weight=2),
    PluginSpec(inter_pod_affinity.NAME, weight=2),
    PluginSpec(default_preemption.NAME),
    PluginSpec(balanced_allocation.NAME, weight=1),
    PluginSpec(default_binder.NAME),
)

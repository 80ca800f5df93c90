"""The controller manager's settings, read once from flags by :mod:`.main` and passed down.

Names and defaults are kube-controller-manager's (``--node-monitor-grace-period=40s``,
``--terminated-pod-gc-threshold=12500``, ``--concurrent-deployment-syncs=5``, ...); durations
are written as Go writes them (``40s``, ``1m30s``, ``500ms``).
"""

from __future__ import annotations

from dataclasses import dataclass

from observe.api.durations import parse_duration  # noqa: F401 - re-exported for flags

# Canonical controller names, as ``--controllers`` takes them (upstream's short names).
ALL_CONTROLLERS = ("replicaset", "deployment", "garbagecollector", "namespace",
                   "nodelifecycle", "podgc", "endpoint", "endpointslice",
                   "job", "ttl-after-finished", "cronjob", "daemonset", "statefulset")
# Upstream's long names, accepted as well.
ALIASES = {
    "replicaset-controller": "replicaset",
    "deployment-controller": "deployment",
    "garbage-collector-controller": "garbagecollector",
    "namespace-controller": "namespace",
    "node-lifecycle-controller": "nodelifecycle",
    "pod-garbage-collector-controller": "podgc",
    "endpoints-controller": "endpoint",
    "endpointslice-controller": "endpointslice",
    "job-controller": "job",
    "ttl-after-finished-controller": "ttl-after-finished",
    "cronjob-controller": "cronjob",
    "daemonset-controller": "daemonset",
    "statefulset-controller": "statefulset",
}

def select_controllers(spec: str) -> tuple[str, ...]:
    """``--controllers``: names, ``*`` for all, ``-name`` to leave one out."""
    chosen: list[str] = []
    excluded: set[str] = set()
    for word in (w.strip() for w in spec.split(",")):
        if not word:
            continue
        negate = word.startswith("-")
        name = ALIASES.get(word.lstrip("-"), word.lstrip("-"))
        if name != "*" and name not in ALL_CONTROLLERS:
            raise ValueError(f"unknown controller {word.lstrip('-')!r}; known: "
                             f"{', '.join(ALL_CONTROLLERS)}")
        if negate:
            excluded.add(name)
        elif name == "*":
            chosen.extend(ALL_CONTROLLERS)
        else:
            chosen.append(name)
    return tuple(n for n in ALL_CONTROLLERS if n in chosen and n not in excluded)


@dataclass(frozen=True)
class ControllerOptions:
    """What the controllers need to know; one instance per process."""

    controllers: tuple[str, ...] = ALL_CONTROLLERS
    """Which controllers run."""

    concurrent_replicaset_syncs: int = 5
    """Workers of the ReplicaSet controller."""

    concurrent_deployment_syncs: int = 5
    """Workers of the Deployment controller."""

    concurrent_gc_syncs: int = 20
    """Workers of the garbage collector."""

    concurrent_namespace_syncs: int = 10
    """Workers of the namespace controller."""

    node_monitor_period: float = 5.0
    """How often node health is checked, in seconds."""

    node_monitor_grace_period: float = 40.0
    """How long a node may go without renewing its Lease (or posting status) before it is
    marked Unknown and tainted unreachable."""

    node_startup_grace_period: float = 60.0
    """The same for a node that has never reported Ready."""

    terminated_pod_gc_threshold: int = 12500
    """Finished pods kept before the oldest are deleted (0 disables that part)."""

    pod_gc_period: float = 20.0
    """How often the pod garbage collector runs, in seconds."""

    orphan_pod_quarantine: float = 40.0
    """How long a pod's node must stay missing before the pod is deleted, in seconds."""

    concurrent_endpoint_syncs: int = 5
    """Workers of the Endpoints controller."""

    concurrent_service_endpoint_syncs: int = 5
    """Workers of the EndpointSlice controller."""

    max_endpoints_per_slice: int = 100
    """The most endpoints one EndpointSlice holds."""

    concurrent_job_syncs: int = 5
    """Workers of the Job controller."""

    job_pod_failure_backoff: float = 10.0
    """The first delay before a Job replaces a failed pod, doubling with each further
    failure up to 10 minutes (upstream's DefaultJobPodFailureBackOff; not a flag there)."""

    concurrent_ttl_after_finished_syncs: int = 5
    """Workers of the TTL-after-finished controller."""

    concurrent_cron_job_syncs: int = 5
    """Workers of the CronJob controller."""

    concurrent_daemonset_syncs: int = 2
    """Workers of the DaemonSet controller."""

    concurrent_statefulset_syncs: int = 5
    """Workers of the StatefulSet controller."""

"""Per-kind schemas: defaulting, validation and create/update preparation.

The apiserver looks a kind up with :func:`strategy_for` (the same ``(group, kind)`` as in
:mod:`observe.api.registry`) and, for a write, runs on the decoded body:

    create:  prepare_for_create -> default -> validate                  (uid assigned first)
    update:  prepare_for_update(new, old) -> default -> validate + validate_update(new, old)

Each kind lives in its own module and builds its :class:`KindStrategy` with
:func:`~observe.api.kinds.strategy.build_strategy`; kinds without a module (unknown or
custom) get a generic strategy that validates metadata only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from observe.api.kinds import (
    config,
    controllerrevision,
    cronjob,
    daemonset,
    deployment,
    endpoints,
    endpointslice,
    event,
    hpa,
    job,
    lease,
    namespace,
    node,
    pdb,
    pod,
    replicaset,
    service,
    statefulset,
    storage,
)
from observe.api.kinds.strategy import KindStrategy, build_strategy

__all__ = ["KindStrategy", "known_kinds", "strategy_for"]

_FACTORIES: dict[tuple[str, str], Callable[[], KindStrategy]] = {
    ("", "Namespace"): namespace.strategy,
    ("", "Pod"): pod.strategy,
    ("", "Node"): node.strategy,
    ("", "Service"): service.strategy,
    ("", "Endpoints"): endpoints.strategy,
    ("", "Event"): event.strategy,
    ("", "ConfigMap"): config.configmap_strategy,
    ("", "Secret"): config.secret_strategy,
    ("", "ServiceAccount"): config.service_account_strategy,
    ("", "PersistentVolume"): storage.volume_strategy,
    ("", "PersistentVolumeClaim"): storage.claim_strategy,
    ("apps", "Deployment"): deployment.strategy,
    ("apps", "ReplicaSet"): replicaset.strategy,
    ("apps", "StatefulSet"): statefulset.strategy,
    ("apps", "DaemonSet"): daemonset.strategy,
    ("apps", "ControllerRevision"): controllerrevision.strategy,
    ("batch", "Job"): job.strategy,
    ("batch", "CronJob"): cronjob.strategy,
    ("coordination.k8s.io", "Lease"): lease.strategy,
    ("discovery.k8s.io", "EndpointSlice"): endpointslice.strategy,
    ("autoscaling", "HorizontalPodAutoscaler"): hpa.strategy,
    ("policy", "PodDisruptionBudget"): pdb.strategy,
}


@cache
def strategy_for(group: str, kind: str) -> KindStrategy:
    """The strategy for ``(group, kind)``; a metadata-only one for kinds without a schema."""
    factory = _FACTORIES.get((group, kind))
    return factory() if factory is not None else build_strategy(namespaced=None)


def known_kinds() -> list[tuple[str, str]]:
    """The ``(group, kind)`` pairs with a schema of their own."""
    return list(_FACTORIES)

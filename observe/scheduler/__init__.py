"""The scheduler: assigns pending Pods to Nodes the way kube-scheduler does.

Layers, from the bottom up (each imports only modules listed before it):

- :mod:`observe.api.podinfo` (shared with the DaemonSet controller), :mod:`.nodeinfo`,
  :mod:`.snapshot`: a Pod or Node parsed once into what
  scheduling reads (requests, tolerations, affinity terms; allocatable, taints, labels),
  per-node aggregates of the pods placed there, and the node list a cycle walks.
- :mod:`.clusterevents`: what changed in the cluster, in the terms queueing hints use.
- :mod:`.nominator` and :mod:`.framework`: statuses, cycle state, the extension points and
  the :class:`~.framework.Framework` running them; :mod:`.plugins` holds one module per
  plugin and the name -> factory registry.
- :mod:`.cache` (nodes and pods, assumed pods included) and :mod:`.queue` (activeQ,
  backoffQ, unschedulable and gated pods).
- :mod:`.algorithm`: one scheduling attempt over the cache: filter, score, select.
- :mod:`.eventsink`, :mod:`.handle`, :mod:`.metrics`, :mod:`.config`: the edges to the
  API and to Prometheus.
- :mod:`.scheduler`: the loop that feeds informer events into cache and queue, schedules
  one pod at a time, binds in the background and reports failures as Events and the
  ``PodScheduled`` condition; :mod:`.main` is ``observe scheduler``.
"""

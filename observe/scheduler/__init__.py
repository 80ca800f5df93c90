"""The scheduler: assigns pending Pods to Nodes the way kube-scheduler does.

Layers, from the bottom up (each imports only the ones above it in this list):

- :mod:`.podinfo` and :mod:`.nodeinfo`: a Pod or Node parsed once into what scheduling
  reads (requests, tolerations, affinity terms, taints, allocatable), plus the per-node
  aggregates of the pods placed on it.
- :mod:`.framework`: statuses, cycle state, the plugin extension points and the
  :class:`~.framework.Framework` that runs them; :mod:`.plugins` holds one module per
  plugin and the name -> factory registry.
- :mod:`.cache`: the cluster as scheduling sees it (nodes in zone round-robin order, pods
  per node, assumed pods counted before their binding returns).
- :mod:`.clusterevents`: what changed in the cluster, in the terms queueing hints use.
- :mod:`.queue`: activeQ / backoffQ / unschedulable pods.
- :mod:`.algorithm`: one scheduling attempt over the cache: filter, score, select.
- :mod:`.scheduler`: the loop that feeds informer events into cache and queue, schedules
  one pod at a time, binds in the background and reports failures as Events and the
  ``PodScheduled`` condition; :mod:`.main` is ``observe scheduler``.
"""

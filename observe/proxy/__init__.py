"""The service proxy (``observe proxy``), one per node, like kube-proxy in userspace mode.

It watches Services and EndpointSlices through the API only, and turns them into TCP
listeners: one per (ClusterIP, port) and one per NodePort on the node's address, each
balancing new connections round-robin (or by client IP with ``sessionAffinity: ClientIP``)
across the ready endpoints of its Service port.

Layers, top down: :mod:`.main` (flags, health/metrics server) → :mod:`.proxier` (informers,
the sync loop, listeners opened and closed) → :mod:`.table` (pure: objects → service ports →
listeners), :mod:`.balancer` (pure: which endpoint next) and :mod:`.forwarder` (asyncio TCP
relaying with connection draining); :mod:`.metrics` holds the Prometheus families.
"""

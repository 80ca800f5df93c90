"""The node agent (``observe kubelet``): registers its Node, keeps its Lease and status fresh,
and runs the pods bound to it as host processes.

Layers, importing downward only::

    main         flags -> KubeletConfig -> Kubelet, or HollowNodes (hollow)
    kubelet      wires informers, pod workers, probes, node agent, node API (server, stats)
    podworkers   one task per pod, woken by informers, the PLEG, probes and timers
    podsync      one level-triggered sync of a pod: podactions -> imagepuller, env,
                 volumes, hooks -> runtime; status -> pods/status
    node         Node registration, status and Lease (machine: host facts, measurements)
    status       pure PodStatus computation (upstream's generateAPIPodStatus)
    runtime/     containers as host processes: shim, cgroups, namespaces, re-adoption
    logs         CRI log format, rotation and reading (stdlib only: the shim uses it)

This package's ``__init__`` imports nothing so that the container shim, which imports
:mod:`observe.kubelet.logs` and :mod:`observe.kubelet.runtime`, starts small.
"""

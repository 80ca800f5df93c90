"""The node agent (``observe kubelet``): registers its Node, keeps its Lease and status fresh,
and runs the pods bound to it as host processes.

Layers, importing downward only::

    main        flags -> KubeletConfig -> Kubelet (or hollow nodes)
    kubelet     wires informers, pod workers, probes, status manager, node agent, server
    podworkers  one task per pod; level-triggered sync (podactions -> runtime)
    status      pure PodStatus computation (upstream's generateAPIPodStatus)
    runtime/    container processes: shim, cgroups, namespaces, re-adoption
    logs        CRI log format, rotation and reading (stdlib only: the shim uses it)

This package's ``__init__`` imports nothing so that the container shim, which imports
:mod:`observe.kubelet.logs` and :mod:`observe.kubelet.runtime`, starts small.
"""

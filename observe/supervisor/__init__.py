"""The supervisor behind ``observe up`` / ``observe down`` / ``observe status``.

``observe up`` starts one background supervisor process per data directory; it starts every
component (apiserver, scheduler, controller-manager, one kubelet per node, ...) as a child
process in dependency order, restarts a crashed one with back-off, and records where each
listens in ``<data-dir>/state.json``. ``observe down`` signals it and it stops the children
in reverse order.

Layers, importing downward only::

    control       what the CLI verbs call: launch the supervisor, wait for the cluster to
                  be ready, stop it, report status (runs in the CLI process)
    main          ``python -m observe.supervisor``: flags -> specs -> Supervisor.run
    supervisor    the loop: reap, probe, plan starts, restart with back-off, stop
    readiness     pure checks of Node conditions and of what keeps a cluster from ready
    specs         the component registry: command line, health URL, dependencies
    order         start order and stop levels from the dependencies
    backoff       restart back-off per component
    process       the host's processes (spawn, reap, signal); ``fake`` stands in for tests
    health        HTTP health probes
    state         state.json and the supervisor's lock
    ports         loopback port allocation
    layout        where everything lives under the data directory
"""

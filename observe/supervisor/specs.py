"""The component registry: what ``observe up`` runs, how each is started, where it answers.

:data:`COMPONENT_KINDS` is the explicit list, in start order, of every kind of component
the supervisor can run; each entry builds the :class:`ComponentSpec` s of its kind (one, or
one per node) from the :class:`ClusterOptions`. Later components (exporters, shipper,
prometheus, ...) join as more entries. A kind whose ``observe <command>`` is not in this
build is left out, so the registry can name components before they exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from observe.logstore import install as logstore_install
from observe.monitoring import binaries
from observe.supervisor.layout import ClusterLayout

APISERVER = "apiserver"
PROMETHEUS, ALERTMANAGER, SD = "prometheus", "alertmanager", "prometheus-sd"
OPENSEARCH, ELASTICSEARCH, SHIPPER = "opensearch", "elasticsearch", "shipper"
EVENTS_EXPORTER = "events-exporter"
log = logging.getLogger("observe.supervisor")
# Node pod networks are 127.<64+i>.0.0/16 (see ARCHITECTURE.md "Pod network").
FIRST_POD_OCTET = 64
MAX_NODES = 255 - FIRST_POD_OCTET + 1


@dataclass(frozen=True)
class ComponentSpec:
    """One process the supervisor runs."""

    name: str
    """Unique name: ``apiserver``, ``kubelet-node-1``, ... (the key in ``observe status``)."""

    argv: tuple[str, ...]
    """The full command line; ``argv[0]`` is looked up on ``PATH`` if not a path."""

    host: str
    port: int
    """Where it serves HTTP (its API, or at least health and metrics)."""

    health_path: str = "/healthz"
    """Answers 200 once the component is healthy (the apiserver: ``/readyz``)."""

    depends_on: tuple[str, ...] = ()
    """Components that must be healthy before this one starts."""

    gates_ready: bool = True
    """Whether the cluster is ready only once this is healthy. The log store takes tens of
    seconds to start and nothing needs it to run pods (its writers wait for it)."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def health_url(self) -> str:
        return self.url + self.health_path


@dataclass(frozen=True)
class ClusterOptions:
    """Everything the specs are built from; read from flags once by the supervisor."""

    layout: ClusterLayout
    nodes: tuple[str, ...]
    """Node names, one kubelet each."""

    python: str
    """The interpreter that runs ``-m observe <component>``."""

    host: str = "127.0.0.1"
    """Loopback address every component listens on."""

    es_url: str | None = None
    """An external Elasticsearch to ship logs and events to instead of running OpenSearch."""


PortFor = Callable[[str], int]
KindBuilder = Callable[[ClusterOptions, PortFor], list[ComponentSpec]]


def node_names(count: int) -> tuple[str, ...]:
    return tuple(f"node-{i}" for i in range(1, count + 1))


def pod_cidr(index: int) -> str:
    """The pod network of the ``index``-th node (from 0)."""
    if not 0 <= index < MAX_NODES:
        raise ValueError(f"at most {MAX_NODES} nodes have a pod network")
    return f"127.{FIRST_POD_OCTET + index}.0.0/16"


def _observe(options: ClusterOptions, command: str, *args: object) -> tuple[str, ...]:
    return (options.python, "-m", "observe", command, *(str(a) for a in args))


def _client_of_apiserver(command: str) -> KindBuilder:
    """A control-plane component that only needs the kubeconfig and a port to serve on."""

    def build(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
        port = port_for(command)
        argv = _observe(options, command, "--kubeconfig", options.layout.kubeconfig,
                        "--port", port)
        return [ComponentSpec(command, argv, options.host, port, depends_on=(APISERVER,))]

    return build


def _apiserver(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
    port = port_for(APISERVER)
    argv = _observe(options, APISERVER, "--data-dir", options.layout.apiserver_dir,
                    "--host", options.host, "--port", port)
    return [ComponentSpec(APISERVER, argv, options.host, port, health_path="/readyz")]


def _kubelets(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
    specs = []
    for index, node in enumerate(options.nodes):
        name = f"kubelet-{node}"
        port = port_for(name)
        argv = _observe(options, "kubelet", "--node-name", node,
                        "--kubeconfig", options.layout.kubeconfig,
                        "--root-dir", options.layout.node_dir(node),
                        "--address", options.host, "--port", port,
                        "--pod-cidr", pod_cidr(index))
        specs.append(ComponentSpec(name, argv, options.host, port, depends_on=(APISERVER,)))
    return specs


def _per_node(command: str, *flags: str) -> KindBuilder:
    """One ``<command>-<node>`` per node (the service proxy, the node exporter), as a
    DaemonSet would run it on a real cluster."""

    def build(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
        specs = []
        for node in options.nodes:
            name = f"{command}-{node}"
            port = port_for(name)
            values = {"kubeconfig": options.layout.kubeconfig, "node-name": node,
                      "node-address": options.host, "address": options.host, "port": port}
            argv = _observe(options, command,
                            *(a for flag in flags for a in (f"--{flag}", values[flag])))
            specs.append(ComponentSpec(name, argv, options.host, port,
                                       depends_on=(APISERVER,)))
        return specs

    return build


def _monitoring(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
    """Prometheus, its target discovery and Alertmanager (:mod:`observe.monitoring`); left
    out when Debian's programs are not installed."""
    if not all(binaries.find(t) for t in (binaries.PROMETHEUS, binaries.ALERTMANAGER)):
        return []
    host, data_dir = options.host, options.layout.data_dir
    sd_port, am_port, prom_port = (port_for(n) for n in (SD, ALERTMANAGER, PROMETHEUS))
    sd = _observe(options, SD, "--kubeconfig", options.layout.kubeconfig,
                  "--data-dir", data_dir, "--host", host, "--port", sd_port)
    alertmanager = _observe(options, ALERTMANAGER, "--data-dir", data_dir / ALERTMANAGER,
                            "--host", host, "--port", am_port)
    prometheus = _observe(options, PROMETHEUS, "--data-dir", data_dir / PROMETHEUS,
                          "--host", host, "--port", prom_port,
                          "--sd-url", f"http://{host}:{sd_port}",
                          "--alertmanager", f"{host}:{am_port}")
    return [ComponentSpec(SD, sd, host, sd_port, depends_on=(APISERVER,)),
            ComponentSpec(ALERTMANAGER, alertmanager, host, am_port, health_path="/-/ready"),
            ComponentSpec(PROMETHEUS, prometheus, host, prom_port, health_path="/-/ready",
                          depends_on=(SD, ALERTMANAGER))]


@dataclass(frozen=True)
class LogStore:
    """Where the shippers and the events exporter write."""

    url: str
    flavor: str
    """``opensearch`` or ``elasticsearch`` (the client to use)."""
    component: str | None
    """The component standing for it in ``observe status``, if it is available."""


def log_store(options: ClusterOptions, port_for: PortFor) -> LogStore:
    """The configured external Elasticsearch, else the embedded OpenSearch node on its
    own port (``component`` None when it cannot run here)."""
    if options.es_url:
        return LogStore(options.es_url, ELASTICSEARCH, ELASTICSEARCH)
    port = port_for(OPENSEARCH)
    available = logstore_install.why_unavailable() is None
    return LogStore(f"http://{options.host}:{port}", OPENSEARCH,
                    OPENSEARCH if available else None)


def _log_store(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
    """The embedded OpenSearch node, or a watcher of the external Elasticsearch; left out
    with a warning when Java or the node's install is missing."""
    store = log_store(options, port_for)
    host = options.host
    if store.flavor == ELASTICSEARCH:
        port = port_for(ELASTICSEARCH)
        argv = (options.python, "-m", "observe.logstore.external", "--es-url", store.url,
                "--address", host, "--port", str(port))
        return [ComponentSpec(ELASTICSEARCH, argv, host, port, health_path="/readyz",
                              gates_ready=False)]
    if store.component is None:
        log.warning("not running opensearch: %s", logstore_install.why_unavailable())
        return []
    port = port_for(OPENSEARCH)
    argv = (options.python, "-m", "observe.logstore.run",
            "--data-dir", str(options.layout.data_dir / OPENSEARCH), "--port", str(port),
            "--transport-port", str(port_for(f"{OPENSEARCH}-transport")))
    return [ComponentSpec(OPENSEARCH, argv, host, port, gates_ready=False,
                          health_path="/_cluster/health?wait_for_status=yellow&timeout=1s")]


def _shippers(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
    """One ``shipper-<node>`` per node, reading that kubelet's log files; it waits for the
    store on its own (the files are its buffer), so only the apiserver gates its start.
    Without a store to write to, there are none."""
    store = log_store(options, port_for)
    if store.component is None:
        return []
    specs = []
    for node in options.nodes:
        name = f"{SHIPPER}-{node}"
        port = port_for(name)
        argv = _observe(options, SHIPPER, "--node-name", node,
                        "--root-dir", options.layout.node_dir(node),
                        "--kubeconfig", options.layout.kubeconfig,
                        "--output", store.flavor, "--url", store.url,
                        "--address", options.host, "--port", port)
        specs.append(ComponentSpec(name, argv, options.host, port, depends_on=(APISERVER,)))
    return specs


def _events_exporter(options: ClusterOptions, port_for: PortFor) -> list[ComponentSpec]:
    store = log_store(options, port_for)
    if store.component is None:
        return []
    port = port_for(EVENTS_EXPORTER)
    argv = _observe(options, EVENTS_EXPORTER, "--kubeconfig", options.layout.kubeconfig,
                    "--es-url", store.url, "--flavor", store.flavor,
                    "--state-dir", options.layout.data_dir / EVENTS_EXPORTER,
                    "--address", options.host, "--port", port)
    return [ComponentSpec(EVENTS_EXPORTER, argv, options.host, port, depends_on=(APISERVER,))]


COMPONENT_KINDS: tuple[tuple[str, KindBuilder], ...] = (
    (APISERVER, _apiserver),
    ("scheduler", _client_of_apiserver("scheduler")),
    ("controller-manager", _client_of_apiserver("controller-manager")),
    ("kubelet", _kubelets),
    ("proxy", _per_node("proxy", "kubeconfig", "node-name", "node-address", "port")),
    ("node-exporter", _per_node("node-exporter", "node-name", "address", "port")),
    ("pod-exporter", _client_of_apiserver("pod-exporter")),
    (SHIPPER, _log_store),
    (SHIPPER, _shippers),
    (EVENTS_EXPORTER, _events_exporter),
    (PROMETHEUS, _monitoring),
)
"""``(observe command, builder)`` for every kind of component, in start order."""


def build_specs(options: ClusterOptions, port_for: PortFor, available: Collection[str],
                kinds: tuple[tuple[str, KindBuilder], ...] = COMPONENT_KINDS,
                ) -> tuple[list[ComponentSpec], list[str]]:
    """The specs of every kind whose command is ``available``, and the commands left out."""
    specs: list[ComponentSpec] = []
    skipped: list[str] = []
    for command, build in kinds:
        if command in available:
            specs.extend(build(options, port_for))
        else:
            skipped.append(command)
    return specs, skipped


def kubelet_node(spec_name: str) -> str | None:
    """The node a ``kubelet-<node>`` component runs, else None."""
    return spec_name.removeprefix("kubelet-") if spec_name.startswith("kubelet-") else None


def data_paths(options: ClusterOptions) -> list[Path]:
    """Directories the components expect to exist before they start."""
    layout = options.layout
    return [layout.logs_dir, layout.apiserver_dir, *(layout.node_dir(n) for n in options.nodes)]

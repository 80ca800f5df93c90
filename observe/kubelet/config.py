"""The kubelet's settings, read once from the flags (:mod:`observe.kubelet.main`) and passed
down; nothing below the entry point reads flags, files or the environment for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class KubeletConfig:
    node_name: str
    """Name of the Node this kubelet registers (the first of several with ``--hollow``)."""

    root_dir: Path
    """Logs (``pods/``, ``containers/``), container state and volumes live here."""

    address: str = "127.0.0.1"
    """The node's InternalIP, where the node API listens."""

    port: int = 10250
    """Port of the node API (``daemonEndpoints.kubeletEndpoint.Port``)."""

    pod_cidr: str = "127.1.0.0/16"
    """Pod addresses come from this range (``spec.podCIDR``)."""

    cpu: str | None = None
    """CPU capacity to report (cores, a quantity); measured when unset."""

    memory: str | None = None
    """Memory capacity to report (a quantity like ``8Gi``); measured when unset."""

    max_pods: int = 110
    """The ``pods`` capacity."""

    labels: dict[str, str] = field(default_factory=dict)
    """Extra Node labels (``--node-labels``)."""

    image_catalog: Path | None = None
    """YAML file of image entries added to the built-in catalog."""

    log_max_size: int = 10 * 1024 * 1024
    """``containerLogMaxSize``: a container's log file is rotated beyond this size."""

    log_max_files: int = 5
    """``containerLogMaxFiles``: log files kept per container, the current one included."""

    status_update_frequency: float = 10.0
    """Seconds between node status computations (written when changed)."""

    status_report_frequency: float = 300.0
    """Seconds after which the node status is written even if unchanged."""

    lease_renew_interval: float = 10.0
    """Seconds between renewals of the node's Lease."""

    hollow: bool = False
    """Report bound pods Running without starting processes (kubemark's hollow node)."""

    hollow_nodes: int = 1
    """How many hollow nodes this process runs (``--hollow`` only)."""

    node_name_prefix: str | None = None
    """With several hollow nodes: they are named ``<prefix><index>``."""

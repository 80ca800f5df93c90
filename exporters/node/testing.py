"""Real node exporter processes for tests and benchmarks: ours (``python -m observe
node-exporter``) and Debian's ``prometheus-node-exporter``, each on a free loopback port and
configured alike, so the two can be scraped side by side. Nothing here is used by the
product itself.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from exporters.node.config import DEFAULT_MOUNT_POINTS_EXCLUDE
from observe.testing import ComponentProcess, free_port

DEBIAN_NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"


def debian_node_exporter() -> str | None:
    """Path of Debian's node_exporter binary, or None when the package is not installed."""
    if os.access(DEBIAN_NODE_EXPORTER, os.X_OK):
        return DEBIAN_NODE_EXPORTER
    return shutil.which("prometheus-node-exporter")


class ExporterProcess(ComponentProcess):
    """One exporter process listening on 127.0.0.1:<port>; its output goes to ``log``."""

    def __init__(self, argv: list[str], port: int, log: Path) -> None:
        super().__init__(argv, port, log, health_path="/metrics")

    @classmethod
    def ours(cls, log: Path, *extra: str) -> ExporterProcess:
        port = free_port()
        return cls([sys.executable, "-m", "observe", "node-exporter", "--port", str(port),
                    *extra], port, log)

    @classmethod
    def debian(cls, log: Path, *extra: str) -> ExporterProcess:
        binary = debian_node_exporter()
        if binary is None:
            raise FileNotFoundError("prometheus-node-exporter is not installed")
        port = free_port()
        # Debian widens the mount point exclusion (/run, /mnt, /media); give it ours so both
        # report the same filesystems.
        return cls([binary, f"--web.listen-address=127.0.0.1:{port}",
                    f"--collector.filesystem.mount-points-exclude="
                    f"{DEFAULT_MOUNT_POINTS_EXCLUDE}", *extra], port, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"

    def scrape(self, timeout: float = 10.0) -> str:
        return self.get("/metrics", timeout)

"""Helpers for tests and benchmarks of the state exporter: the exposition of one object as the
exporter would serve it, and a real ``python -m observe pod-exporter`` process on a free
loopback port. Nothing here is used by the product itself."""

from __future__ import annotations

import sys
from pathlib import Path

from exporters.state.exposition import Object
from exporters.state.metrics.kind import Kind, MetricOptions
from exporters.state.store import KindRenderer
from observe.testing import ComponentProcess, free_port, wait_http_ok

NO_ALLOWLISTS = MetricOptions({}, {})


def exposition(kind: Kind, obj: Object, options: MetricOptions = NO_ALLOWLISTS) -> str:
    """``obj``'s part of ``/metrics``, headers included."""
    return KindRenderer(kind, kind.families(options)).text(obj)


def series(text: str, *names: str) -> list[str]:
    """The sample lines of the named families, in order (all of them without names)."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    if not names:
        return lines
    return [line for line in lines if line.split("{", 1)[0].split(" ", 1)[0] in names]


class PodExporterProcess(ComponentProcess):
    """The exporter watching the apiserver of ``kubeconfig``; its output goes to ``log``.
    :meth:`start` waits until it answers ``/healthz`` (not until it is ready)."""

    def __init__(self, kubeconfig: Path, log: Path, *extra: str) -> None:
        self.kubeconfig = kubeconfig
        self.extra = extra
        port = free_port()
        super().__init__([sys.executable, "-m", "observe", "pod-exporter", "--kubeconfig",
                          str(kubeconfig), "--port", str(port), *extra], port, log)

    def wait_ready(self, timeout: float = 60.0) -> None:
        wait_http_ok(f"{self.base}/readyz", timeout, self.proc)

    def scrape(self, timeout: float = 30.0) -> str:
        return self.get("/metrics", timeout)

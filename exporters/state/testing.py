"""Helpers for tests and benchmarks of the state exporter: the exposition of one object as the
exporter would serve it, and a real ``python -m observe pod-exporter`` process on a free
loopback port. Nothing here is used by the product itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from exporters.state.exposition import Object
from exporters.state.metrics.kind import Kind, MetricOptions
from exporters.state.store import KindRenderer
from observe.testing import free_port, wait_http_ok

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


class PodExporterProcess:
    """The exporter watching the apiserver of ``kubeconfig``; its output goes to ``log``."""

    def __init__(self, kubeconfig: Path, log: Path, *extra: str) -> None:
        self.kubeconfig = kubeconfig
        self.log = log
        self.extra = extra
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> PodExporterProcess:
        """Start and wait until it answers ``/healthz`` (not until it is ready)."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "observe", "pod-exporter", "--kubeconfig",
                 str(self.kubeconfig), "--port", str(self.port), *self.extra],
                stdout=out, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wait_http_ok(f"{self.base}/healthz", timeout, self.proc)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        wait_http_ok(f"{self.base}/readyz", timeout, self.proc)

    def get(self, path: str, timeout: float = 30.0) -> str:
        with urllib.request.urlopen(f"{self.base}{path}", timeout=timeout) as response:
            return response.read().decode()

    def scrape(self, timeout: float = 30.0) -> str:
        return self.get("/metrics", timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

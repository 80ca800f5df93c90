"""One OpenSearch node as a child process: start, wait until it can take writes, stop.

Sits on top of :mod:`observe.logstore.install` (which provides the jars and the launcher)
and is used by the test suite's ``opensearch`` fixture, the shipper's benchmarks and, as the
default log store, ``observe up``. The node listens on loopback only, keeps its data under
``data_dir`` (so a stop and a start keep the indices, as a real outage would) and writes its
console to ``data_dir/opensearch.log``.

Ready means the cluster health is at least yellow: a single node can never place replicas,
so green is only reached by indices that ask for none.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from observe.logstore.install import (
    LAUNCHER_CLASS,
    Installation,
    ensure_installed,
    java_binary,
)

DEFAULT_HEAP = ("512m", "1g")
START_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0
_POLL = 0.25


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class NodeError(RuntimeError):
    """The node did not start or answer; the message includes the end of its log."""


def cluster_health(url: str, timeout: float = 2.0) -> str | None:
    """``green``/``yellow``/``red`` from ``/_cluster/health``, or None when it does not
    answer."""
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=timeout) as response:
            return json.loads(response.read()).get("status")
    except (urllib.error.URLError, OSError, ValueError):
        return None


class OpenSearchNode:
    """A single-node OpenSearch cluster on ``127.0.0.1:port``."""

    def __init__(self, data_dir: Path, port: int | None = None, *,
                 transport_port: int | None = None,
                 installation: Installation | None = None,
                 heap: tuple[str, str] = DEFAULT_HEAP,
                 cluster_name: str = "observe") -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.transport_port = transport_port or free_port()
        self.installation = installation
        self.heap = heap
        self.cluster_name = cluster_name
        self.log_path = self.data_dir / "opensearch.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, exit_with_parent: bool = True) -> list[str]:
        """The java command line; with ``exit_with_parent`` the node stops when its
        standard input closes (see :meth:`start`)."""
        installation = self.installation or ensure_installed()
        self.installation = installation
        return [java_binary(), f"-Xms{self.heap[0]}", f"-Xmx{self.heap[1]}",
                "-cp", installation.classpath, LAUNCHER_CLASS,
                "--port", str(self.port), "--transport-port", str(self.transport_port),
                "--home", str(self.data_dir / "node"), "--cluster-name", self.cluster_name,
                *(["--exit-on-stdin-eof"] if exit_with_parent else [])]

    def start(self, timeout: float = START_TIMEOUT) -> OpenSearchNode:
        """Launch the node and return once it is at least yellow."""
        if self.running:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = self.command()
        with open(self.log_path, "ab") as log:
            # stdin stays open for the node's lifetime: when this process dies, even by
            # SIGKILL, the pipe closes and the launcher shuts the node down.
            self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise NodeError(f"OpenSearch exited with {self.proc.returncode} while "
                                f"starting:\n{self.log_tail()}")
            if cluster_health(self.url) in ("yellow", "green"):
                return
            time.sleep(_POLL)
        raise NodeError(f"OpenSearch not ready on {self.url} after {timeout:.0f}s:\n"
                        f"{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM (the node flushes and closes), then SIGKILL if it takes too long."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._close_stdin()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_stdin()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _close_stdin(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()

    def __enter__(self) -> OpenSearchNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

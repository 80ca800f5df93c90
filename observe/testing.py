"""Real component processes for tests and benchmarks.

:class:`ApiServerProcess` starts ``python -m observe apiserver`` on a free loopback port,
waits until ``/readyz`` answers, writes a kubeconfig for it, and stops it (gracefully or with
SIGKILL, for crash tests); :class:`ComponentProcess` does the same for any component.
Nothing here is used by the product itself.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from observe.client.config import write_kubeconfig


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_http_ok(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None
                 ) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout}s: {last}")


class ComponentProcess:
    """One component as a real process on a loopback port, its output in ``log``:
    :meth:`start` waits until ``health_path`` answers 200, :meth:`stop` sends SIGTERM and
    kills after a grace period, :meth:`kill` sends SIGKILL."""

    def __init__(self, argv: list[str], port: int, log: Path,
                 health_path: str = "/healthz") -> None:
        self.argv = argv
        self.port = port
        self.log = Path(log)
        self.health_path = health_path
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self, timeout: float = 30.0):
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wait_http_ok(f"{self.base}{self.health_path}", timeout, self.proc)
        return self

    def get(self, path: str, timeout: float = 30.0) -> str:
        with urllib.request.urlopen(f"{self.base}{path}", timeout=timeout) as response:
            return response.read().decode()

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ApiServerProcess(ComponentProcess):
    def __init__(self, data_dir: Path, port: int | None = None,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.data_dir = Path(data_dir)
        self.extra_args = extra_args
        self.kubeconfig = self.data_dir / "kubeconfig"
        self.log_path = self.data_dir / "apiserver.log"
        port = port or free_port()
        super().__init__([sys.executable, "-m", "observe", "apiserver", "--data-dir",
                          str(self.data_dir), "--port", str(port), *extra_args],
                         port, self.log_path, health_path="/readyz")

    @property
    def url(self) -> str:
        return self.base

    def start(self, timeout: float = 30.0) -> ApiServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        super().start(timeout)
        write_kubeconfig(str(self.kubeconfig), self.url)
        return self

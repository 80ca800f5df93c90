"""``python -m observe <component>`` as a child process of a test, with its output in a
log file that failures quote."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.monitoring.promapi import poll, status_of


class Component:
    def __init__(self, name: str, args: list[str], log_dir: Path, health_url: str,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.args = args
        self.log_path = log_dir / f"{name}.log"
        self.health_url = health_url
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Component:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "observe", *self.args],
                                         stdout=log, stderr=subprocess.STDOUT, env=self.env)
        poll(f"{self.name} at {self.health_url}", self._healthy, timeout)
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n"
                                 f"{self.log()}")
        return status_of(self.health_url) == 200

    def log(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

"""An in-memory runtime for tests of the logic above it (pod sync, status, server).

Containers "start" at once and run until a test ends them with :meth:`FakeRuntime.exit`
or the kubelet stops them; a command named in ``fail_exec`` fails to start the way the
real runtime reports it (exited, ``StartError``, exit code 128). Everything done to it is
recorded for assertions. ``exec_stream`` runs the command for real, on the host, so the
exec protocol can be tested without containers.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import time
from collections.abc import Callable, Sequence

from observe.kubelet.runtime.containerexec import ExecProcess, ExecTarget, spawn
from observe.kubelet.runtime.types import (
    EXITED,
    RUNNING,
    ContainerConfig,
    ContainerStatus,
    ContainerUsage,
)


class FakeRuntime:
    cgroups_enabled = False

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._ids = itertools.count(1)
        self._containers: dict[str, ContainerStatus] = {}
        self._seen: dict[str, str] = {}
        self.configs: dict[str, ContainerConfig] = {}
        self.fail_exec: set[str] = set()
        self.stopped: list[tuple[str, float]] = []
        self.removed: list[str] = []
        self.execs: list[tuple[str, list[str]]] = []
        self.exec_result: tuple[int, bytes] = (0, b"")
        self.stop_exit_code = 143

    async def start(self, config: ContainerConfig) -> ContainerStatus:
        container_id = f"c{next(self._ids):04d}"
        now = self._now()
        status = ContainerStatus(
            id=container_id, pod_uid=config.pod_uid, pod_name=config.pod_name,
            pod_namespace=config.pod_namespace, name=config.name, attempt=config.attempt,
            image=config.image, image_id=config.image_id, spec_hash=config.spec_hash,
            log_path=config.log_path, state=RUNNING, created_at=now, started_at=now,
            init=config.init, pid=10_000 + len(self._containers))
        if config.argv and config.argv[0] in self.fail_exec:
            status = dataclasses.replace(
                status, state=EXITED, finished_at=now, exit_code=128, reason="StartError",
                message=f'exec: "{config.argv[0]}": executable file not found in $PATH')
        self._containers[container_id] = status
        self.configs[container_id] = config
        return status

    def containers(self) -> list[ContainerStatus]:
        return list(self._containers.values())

    def changed(self) -> list[str]:
        pods = set()
        for c in self._containers.values():
            if self._seen.get(c.id) != c.state:
                self._seen[c.id] = c.state
                pods.add(c.pod_uid)
        return sorted(pods)

    def exit(self, container_id: str, code: int, reason: str = "") -> None:
        """The container's process ends with ``code`` (a test's doing)."""
        status = self._containers[container_id]
        self._containers[container_id] = dataclasses.replace(
            status, state=EXITED, finished_at=self._now(), exit_code=code,
            reason=reason or ("Completed" if code == 0 else "Error"))

    def running(self, name: str | None = None) -> list[ContainerStatus]:
        return [c for c in self._containers.values()
                if c.running and (name is None or c.name == name)]

    async def stop(self, container_id: str, grace: float) -> None:
        self.stopped.append((container_id, grace))
        if self._containers[container_id].running:
            self.exit(container_id, self.stop_exit_code)

    def remove(self, container_id: str) -> None:
        self.removed.append(container_id)
        self._containers.pop(container_id, None)

    async def exec(self, container_id: str, argv: Sequence[str], timeout: float
                   ) -> tuple[int, bytes]:
        self.execs.append((container_id, list(argv)))
        return self.exec_result

    async def exec_stream(self, container_id: str, argv: Sequence[str], *, stdin: bool,
                          stdout: bool, stderr: bool, tty: bool) -> ExecProcess:
        """Runs ``argv`` for real, on the host, with the container's environment."""
        self.execs.append((container_id, list(argv)))
        if not self._containers[container_id].running:
            raise RuntimeError(f"container {container_id} is not running")
        target = ExecTarget(None, {"PATH": os.environ.get("PATH", ""),
                                   **self.configs[container_id].env}, "/")
        return await spawn(target, argv, stdin=stdin, stdout=stdout, stderr=stderr, tty=tty)

    def usage(self, container_id: str) -> ContainerUsage | None:
        return None

"""The runtime interface the pod workers program against, and its value types.

A :class:`ContainerConfig` says what to run (already resolved: argv, env, mounts, limits,
log path); the runtime answers with :class:`ContainerStatus` snapshots, one per container
instance it knows (running or exited), which the pod workers turn into Kubernetes
``containerStatuses``. Times are wall-clock seconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from observe.kubelet.runtime.cgroups import Limits
from observe.kubelet.runtime.namespaces import Mount

if TYPE_CHECKING:
    from observe.kubelet.runtime.containerexec import ExecProcess

CREATED, RUNNING, EXITED, UNKNOWN = "created", "running", "exited", "unknown"


@dataclass(frozen=True)
class ContainerConfig:
    pod_uid: str
    pod_name: str
    pod_namespace: str
    name: str
    attempt: int
    argv: Sequence[str]
    env: Mapping[str, str]
    working_dir: str
    log_path: str
    image: str
    image_id: str
    spec_hash: str = ""
    hostname: str | None = None  # None: no namespaces of its own
    mounts: Sequence[Mount] = ()
    limits: Limits = field(default_factory=Limits)
    init: bool = False
    termination_message_policy: str = "File"


@dataclass(frozen=True)
class ContainerStatus:
    id: str
    pod_uid: str
    pod_name: str
    pod_namespace: str
    name: str
    attempt: int
    image: str
    image_id: str
    spec_hash: str
    log_path: str
    state: str
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    reason: str = ""
    message: str = ""
    pid: int | None = None
    init: bool = False

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def exited(self) -> bool:
        return self.state == EXITED


@dataclass(frozen=True)
class ContainerUsage:
    """A point-in-time reading of one container's resource use."""

    timestamp: float
    cpu_ns: int
    memory_usage: int
    working_set: int
    rss: int
    page_faults: int = 0
    major_page_faults: int = 0
    processes: int = 0


class Runtime(Protocol):
    @property
    def cgroups_enabled(self) -> bool: ...

    async def start(self, config: ContainerConfig) -> ContainerStatus:
        """Create and start a container; exec failures come back as an exited status with
        reason ``StartError``."""
        ...

    def containers(self) -> list[ContainerStatus]:
        """Every container instance the runtime knows, as it is now."""
        ...

    def changed(self) -> list[str]:
        """Pod uids whose containers changed state since the last call (the PLEG relist)."""
        ...

    async def stop(self, container_id: str, grace: float) -> None:
        """SIGTERM, up to ``grace`` seconds, then SIGKILL; returns once it has exited."""
        ...

    def remove(self, container_id: str) -> None: ...

    async def exec(self, container_id: str, argv: Sequence[str], timeout: float
                   ) -> tuple[int, bytes]:
        """Run ``argv`` inside the container; (exit code, combined output)."""
        ...

    async def exec_stream(self, container_id: str, argv: Sequence[str], *, stdin: bool,
                          stdout: bool, stderr: bool, tty: bool) -> ExecProcess:
        """Start ``argv`` inside the container with its streams open (``kubectl exec``);
        :class:`~.containerexec.ExecStartError` when it cannot start."""
        ...

    def usage(self, container_id: str) -> ContainerUsage | None: ...

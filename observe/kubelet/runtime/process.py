"""The process runtime: containers as host processes, each watched by its own shim.

Every container has a directory ``runtime/containers/<id>/`` holding ``config.json`` (written
here, once) and ``state.json`` (written by the shim, :mod:`.shim`). The runtime keeps no
other state, so a restarted kubelet re-adopts everything by reading those directories: a
shim or container is recognised by its pid *and* its start time in ``/proc``, never by the
pid alone. A running container whose shim vanished (killed by hand) is killed and reported
exited, since nothing would collect its output or exit status any more.

Stopping sends SIGTERM to the container's main process, waits up to the grace period, then
SIGKILLs its process group and cgroup. Exec (``kubectl exec``, probes, hooks) joins the
container's cgroups and namespaces and runs with its environment and directory
(:mod:`.containerexec`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil

import observe
from observe.kubelet.layout import Layout
from observe.kubelet.logs import LogOptions, read_log
from observe.kubelet.runtime import cgroups, containerexec
from observe.kubelet.runtime.procfs import is_alive
from observe.kubelet.runtime.shim import CONFIG, STATE, write_state
from observe.kubelet.runtime.types import (
    EXITED,
    RUNNING,
    UNKNOWN,
    ContainerConfig,
    ContainerStatus,
    ContainerUsage,
)

log = logging.getLogger(__name__)

SHIM_START_TIMEOUT = 30.0
TAIL_LINES, TAIL_BYTES = 80, 2048
KILL_WAIT = 10.0
_POLL = 0.05
# Where python finds the observe package when the shim runs without site-packages (-S).
_PACKAGE_PARENT = str(Path(observe.__file__).resolve().parent.parent)


class ProcessRuntime:
    def __init__(self, layout: Layout, *, python: str,
                 cgroup_driver: cgroups.CgroupDriver | None, namespaces: bool,
                 log_max_size: int, log_max_files: int) -> None:
        self._layout = layout
        self._python = python
        self._cgroups = cgroup_driver
        self._namespaces = namespaces
        self._log_max_size = log_max_size
        self._log_max_files = log_max_files
        self._configs: dict[str, dict[str, Any]] = {}
        self._states: dict[str, dict[str, Any]] = {}
        self._mtimes: dict[str, float] = {}
        self._seen: dict[str, str] = {}  # id -> state last reported by changed()
        self._tails: dict[str, str] = {}
        # Cgroups of removed containers whose last processes had not yet gone.
        self._doomed_cgroups: list[cgroups.CgroupPaths] = []
        self._load()

    @property
    def cgroups_enabled(self) -> bool:
        return self._cgroups is not None

    @property
    def namespaces_enabled(self) -> bool:
        return self._namespaces

    # -- state on disk -----------------------------------------------------------------------

    def _dir(self, container_id: str) -> Path:
        return self._layout.containers / container_id

    def _load(self) -> None:
        self._layout.containers.mkdir(parents=True, exist_ok=True)
        for directory in sorted(self._layout.containers.iterdir()):
            try:
                config = json.loads((directory / CONFIG).read_text())
            except (OSError, ValueError):
                log.warning("ignoring container directory %s without a readable config",
                            directory)
                continue
            self._configs[directory.name] = config
            self._refresh(directory.name)
        log.info("re-adopted %d containers (%d running)", len(self._configs),
                 sum(1 for s in self._states.values() if s.get("status") == RUNNING))

    def _refresh(self, container_id: str) -> None:
        path = self._dir(container_id) / STATE
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            self._states.setdefault(container_id, {"status": UNKNOWN})
            return
        if self._mtimes.get(container_id) != mtime:
            try:
                self._states[container_id] = json.loads(path.read_text())
                self._mtimes[container_id] = mtime
            except (OSError, ValueError):
                return  # being replaced right now; the next look reads it
        state = self._states[container_id]
        if state.get("status") == RUNNING and not is_alive(state.get("shimPid"),
                                                           state.get("shimStartTicks")):
            self._orphaned(container_id, state)

    def _orphaned(self, container_id: str, state: dict[str, Any]) -> None:
        # The shim may just have written "exited" and gone: read once more before judging.
        with contextlib.suppress(OSError, ValueError):
            state = json.loads((self._dir(container_id) / STATE).read_text())
            if state.get("status") != RUNNING:
                self._states[container_id] = state
                return
        log.warning("container %s lost its shim; killing it", container_id[:12])
        if is_alive(state.get("pid"), state.get("pidStartTicks")):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(state["pid"], signal.SIGKILL)
        now = time.time_ns()
        state = {**state, "status": EXITED, "finishedAt": now, "exitCode": 137,
                 "reason": "Error", "message": "the container's shim exited; container killed"}
        write_state(str(self._dir(container_id)), state)
        self._states[container_id] = state

    def _status(self, container_id: str) -> ContainerStatus:
        config = self._configs[container_id]
        state = self._states.get(container_id) or {}
        status = state.get("status", UNKNOWN)
        message = state.get("message") or ""
        if status == EXITED and not message and state.get("exitCode") and \
                config.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            message = self._log_tail(container_id, config["logPath"])
        return ContainerStatus(
            id=container_id, pod_uid=config["podUID"], pod_name=config["podName"],
            pod_namespace=config["podNamespace"], name=config["name"],
            attempt=int(config["attempt"]), image=config["image"], image_id=config["imageID"],
            spec_hash=config.get("specHash", ""), log_path=config["logPath"],
            state=status if status in (RUNNING, EXITED) else UNKNOWN,
            created_at=float(config.get("createdAt") or 0),
            started_at=_seconds(state.get("startedAt")),
            finished_at=_seconds(state.get("finishedAt")),
            exit_code=state.get("exitCode"), reason=state.get("reason") or "",
            message=message, pid=state.get("pid"),
            init=bool(config.get("init")))

    def _log_tail(self, container_id: str, path: str) -> str:
        """The end of a failed container's log: its termination message under
        ``FallbackToLogsOnError`` (upstream: at most 80 lines and 2 KiB)."""
        if container_id not in self._tails:
            try:
                text = b"".join(read_log(path, LogOptions(tail_lines=TAIL_LINES)))
            except OSError:
                text = b""
            self._tails[container_id] = text[-TAIL_BYTES:].decode("utf-8", "replace")
        return self._tails[container_id]

    # -- the interface -----------------------------------------------------------------------

    def containers(self) -> list[ContainerStatus]:
        if self._doomed_cgroups and self._cgroups is not None:
            self._doomed_cgroups = [p for p in self._doomed_cgroups
                                    if not self._cgroups.remove(p)]
        for container_id in list(self._configs):
            if (self._states.get(container_id) or {}).get("status") != EXITED:
                self._refresh(container_id)
        return [self._status(c) for c in self._configs]

    def changed(self) -> list[str]:
        pods: set[str] = set()
        for status in self.containers():
            if self._seen.get(status.id) != status.state:
                self._seen[status.id] = status.state
                pods.add(status.pod_uid)
        return sorted(pods)

    async def start(self, config: ContainerConfig) -> ContainerStatus:
        container_id = secrets.token_hex(32)
        directory = self._dir(container_id)
        directory.mkdir(parents=True)
        paths = None
        if self._cgroups is not None:
            paths = self._cgroups.create(config.pod_uid, container_id, config.limits)
        record = {
            "id": container_id, "podUID": config.pod_uid, "podName": config.pod_name,
            "podNamespace": config.pod_namespace, "name": config.name,
            "attempt": config.attempt, "image": config.image, "imageID": config.image_id,
            "specHash": config.spec_hash, "init": config.init, "createdAt": time.time(),
            "argv": list(config.argv), "env": dict(config.env),
            "workingDir": config.working_dir or "/", "logPath": config.log_path,
            "logMaxSize": self._log_max_size, "logMaxFiles": self._log_max_files,
            "hostname": config.hostname if self._namespaces else None,
            "mounts": [{"source": m.source, "target": m.target, "readOnly": m.read_only}
                       for m in config.mounts] if self._namespaces else [],
            "cgroups": paths.to_json() if paths else None,
            "limits": asdict(config.limits),
            "terminationMessagePolicy": config.termination_message_policy,
        }
        (directory / CONFIG).write_text(json.dumps(record))
        self._configs[container_id] = record
        Path(config.log_path).parent.mkdir(parents=True, exist_ok=True)
        self._link_log(record)
        with open(directory / "shim.log", "ab") as shim_log:
            proc = await asyncio.create_subprocess_exec(
                self._python, "-S", "-m", "observe.kubelet.runtime.shim", str(directory),
                stdin=asyncio.subprocess.DEVNULL, stdout=shim_log, stderr=shim_log,
                env={"PYTHONPATH": _PACKAGE_PARENT, "PATH": os.environ.get("PATH", "")},
                start_new_session=True)
        try:
            await asyncio.wait_for(proc.wait(), SHIM_START_TIMEOUT)
        except TimeoutError:
            proc.kill()
        self._refresh(container_id)
        if (self._states.get(container_id) or {}).get("status") not in (RUNNING, EXITED):
            now = time.time_ns()
            write_state(str(directory), {"status": EXITED, "startedAt": now, "finishedAt": now,
                                         "exitCode": 128, "reason": "StartError",
                                         "message": "the container shim did not start"})
            self._refresh(container_id)
        return self._status(container_id)

    def _link_log(self, record: dict[str, Any]) -> None:
        link = self._layout.container_log_link(record["podNamespace"], record["podName"],
                                               record["name"], record["id"])
        link.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            link.symlink_to(record["logPath"])

    async def stop(self, container_id: str, grace: float) -> None:
        if container_id not in self._configs:
            return
        self._refresh(container_id)
        state = self._states.get(container_id) or {}
        if state.get("status") != RUNNING:
            return
        pid, ticks = state.get("pid"), state.get("pidStartTicks")
        if grace > 0 and is_alive(pid, ticks):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
            if await self._wait_exited(container_id, grace):
                return
        self._kill(container_id)
        if not await self._wait_exited(container_id, KILL_WAIT):
            log.warning("container %s did not report its exit after SIGKILL", container_id[:12])

    def _kill(self, container_id: str) -> None:
        state = self._states.get(container_id) or {}
        pid = state.get("pid")
        if is_alive(pid, state.get("pidStartTicks")):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        paths = cgroups.CgroupPaths.from_json(self._configs[container_id].get("cgroups"))
        if paths is not None:
            for _, directory in paths.dirs:
                for leftover in cgroups.procs(directory):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(leftover, signal.SIGKILL)

    async def _wait_exited(self, container_id: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            self._refresh(container_id)
            if (self._states.get(container_id) or {}).get("status") != RUNNING:
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL)

    def remove(self, container_id: str) -> None:
        config = self._configs.get(container_id)
        if config is None:
            return
        if (self._states.get(container_id) or {}).get("status") == RUNNING:
            self._kill(container_id)
        paths = cgroups.CgroupPaths.from_json(config.get("cgroups"))
        if paths is not None and self._cgroups is not None and \
                not self._cgroups.remove(paths):
            self._doomed_cgroups.append(paths)
        link = self._layout.container_log_link(config["podNamespace"], config["podName"],
                                               config["name"], container_id)
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        shutil.rmtree(self._dir(container_id), ignore_errors=True)
        for table in (self._configs, self._states, self._mtimes, self._seen, self._tails):
            table.pop(container_id, None)

    def _exec_target(self, container_id: str) -> containerexec.ExecTarget:
        # A probe or exec may still be in flight for a container removed meanwhile.
        config = self._configs.get(container_id)
        if config is not None:
            self._refresh(container_id)
        state = self._states.get(container_id) or {}
        if config is None or state.get("status") != RUNNING:
            raise RuntimeError(f"container {container_id[:12]} is not running")
        joins = config.get("hostname") is not None and state.get("pid")
        return containerexec.ExecTarget(
            pid=state["pid"] if joins else None, env=config.get("env") or {},
            working_dir=config.get("workingDir") or "/",
            cgroups=cgroups.CgroupPaths.from_json(config.get("cgroups")))

    async def exec(self, container_id: str, argv: Sequence[str], timeout: float
                   ) -> tuple[int, bytes]:
        return await containerexec.run(self._exec_target(container_id), argv, timeout)

    async def exec_stream(self, container_id: str, argv: Sequence[str], *, stdin: bool,
                          stdout: bool, stderr: bool, tty: bool) -> containerexec.ExecProcess:
        return await containerexec.spawn(self._exec_target(container_id), argv, stdin=stdin,
                                         stdout=stdout, stderr=stderr, tty=tty)

    def usage(self, container_id: str) -> ContainerUsage | None:
        config = self._configs.get(container_id)
        state = self._states.get(container_id) or {}
        if config is None or state.get("status") != RUNNING:
            return None
        paths = cgroups.CgroupPaths.from_json(config.get("cgroups"))
        now = time.time()
        if paths is not None:
            reading = cgroups.usage(paths)
            if reading is not None:
                count = len(cgroups.procs(paths.dirs[0][1]))
                return ContainerUsage(now, reading.cpu_ns, reading.memory_usage,
                                      reading.working_set, reading.rss, reading.page_faults,
                                      reading.major_page_faults, count)
        return _process_tree_usage(state.get("pid"), now)


def _process_tree_usage(pid: int | None, now: float) -> ContainerUsage | None:
    """Usage of a container without cgroups: its main process and every descendant."""
    if not pid:
        return None
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return None
    cpu = rss = 0.0
    count = 0
    for proc in procs:
        try:
            times = proc.cpu_times()
            cpu += times.user + times.system
            rss += proc.memory_info().rss
            count += 1
        except psutil.Error:
            continue
    return ContainerUsage(now, int(cpu * 1e9), int(rss), int(rss), int(rss), processes=count)


def _seconds(ns: int | None) -> float | None:
    return ns / 1e9 if ns else None

"""The per-container shim: ``python -m observe.kubelet.runtime.shim <container-dir>``.

One small process per container, detached from the kubelet so that containers outlive a
kubelet restart (the kubelet re-adopts them from their directories). It

1. reads ``config.json`` (argv, env, working directory, hostname and mounts, cgroups, log
   path) written by :mod:`observe.kubelet.runtime.process`;
2. daemonizes; the process the kubelet started exits once the container has started or
   failed to, so the kubelet knows the outcome when its call returns;
3. forks the container: joins its cgroups, enters its own mount/UTS namespaces
   (:mod:`.namespaces`), changes directory and ``exec``s the command with its stdout and
   stderr on pipes the shim owns;
4. writes the output as CRI log lines with size rotation (:mod:`observe.kubelet.logs`);
5. records the outcome in ``state.json``: ``running`` with the container's pid and its
   start time in clock ticks (to tell a reused pid apart), then ``exited`` with exit code,
   reason (``Completed``, ``Error``, ``OOMKilled`` from the cgroup's OOM counter, or
   ``StartError`` with runc's message when exec failed) and times.

Standard library only, to stay small (a few MB of RSS).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import sys
import time
from typing import Any

from observe.kubelet.logs import DEFAULT_MAX_FILES, DEFAULT_MAX_SIZE, LogWriter
from observe.kubelet.runtime import cgroups
from observe.kubelet.runtime.procfs import start_ticks

CONFIG, STATE = "config.json", "state.json"
START_ERROR_EXIT_CODE = 128
# After the container's main process exits, how long to drain output its leftovers write.
DRAIN_SECONDS = 2.0


def write_state(directory: str, state: dict[str, Any]) -> None:
    tmp = os.path.join(directory, STATE + ".tmp")
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, os.path.join(directory, STATE))


def exit_reason(status: int, oom_killed: bool) -> tuple[int, int | None, str]:
    """(exit code, signal, reason) of a ``waitpid`` status, as containerd reports them."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        code, signum = 128 + sig, sig
    else:
        code, signum = os.waitstatus_to_exitcode(status), None
    if oom_killed:
        return code, signum, "OOMKilled"
    return code, signum, "Completed" if code == 0 else "Error"


def exec_error(argv: list[str], exc: BaseException) -> str:
    """runc's wording for a container that could not be started."""
    program = argv[0] if argv else ""
    if isinstance(exc, FileNotFoundError) and "/" not in program:
        return f'exec: "{program}": executable file not found in $PATH'
    if isinstance(exc, FileNotFoundError):
        return f'exec: "{program}": stat {program}: no such file or directory'
    if isinstance(exc, PermissionError):
        return f'exec: "{program}": permission denied'
    return f"{exc}"


def _child(config: dict[str, Any], out_w: int, err_w: int, errpipe_w: int) -> None:
    """In the forked child: become the container, or report why not and exit."""
    argv = list(config.get("argv") or [])
    stage = ""
    try:
        os.setsid()
        paths = cgroups.CgroupPaths.from_json(config.get("cgroups"))
        if paths is not None:
            stage = "join the container's cgroups"
            cgroups.join(paths, os.getpid())
        if config.get("hostname") is not None:
            stage = "set up the container's mount and UTS namespaces"
            # Imported here, in the child only: ctypes would cost every shim a few MB.
            from observe.kubelet.runtime import namespaces

            mounts = [namespaces.Mount(m["source"], m["target"], bool(m.get("readOnly")))
                      for m in config.get("mounts") or []]
            namespaces.enter_pod_view(config["hostname"], mounts)
        workdir = config.get("workingDir") or "/"
        stage = f'chdir to cwd ("{workdir}") set in config.json'
        os.makedirs(workdir, exist_ok=True)
        os.chdir(workdir)
        stage = ""
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD, signal.SIGTERM,
                    signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        os.closerange(3, errpipe_w)
        os.closerange(errpipe_w + 1, 65536)
        if not argv:
            raise ValueError("no command specified")
        os.execvpe(argv[0], argv, dict(config.get("env") or {}))
    except BaseException as exc:  # everything must reach the shim, then exit
        if stage:
            detail = f"{stage} failed: {getattr(exc, 'strerror', None) or exc}"
        else:
            detail = exec_error(argv, exc)
        message = f"OCI runtime create failed: unable to start container process: {detail}"
        with contextlib.suppress(OSError):
            os.write(errpipe_w, message.encode())
        os._exit(127)


def run(directory: str, config: dict[str, Any], ready_fd: int) -> int:
    base_state = {"shimPid": os.getpid(), "shimStartTicks": start_ticks(os.getpid())}
    log_path = config["logPath"]
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    writer = LogWriter(log_path, max_size=int(config.get("logMaxSize") or DEFAULT_MAX_SIZE),
                       max_files=int(config.get("logMaxFiles") or DEFAULT_MAX_FILES))
    paths = cgroups.CgroupPaths.from_json(config.get("cgroups"))
    oom_before = cgroups.oom_kills(paths) if paths else 0

    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    errpipe_r, errpipe_w = os.pipe2(os.O_CLOEXEC)
    started_ns = time.time_ns()
    pid = os.fork()
    if pid == 0:
        os.set_inheritable(out_w, True)
        os.set_inheritable(err_w, True)
        _child(config, out_w, err_w, errpipe_w)
    for fd in (out_w, err_w, errpipe_w):
        os.close(fd)
    failure = b""
    while chunk := os.read(errpipe_r, 4096):
        failure += chunk
    os.close(errpipe_r)
    if failure:
        os.waitpid(pid, 0)
        now = time.time_ns()
        write_state(directory, {**base_state, "status": "exited", "pid": pid,
                                "startedAt": now, "finishedAt": now,
                                "exitCode": START_ERROR_EXIT_CODE, "reason": "StartError",
                                "message": failure.decode("utf-8", "replace")})
        writer.close()
        _ready(ready_fd)
        return 0
    write_state(directory, {**base_state, "status": "running", "pid": pid,
                            "pidStartTicks": start_ticks(pid), "startedAt": started_ns})
    _ready(ready_fd)

    status = _pump(pid, {out_r: "stdout", err_r: "stderr"}, wake_r, writer, paths)
    writer.close()
    oom = paths is not None and cgroups.oom_kills(paths) > oom_before
    code, signum, reason = exit_reason(status, oom)
    write_state(directory, {**base_state, "status": "exited", "pid": pid,
                            "startedAt": started_ns, "finishedAt": time.time_ns(),
                            "exitCode": code, "signal": signum, "reason": reason})
    return 0


def _pump(pid: int, streams: dict[int, str], wake_r: int, writer: LogWriter,
          paths: cgroups.CgroupPaths | None) -> int:
    """Copy output into the log until the container has exited and its pipes are drained;
    returns the ``waitpid`` status."""
    selector = selectors.DefaultSelector()
    for fd in streams:
        selector.register(fd, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    status: int | None = None
    deadline: float | None = None
    open_streams = set(streams)
    while open_streams or status is None:
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0)
        if deadline is not None and timeout == 0:
            break
        for key, _ in selector.select(timeout):
            fd = key.fd
            if fd == wake_r:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_r, 512):
                        pass
                continue
            data = os.read(fd, 65536)
            if data:
                writer.feed(streams[fd], data)
            else:
                writer.finish(streams[fd])
                selector.unregister(fd)
                os.close(fd)
                open_streams.discard(fd)
        if status is None:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = raw
                # Like runc when a container's init dies: nothing else of it keeps running.
                _kill_leftovers(pid, paths)
                deadline = time.monotonic() + DRAIN_SECONDS
    return status if status is not None else 0


def _kill_leftovers(pid: int, paths: cgroups.CgroupPaths | None) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if paths is not None:
        for _, directory in paths.dirs:
            for leftover in cgroups.procs(directory):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(leftover, signal.SIGKILL)


def _ready(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, b"1")
        os.close(fd)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m observe.kubelet.runtime.shim <container-dir>", file=sys.stderr)
        return 2
    directory = argv[0]
    with open(os.path.join(directory, CONFIG)) as f:
        config = json.load(f)
    ready_r, ready_w = os.pipe()
    if os.fork() != 0:
        os.close(ready_w)
        ok = os.read(ready_r, 1)
        return 0 if ok else 1
    os.close(ready_r)
    os.setsid()
    # The kubelet may go away; the shim must not die with the terminal or session it had.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = run(directory, config, ready_w)
    except BaseException as exc:  # record it: never leave the kubelet guessing
        now = time.time_ns()
        with contextlib.suppress(OSError):
            write_state(directory, {"status": "exited", "shimPid": os.getpid(),
                                    "startedAt": now, "finishedAt": now,
                                    "exitCode": START_ERROR_EXIT_CODE, "reason": "StartError",
                                    "message": f"container shim failed: {exc}"})
        _ready(ready_w)
        code = 1
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

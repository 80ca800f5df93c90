"""Running a further command inside a running container: ``kubectl exec``, exec probes and
exec hooks.

The command becomes the container's neighbour the way ``runc exec`` makes it: in the child,
between fork and exec, it joins the container's cgroups, enters the mount and UTS namespaces
of the container's main process (``setns``, :mod:`.namespaces`) and changes to the
container's working directory; it runs with the container's environment, in a session of
its own (so it can be killed as a group). With a terminal it gets a pseudo-terminal as its
controlling tty, whose size the caller sets.

:class:`ExecProcess` presents its streams the way the exec protocol needs them: output as
``(stream, bytes)`` pairs, stdin that can be half-closed, a resize, the exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass

from observe.kubelet.runtime import cgroups, namespaces
from observe.kubelet.runtime.shim import exec_error

STDOUT, STDERR = 1, 2
_CHUNK = 32 * 1024


class ExecStartError(RuntimeError):
    """The command could not be started; the text is runc's."""


@dataclass(frozen=True)
class ExecTarget:
    """Where an exec'd command runs: the container it joins."""

    pid: int | None  # the container's main process, whose namespaces it enters; None: none
    env: Mapping[str, str]
    working_dir: str
    cgroups: cgroups.CgroupPaths | None = None


class ExecProcess:
    def __init__(self, process: asyncio.subprocess.Process, stdin: asyncio.StreamWriter | None,
                 outputs: Sequence[tuple[int, asyncio.StreamReader]],
                 terminal: int | None = None) -> None:
        self.process = process
        self._stdin = stdin
        self._outputs = list(outputs)
        self._terminal = terminal

    async def output(self) -> AsyncIterator[tuple[int, bytes]]:
        """Output as it comes, tagged with its stream, until every stream has ended."""
        pending = {asyncio.ensure_future(reader.read(_CHUNK)): (stream, reader)
                   for stream, reader in self._outputs}
        try:
            while pending:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    stream, reader = pending.pop(task)
                    try:
                        data = task.result()
                    except OSError:  # EIO: a terminal whose last user closed it
                        data = b""
                    if data:
                        yield stream, data
                        pending[asyncio.ensure_future(reader.read(_CHUNK))] = (stream, reader)
        finally:
            for task in pending:
                task.cancel()

    async def write(self, data: bytes) -> None:
        if self._stdin is None or self._stdin.is_closing():
            return
        with contextlib.suppress(ConnectionError):
            self._stdin.write(data)
            await self._stdin.drain()

    def close_stdin(self) -> None:
        # A terminal has no half-close: its input ends when the program reads an EOF key.
        if self._stdin is not None and self._terminal is None:
            self._stdin.close()

    def resize(self, width: int, height: int) -> None:
        if self._terminal is not None:
            with contextlib.suppress(OSError):
                fcntl.ioctl(self._terminal, termios.TIOCSWINSZ,
                            struct.pack("HHHH", height, width, 0, 0))

    async def wait(self) -> int:
        """The exit code, 128 + the signal for a killed command (as a shell reports it)."""
        code = await self.process.wait()
        return 128 - code if code < 0 else code

    def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def close(self) -> None:
        if self._stdin is not None:
            self._stdin.close()
        if self._terminal is not None:
            # The read side's transport owns (and closes) the other descriptor.
            with contextlib.suppress(OSError):
                os.close(self._terminal)
            self._terminal = None


def _enter(target: ExecTarget, joined: Sequence[tuple[int, int]], terminal: bool
           ) -> Callable[[], None]:
    """What the child does between fork and exec (after ``setsid``)."""
    def child() -> None:
        if terminal:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        if target.cgroups is not None:
            cgroups.join(target.cgroups, os.getpid())
        namespaces.join(joined)
        try:
            os.chdir(target.working_dir or "/")
        except OSError:
            os.chdir("/")
    return child


async def spawn(target: ExecTarget, argv: Sequence[str], *, stdin: bool, stdout: bool,
                stderr: bool, tty: bool, combine: bool = False) -> ExecProcess:
    """Start ``argv`` in the container. ``combine`` sends stderr into the stdout stream
    (probes read one output); with ``tty`` everything goes through the terminal."""
    if not argv:
        raise ExecStartError("exec: no command specified")
    joined = namespaces.open_namespaces(target.pid) if target.pid is not None else []
    loop = asyncio.get_running_loop()
    pipe, devnull = asyncio.subprocess.PIPE, asyncio.subprocess.DEVNULL
    master = slave = None
    try:
        if tty:
            master, slave = os.openpty()
            streams = {"stdin": slave, "stdout": slave, "stderr": slave}
        else:
            streams = {"stdin": pipe if stdin else devnull,
                       "stdout": pipe if stdout or combine else devnull,
                       "stderr": (asyncio.subprocess.STDOUT if combine
                                  else pipe if stderr else devnull)}
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, **streams, env=dict(target.env), start_new_session=True,
                preexec_fn=_enter(target, joined, tty))
        except OSError as exc:
            raise ExecStartError("OCI runtime exec failed: exec failed: unable to start "
                                 f"container process: {exec_error(list(argv), exc)}: unknown"
                                 ) from exc
        except Exception as exc:  # subprocess' wording for a failure in the child's set-up
            raise ExecStartError("OCI runtime exec failed: exec failed: unable to start "
                                 f"container process: {exc}: unknown") from exc
    except BaseException:
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
        raise
    finally:
        for fd, _ in joined:
            os.close(fd)
    if master is None:
        outputs = [(s, r) for s, r in ((STDOUT, process.stdout), (STDERR, process.stderr))
                   if r is not None]
        return ExecProcess(process, process.stdin, outputs)
    assert slave is not None
    os.close(slave)
    reader = asyncio.StreamReader(limit=_CHUNK * 4)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                 os.fdopen(master, "rb", buffering=0))
    writer = None
    if stdin:
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(os.dup(master), "wb", buffering=0))
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
    return ExecProcess(process, writer, [(STDOUT, reader)], terminal=os.dup(master))


async def run(target: ExecTarget, argv: Sequence[str], timeout: float) -> tuple[int, bytes]:
    """Run to completion (probes, hooks): (exit code, stdout and stderr together)."""
    process = await spawn(target, argv, stdin=False, stdout=True, stderr=True, tty=False,
                          combine=True)

    async def collect() -> bytes:
        return b"".join([chunk async for _, chunk in process.output()])

    try:
        output = await asyncio.wait_for(collect(), timeout)
        return await asyncio.wait_for(process.wait(), timeout), output
    except TimeoutError:
        process.kill()
        await process.wait()
        raise

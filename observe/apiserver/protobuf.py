"""Protobuf request bodies, decoded by the ``k8sproto`` helper process.

kubectl 1.32's typed clients write objects as ``application/vnd.kubernetes.protobuf``:
the gogo-protobuf encoding of the k8s.io/api types inside a ``runtime.Unknown`` envelope.
Decoding that needs the generated code of every built-in type, so a small Go program of
ours (``observe/apiserver/k8sproto``, built by ``.ci/setup``) does it with client-go's own
scheme. The apiserver keeps one such process running and talks to it over its stdin and
stdout in length-prefixed frames (the format is described in its ``main.go``), so a
protobuf write costs a pipe round trip, not a process start.

:func:`observe.apiserver.codec.decode_body` sends protobuf bodies here; responses are
always JSON, which every client accepts. Without the helper a protobuf body gets the 415
it got before this existed, with a message saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections import deque
from pathlib import Path
from typing import Any

import orjson

from observe.api import errors

log = logging.getLogger("observe.apiserver.protobuf")

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
BINARY_NAME = "k8sproto"
# What .ci/setup builds, relative to the source tree this package is in.
BUILT_PATH = Path(__file__).resolve().parents[2] / ".cache" / "bin" / BINARY_NAME

STATUS_OK = 0
# Decoding takes well under a millisecond; this only catches a wedged helper.
ANSWER_TIMEOUT = 30.0

Answer = tuple[int, bytes]


def default_path() -> Path | None:
    """The helper built by ``.ci/setup`` in this source tree, else ``k8sproto`` on PATH."""
    if BUILT_PATH.is_file():
        return BUILT_PATH
    found = shutil.which(BINARY_NAME)
    return Path(found) if found else None


def not_built(reason: str) -> errors.StatusError:
    return errors.StatusError(
        415, "UnsupportedMediaType",
        f"the body of the request was in {MEDIA_TYPE}, but protobuf support is not built "
        f"on this server ({reason}; run .ci/setup to build it) - send application/json or "
        f"application/yaml instead")


def unavailable(message: str) -> errors.StatusError:
    return errors.StatusError(503, "ServiceUnavailable", message, retry_after=1)


class _Helper:
    """One running helper process and the requests waiting for its answers, in order."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pending: deque[asyncio.Future[Answer]] = deque()
        self.stopping = False
        self.reader = asyncio.create_task(self._read_answers())

    @property
    def alive(self) -> bool:
        return not self.reader.done()

    def send(self, body: bytes) -> asyncio.Future[Answer]:
        # Writing and queueing happen with no await between them, so answers, which the
        # helper gives in request order, always meet the future of their own request.
        assert self.proc.stdin is not None
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self.proc.stdin.write(len(body).to_bytes(4, "big") + body)
        self.pending.append(future)
        return future

    async def flush(self) -> None:
        assert self.proc.stdin is not None
        # A dead helper fails the pending futures from the reader's side.
        with contextlib.suppress(ConnectionError):
            await self.proc.stdin.drain()

    async def _read_answers(self) -> None:
        assert self.proc.stdout is not None
        why = "the protobuf transcoder stopped"
        try:
            while True:
                header = await self.proc.stdout.readexactly(5)
                payload = await self.proc.stdout.readexactly(int.from_bytes(header[1:], "big"))
                if not self.pending:  # an answer nobody asked for: the stream is not to be trusted
                    self.kill()
                    continue
                future = self.pending.popleft()
                if not future.done():  # its request may have timed out meanwhile
                    future.set_result((header[0], payload))
        except (asyncio.IncompleteReadError, ConnectionError):
            code = await self.proc.wait()
            why = f"the protobuf transcoder exited with code {code}"
            if not self.stopping:
                log.warning("%s", why)
        finally:
            while self.pending:
                future = self.pending.popleft()
                if not future.done():
                    future.set_exception(unavailable(why))

    async def stop(self, timeout: float = 5.0) -> None:
        self.stopping = True
        if self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()  # end of input is the helper's signal to exit
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.kill()
                await self.proc.wait()
        await self.reader

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()


class Transcoder:
    """Protobuf bodies to JSON objects through one long-running ``k8sproto`` process.

    The process starts with :meth:`start` (or on the first body) and is started again on
    the next body after it died; ``path`` None means protobuf support is not built.
    """

    def __init__(self, path: Path | None, answer_timeout: float = ANSWER_TIMEOUT) -> None:
        self.path = path
        self.answer_timeout = answer_timeout
        self._helper: _Helper | None = None
        self._starting = asyncio.Lock()

    @property
    def available(self) -> bool:
        return self.path is not None and self.path.is_file()

    async def start(self) -> None:
        await self._running()

    async def close(self) -> None:
        helper, self._helper = self._helper, None
        if helper is not None:
            await helper.stop()

    async def to_json(self, body: bytes) -> dict[str, Any]:
        """The object a protobuf body encodes, as Kubernetes JSON; 400 when it does not
        decode, 415 when protobuf support is not built."""
        helper = await self._running()
        future = helper.send(body)
        await helper.flush()
        try:
            status, payload = await asyncio.wait_for(future, self.answer_timeout)
        except TimeoutError:
            helper.kill()  # wedged: the next body starts a fresh one
            raise unavailable(f"the protobuf transcoder did not answer within "
                              f"{self.answer_timeout:g}s") from None
        if status != STATUS_OK:
            message = payload.decode("utf-8", "replace")
            raise errors.bad_request(f"error decoding {MEDIA_TYPE} body: {message}")
        data = orjson.loads(payload)
        if not isinstance(data, dict):
            raise errors.bad_request(f"the {MEDIA_TYPE} body does not hold an object")
        return data

    async def _running(self) -> _Helper:
        async with self._starting:
            if self._helper is None or not self._helper.alive:
                self._helper = await self._spawn()
            return self._helper

    async def _spawn(self) -> _Helper:
        if self.path is None:
            raise not_built(f"no {BINARY_NAME} binary found")
        if not self.path.is_file():
            raise not_built(f"{self.path} does not exist")
        try:
            proc = await asyncio.create_subprocess_exec(
                str(self.path), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE)
        except OSError as exc:
            raise not_built(f"{self.path} cannot be run: {exc.strerror}") from exc
        log.info("started protobuf transcoder %s (pid %d)", self.path, proc.pid)
        return _Helper(proc)

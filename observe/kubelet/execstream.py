"""The kubelet's end of ``kubectl exec``: one websocket session of the ``channel.k8s.io``
protocol (:mod:`observe.common.remotecommand`) around one command in a container.

:func:`serve` is reached from the node API (:mod:`observe.kubelet.server`, which has
already found the pod and its running container). It upgrades the connection, announces
it with an empty frame on the lowest output channel (as upstream does), starts the command
through the runtime, then relays: stdin, resize and the v5 close signal from the client;
stdout and stderr (or the terminal) to it. When the command has exited and its output has
ended (or :data:`DRAIN_SECONDS` after the exit, when something it left behind holds the
output open) the outcome goes on the error channel and the websocket closes. A client that
goes away takes the command with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from aiohttp import WSMsgType, web

from observe.common import remotecommand as rc
from observe.kubelet.runtime.containerexec import ExecProcess, ExecStartError
from observe.kubelet.runtime.types import Runtime

log = logging.getLogger(__name__)

DRAIN_SECONDS = 2.0
MAX_FRAME = 1 << 20


async def serve(request: web.Request, runtime: Runtime, container_id: str,
                options: rc.ExecOptions) -> web.StreamResponse:
    try:
        protocol = rc.negotiate(rc.offered(request.headers.getall(rc.PROTOCOL_HEADER, ())))
    except rc.ProtocolError as e:
        return web.Response(status=400, text=str(e))
    ws = web.WebSocketResponse(protocols=(protocol,), max_msg_size=MAX_FRAME)
    if not ws.can_prepare(request).ok:
        return web.Response(status=400, text="Upgrade request required")
    await ws.prepare(request)
    first = rc.STDOUT if options.stdout else rc.STDERR if options.stderr else rc.ERROR
    with contextlib.suppress(ConnectionError):
        await ws.send_bytes(rc.frame(first))
    try:
        process = await runtime.exec_stream(container_id, options.command, stdin=options.stdin,
                                            stdout=options.stdout, stderr=options.stderr,
                                            tty=options.tty)
    except (ExecStartError, RuntimeError, OSError) as e:
        message = (f"error executing command in container: failed to exec in container: "
                   f'failed to start exec "{secrets.token_hex(32)}": {e}')
        await _finish(ws, protocol, rc.internal_error_status(message))
        return ws
    try:
        status = await _run(ws, protocol, process, options)
    finally:
        process.kill()
        process.close()
    if status is not None:
        await _finish(ws, protocol, status)
    return ws


async def _run(ws: web.WebSocketResponse, protocol: str, process: ExecProcess,
               options: rc.ExecOptions) -> dict | None:
    """Relay until the command is done: its outcome, or None when the client left first."""
    relay_output = asyncio.ensure_future(_output_to_client(ws, process))
    client = asyncio.ensure_future(_client_to_process(ws, protocol, process))
    exited = asyncio.ensure_future(process.wait())
    try:
        await asyncio.wait({exited, client}, return_when=asyncio.FIRST_COMPLETED)
        if not exited.done():
            return None  # the client went away; the caller kills the command
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(relay_output), DRAIN_SECONDS)
        code = exited.result()
    finally:
        for task in (relay_output, client, exited):
            task.cancel()
        await asyncio.gather(relay_output, client, exited, return_exceptions=True)
    return rc.success_status() if code == 0 else rc.exit_status(options.command, code)


async def _output_to_client(ws: web.WebSocketResponse, process: ExecProcess) -> None:
    with contextlib.suppress(ConnectionError):
        async for stream, data in process.output():
            await ws.send_bytes(rc.frame(stream, data))


async def _client_to_process(ws: web.WebSocketResponse, protocol: str,
                             process: ExecProcess) -> None:
    resize = rc.ResizeDecoder()
    async for message in ws:
        if message.type == WSMsgType.BINARY:
            data = message.data
        elif message.type == WSMsgType.TEXT:  # some clients send text frames
            data = message.data.encode()
        else:
            break
        if not data:
            continue
        channel, payload = rc.split_frame(data)
        if channel == rc.STDIN:
            await process.write(payload)
        elif channel == rc.RESIZE and rc.supports_resize(protocol):
            try:
                for width, height in resize.feed(payload):
                    process.resize(width, height)
            except rc.ProtocolError as e:
                log.warning("exec: %s", e)
        elif channel == rc.CLOSE_SIGNAL and rc.supports_close(protocol) and \
                payload[:1] == bytes((rc.STDIN,)):
            process.close_stdin()


async def _finish(ws: web.WebSocketResponse, protocol: str, status: dict) -> None:
    message = rc.error_frame(protocol, status)
    with contextlib.suppress(ConnectionError):
        if message is not None:
            await ws.send_bytes(message)
        await ws.close()

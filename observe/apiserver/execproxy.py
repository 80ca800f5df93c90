"""``pods/exec``: a websocket from the client relayed, frame by frame, to the kubelet of the
pod's node (found as for ``pods/log``, :func:`~observe.apiserver.logproxy.pod_kubelet_url`).

The order of checks is kube-apiserver's: the query as ``PodExecOptions``, the container
(named, or the only one), the node; then a request that is not a websocket upgrade is
refused (``Upgrade request required``; SPDY, all that clients before kubectl 1.30 speak, is
not served and is told so). These answers are plain HTTP Statuses, before any
upgrade: kubectl 1.32 then retries over SPDY, gets the same Status and prints it.

Past them the client's upgrade is accepted whatever the kubelet answers, as kube-apiserver's
stream translator does: when the kubelet refuses (no such running container, say) the
refusal is reported in the protocol, on the error channel, as an internal error
("unable to upgrade connection: ..."), and kubectl prints it. The subprotocol is the one
the kubelet chose among those the client offered (``v5.channel.k8s.io`` first for kubectl
1.32, ``v4.channel.k8s.io`` for the Python client).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from observe.api import errors
from observe.api.registry import Registry
from observe.apiserver.logproxy import pick_container, pod_kubelet_url
from observe.apiserver.objects import Objects
from observe.common import remotecommand as rc

MAX_FRAME = 1 << 20


class ExecProxy:
    def __init__(self, objects: Objects, registry: Registry) -> None:
        self._objects = objects
        self._nodes = registry.get("", "nodes")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=5))
        return self._session

    async def __call__(self, request: web.Request, pod: dict[str, Any]) -> web.StreamResponse:
        meta = pod["metadata"]
        try:
            options = rc.ExecOptions.from_pod_exec_options(request.query)
        except rc.ProtocolError as e:
            raise errors.bad_request(str(e)) from e
        container = pick_container(pod, request.query.get("container"))
        assert self._nodes is not None
        url = (f"{pod_kubelet_url(self._objects, self._nodes, pod)}/exec/"
               f"{meta['namespace']}/{meta['name']}/{container}")
        ready = web.WebSocketResponse(protocols=rc.SUPPORTED).can_prepare(request)
        if not ready.ok:
            raise errors.bad_request(not_upgraded(request.headers.get("Upgrade", "")))
        offered = rc.offered(request.headers.getall(rc.PROTOCOL_HEADER, ()))
        try:
            protocol = rc.negotiate(offered)
        except rc.ProtocolError as e:
            raise errors.bad_request(str(e)) from e
        upstream, failure = await self._connect(url, options.kubelet_query(), offered)
        if upstream is not None:
            protocol = upstream.protocol or protocol
        client = web.WebSocketResponse(protocols=(protocol,), max_msg_size=MAX_FRAME)
        await client.prepare(request)
        if upstream is None:
            frame = rc.error_frame(protocol, rc.internal_error_status(failure))
            with contextlib.suppress(ConnectionError):
                if frame is not None:
                    await client.send_bytes(frame)
                await client.close()
            return client
        try:
            await _relay(client, upstream)
        finally:
            await upstream.close()
            with contextlib.suppress(ConnectionError):
                await client.close()
        return client

    async def _connect(self, url: str, params: list[tuple[str, str]], offered: list[str]
                       ) -> tuple[aiohttp.ClientWebSocketResponse | None, str]:
        """The websocket to the kubelet, or why there is none (upstream's wording)."""
        try:
            upstream = await self._client().ws_connect(
                url, params=params, protocols=offered, max_msg_size=MAX_FRAME)
            return upstream, ""
        except aiohttp.WSServerHandshakeError as e:
            return None, f"unable to upgrade connection: {await self._refusal(url, params, e)}"
        except (aiohttp.ClientError, OSError) as e:
            return None, f"error dialing backend: {e}"

    async def _refusal(self, url: str, params: list[tuple[str, str]],
                       error: aiohttp.WSServerHandshakeError) -> str:
        """What the kubelet said when it refused the upgrade: the handshake error keeps no
        body, so ask again without upgrading (it checks the same things first)."""
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            async with self._client().get(url, params=params) as answer:
                if answer.status == error.status:  # the same refusal, with its reason
                    text = (await answer.text(errors="replace")).strip()
                    if text:
                        return text
        return f"{error.status} {error.message}"


def not_upgraded(upgrade: str) -> str:
    """Why a request that is not a websocket upgrade gets no stream."""
    if not upgrade:
        return "Upgrade request required"
    # Clients before kubectl 1.30 speak only SPDY, which is not served here.
    return (f'unable to upgrade connection: the "{upgrade}" protocol is not supported, '
            "only websockets (kubectl 1.30 or newer)")


async def _relay(client: web.WebSocketResponse,
                 upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Frames both ways until either side closes."""
    tasks = [asyncio.ensure_future(_pump(client, upstream)),
             asyncio.ensure_future(_pump(upstream, client))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _pump(source: Any, sink: Any) -> None:
    with contextlib.suppress(ConnectionError):
        async for message in source:
            if message.type == WSMsgType.BINARY:
                await sink.send_bytes(message.data)
            elif message.type == WSMsgType.TEXT:
                await sink.send_str(message.data)
            else:
                break

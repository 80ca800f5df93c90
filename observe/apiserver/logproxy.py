"""``pods/log``: stream a container's log from the kubelet of the pod's node.

The node is reached the way kube-apiserver reaches kubelets: the first usable address in the
Node's ``status.addresses`` and the port in ``status.daemonEndpoints.kubeletEndpoint``; the
kubelet serves ``/containerLogs/<namespace>/<pod>/<container>`` with the same query
parameters (follow, previous, tailLines, sinceSeconds, sinceTime, timestamps, limitBytes).
"""

from __future__ import annotations

import contextlib
from typing import Any

import aiohttp
from aiohttp import web

from observe.api import errors
from observe.api.registry import Registry, ResourceType
from observe.apiserver.objects import Objects

LOG_PARAMS = ("follow", "previous", "tailLines", "sinceSeconds", "sinceTime", "timestamps",
              "limitBytes")
ADDRESS_ORDER = ("InternalIP", "ExternalIP", "Hostname")


def pick_container(pod: dict[str, Any], requested: str | None) -> str:
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    containers = [c.get("name") for c in spec.get("containers") or []]
    init = [c.get("name") for c in spec.get("initContainers") or []]
    if requested:
        if requested not in containers and requested not in init:
            raise errors.bad_request(
                f"container {requested} is not valid for pod {name}")
        return requested
    default = (pod["metadata"].get("annotations") or {}).get(
        "kubectl.kubernetes.io/default-container")
    if default in containers:
        return default
    if len(containers) == 1:
        return containers[0]
    raise errors.bad_request(
        f"a container name must be specified for pod {name}, choose one of: "
        f"[{' '.join(containers)}]" + (f" or one of the init containers: [{' '.join(init)}]"
                                       if init else ""))


def kubelet_url(node: dict[str, Any]) -> str:
    status = node.get("status") or {}
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    address = next((addresses[t] for t in ADDRESS_ORDER if addresses.get(t)), None)
    port = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
    if not address or not port:
        raise errors.StatusError(
            503, "ServiceUnavailable",
            f"the kubelet of node {node['metadata']['name']} has no reachable address")
    return f"http://{address}:{port}"


def pod_kubelet_url(objects: Objects, nodes: ResourceType, pod: dict[str, Any]) -> str:
    """The kubelet of the node ``pod`` is bound to (also how ``pods/exec`` reaches it)."""
    node_name = (pod.get("spec") or {}).get("nodeName")
    if not node_name:
        raise errors.bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    return kubelet_url(objects.get(nodes, None, node_name))


class LogProxy:
    def __init__(self, objects: Objects, registry: Registry) -> None:
        self._objects = objects
        self._nodes = registry.get("", "nodes")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def __call__(self, request: web.Request, pod: dict[str, Any]) -> web.StreamResponse:
        meta = pod["metadata"]
        container = pick_container(pod, request.query.get("container"))
        assert self._nodes is not None
        url = (f"{pod_kubelet_url(self._objects, self._nodes, pod)}/containerLogs/"
               f"{meta['namespace']}/{meta['name']}/{container}")
        params = {k: v for k, v in request.query.items() if k in LOG_PARAMS}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=5))
        try:
            upstream = await self._session.get(url, params=params)
        except aiohttp.ClientError as exc:
            raise errors.StatusError(
                502, "ServiceUnavailable",
                f"Get \"{url}\": could not reach the kubelet: {exc}") from exc
        async with upstream:
            if upstream.status != 200:
                body = await upstream.read()
                with contextlib.suppress(ValueError):
                    status = await upstream.json(content_type=None)
                    if isinstance(status, dict) and status.get("kind") == "Status":
                        raise errors.StatusError(
                            upstream.status, status.get("reason", "BadRequest"),
                            status.get("message", ""))
                raise errors.StatusError(upstream.status, "BadRequest",
                                         body.decode(errors="replace"))
            response = web.StreamResponse(headers={"Content-Type": "text/plain"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            with contextlib.suppress(ConnectionResetError, aiohttp.ClientError):
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
            with contextlib.suppress(ConnectionResetError):
                await response.write_eof()
            return response

"""The node API the kubelet serves on ``--address:--port`` next to ``/healthz``, ``/readyz``
and ``/metrics`` (one aiohttp app, :func:`observe.common.server.health_app`):

- ``GET /pods``: a PodList of the pods bound to this node;
- ``GET /stats/summary``: the Summary API (:mod:`observe.kubelet.stats`);
- ``GET /metrics/cadvisor``: container usage in cAdvisor's format
  (:mod:`observe.kubelet.cadvisorsource`);
- ``GET /containerLogs/<namespace>/<pod>/<container>``: the container's log as plain text,
  with ``follow``, ``previous``, ``tailLines``, ``sinceSeconds``, ``sinceTime``,
  ``timestamps`` and ``limitBytes``; what the apiserver's ``pods/log`` proxies to;
- ``GET|POST /exec/<namespace>/<pod>/<container>?command=..&input=1&output=1&error=1&tty=1``:
  a websocket running the command in the container (:mod:`observe.kubelet.execstream`);
  what ``pods/exec`` proxies to. A pod or running container it cannot find is answered in
  plain text with upstream's words, before any upgrade.

Which container instance a log request means follows upstream's ``validateContainerLogStatus``
on the pod's published status: the running or last terminated one, or with ``previous`` the
last terminated one; a container that never ran answers 400 with upstream's message.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiohttp import web

from observe.common import remotecommand
from observe.kubelet import execstream
from observe.kubelet.cadvisorsource import CadvisorSource
from observe.kubelet.logs import LogOptions, follow_log, parse_timestamp, read_log
from observe.kubelet.promtext import CONTENT_TYPE
from observe.kubelet.runtime.types import ContainerStatus, Runtime
from observe.kubelet.stats import StatsProvider
from observe.kubelet.status import CONTAINER_ID_PREFIX, instances_by_name

Object = dict[str, Any]


class LogRequestError(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def status_response(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    return web.Response(status=code, body=orjson.dumps(body), content_type="application/json")


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _int(query: Any, key: str) -> int | None:
    value = query.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as e:
        raise LogRequestError(400, "BadRequest", f"invalid {key}: {value!r}") from e


def log_options(query: Any, now: float) -> LogOptions:
    since_ns = None
    if (seconds := _int(query, "sinceSeconds")) is not None:
        since_ns = int((now - seconds) * 1e9)
    elif query.get("sinceTime"):
        since_ns = parse_timestamp(query["sinceTime"])
        if since_ns is None:
            raise LogRequestError(400, "BadRequest", f"invalid sinceTime: {query['sinceTime']}")
    return LogOptions(tail_lines=_int(query, "tailLines"), since_ns=since_ns,
                      timestamps=_bool(query.get("timestamps")),
                      limit_bytes=_int(query, "limitBytes"), follow=_bool(query.get("follow")))


def pick_instance(pod: Object, name: str, instances: Sequence[ContainerStatus],
                  previous: bool) -> ContainerStatus:
    """The container instance a log request reads, by the pod's published status (or, before
    the first status, the newest instance)."""
    pod_name = pod["metadata"]["name"]
    by_id = {CONTAINER_ID_PREFIX + c.id: c for c in instances}
    status_list = [*((pod.get("status") or {}).get("initContainerStatuses") or []),
                   *((pod.get("status") or {}).get("containerStatuses") or [])]
    status = next((s for s in status_list if s.get("name") == name), None)
    history = instances_by_name(instances).get(name, [])
    if status is None:
        if history and not previous:
            return history[-1]
        if previous and len(history) > 1:
            return history[-2]
        raise LogRequestError(400, "BadRequest",
                              f'container "{name}" in pod "{pod_name}" is not available')
    state, last = status.get("state") or {}, status.get("lastState") or {}
    last_id = (last.get("terminated") or {}).get("containerID")
    if previous:
        if last_id in by_id:
            return by_id[last_id]
        raise LogRequestError(400, "BadRequest", f'previous terminated container "{name}" in '
                                                 f'pod "{pod_name}" not found')
    current = status.get("containerID") or (state.get("terminated") or {}).get("containerID")
    if ("running" in state or "terminated" in state) and current in by_id:
        return by_id[current]
    if last_id in by_id:
        return by_id[last_id]
    if history:
        return history[-1]
    reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
    detail = {"ErrImagePull": "image can't be pulled",
              "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
    raise LogRequestError(400, "BadRequest",
                          f'container "{name}" in pod "{pod_name}" is waiting to start: {detail}')


class NodeHandlers:
    def __init__(self, pods: Callable[[], Sequence[Object]], runtime: Runtime,
                 stats: StatsProvider | None, cadvisor: CadvisorSource | None = None) -> None:
        self._pods = pods
        self._runtime = runtime
        self._stats = stats
        self._cadvisor = cadvisor

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/pods", self.pods), web.get("/stats/summary", self.summary),
                web.get("/containerLogs/{namespace}/{pod}/{container}", self.container_logs),
                web.get("/exec/{namespace}/{pod}/{container}", self.exec),
                web.post("/exec/{namespace}/{pod}/{container}", self.exec),
                web.get("/metrics/cadvisor", self.cadvisor)]

    async def pods(self, request: web.Request) -> web.Response:
        body = {"kind": "PodList", "apiVersion": "v1", "metadata": {},
                "items": list(self._pods())}
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    async def summary(self, request: web.Request) -> web.Response:
        if self._stats is None:
            return status_response(404, "NotFound", "stats are not available on this node")
        # Read on the loop: the runtime's bookkeeping is not shared with other threads.
        summary = self._stats.summary()
        return web.Response(body=orjson.dumps(summary), content_type="application/json")

    async def cadvisor(self, request: web.Request) -> web.Response:
        if self._cadvisor is None:
            return status_response(404, "NotFound", "cAdvisor metrics are not available")
        return web.Response(body=await self._cadvisor.scrape(),
                            headers={"Content-Type": CONTENT_TYPE})

    def _find_pod(self, namespace: str, name: str) -> Object | None:
        return next((p for p in self._pods() if p["metadata"].get("namespace") == namespace
                     and p["metadata"].get("name") == name), None)

    async def exec(self, request: web.Request) -> web.StreamResponse:
        try:
            options = remotecommand.ExecOptions.from_kubelet_query(request.query)
        except remotecommand.ProtocolError as e:
            return web.Response(status=400, text=str(e))
        pod = self._find_pod(request.match_info["namespace"], request.match_info["pod"])
        if pod is None:
            return web.Response(status=404, text="pod does not exist")
        name, uid = request.match_info["container"], pod["metadata"].get("uid")
        # Like upstream's findContainer, which looks only at running containers.
        instance = next((c for c in self._runtime.containers()
                         if c.pod_uid == uid and c.name == name and c.running), None)
        if instance is None:
            return web.Response(status=500, text=f'container not found ("{name}")')
        return await execstream.serve(request, self._runtime, instance.id, options)

    async def container_logs(self, request: web.Request) -> web.StreamResponse:
        namespace = request.match_info["namespace"]
        pod_name = request.match_info["pod"]
        name = request.match_info["container"]
        try:
            options = log_options(request.query, time.time())
            pod = self._find_pod(namespace, pod_name)
            if pod is None:
                raise LogRequestError(404, "NotFound", f'pod "{pod_name}" not found')
            uid = pod["metadata"].get("uid")
            instances = [c for c in self._runtime.containers() if c.pod_uid == uid]
            instance = pick_instance(pod, name, instances, _bool(request.query.get("previous")))
        except LogRequestError as e:
            return status_response(e.code, e.reason, e.message)
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionResetError, FileNotFoundError):
            if options.follow and instance.running:
                container_id = instance.id

                def running() -> bool:
                    return any(c.id == container_id and c.running
                               for c in self._runtime.containers())

                async for chunk in follow_log(instance.log_path, options, running,
                                                 asyncio.sleep):
                    await response.write(chunk)
            else:
                for chunk in read_log(instance.log_path, options):
                    await response.write(chunk)
            await response.write_eof()
        return response

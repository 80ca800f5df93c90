"""Liveness, readiness and startup probes (exec, httpGet, tcpSocket), as the kubelet's prober.

One worker task per probe of a running container. Each period it runs the probe (unless
``initialDelaySeconds`` has not passed since the container started, or a startup probe has
not yet succeeded) and feeds the outcome to a :class:`ProbeCounter`, which only flips the
published result after ``successThreshold`` / ``failureThreshold`` outcomes in a row. Every
failed probe records an ``Unhealthy`` event (``Liveness probe failed: <output>``). A changed
result wakes the pod's worker, which reads :meth:`ProbeManager.readiness` etc. when it
computes the status or its actions; a failed liveness or startup probe puts the worker on
hold until the container is replaced.

Initial results follow upstream: not ready, live, not started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from observe import KUBERNETES_VERSION
from observe.kubelet.runtime.types import ContainerStatus, Runtime

log = logging.getLogger(__name__)

Object = dict[str, Any]
LIVENESS, READINESS, STARTUP = "Liveness", "Readiness", "Startup"
SPEC_KEYS = {LIVENESS: "livenessProbe", READINESS: "readinessProbe", STARTUP: "startupProbe"}
USER_AGENT = "kube-probe/" + ".".join(KUBERNETES_VERSION.lstrip("v").split(".")[:2])
MAX_OUTPUT = 10 * 1024


@dataclass
class ProbeCounter:
    """Consecutive outcomes and the result they add up to (upstream's worker fields)."""

    success_threshold: int
    failure_threshold: int
    result: bool | None
    last: bool | None = None
    run: int = 0

    def observe(self, outcome: bool) -> bool:
        """Count one outcome; True when the published result changed."""
        if outcome == self.last:
            self.run += 1
        else:
            self.last, self.run = outcome, 1
        threshold = self.success_threshold if outcome else self.failure_threshold
        if self.run < max(threshold, 1) or self.result == outcome:
            return False
        self.result = outcome
        return True


@dataclass(frozen=True)
class Outcome:
    success: bool
    output: str = ""


def probe_port(port: Any, container: Object) -> int | None:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        if port.isdigit():
            return int(port)
        for declared in container.get("ports") or []:
            if declared.get("name") == port:
                return declared.get("containerPort")
    return None


async def run_probe(probe: Object, *, runtime: Runtime, container: Object,
                    container_id: str, pod_ip: str, session: aiohttp.ClientSession
                    ) -> Outcome:
    timeout = float(probe.get("timeoutSeconds") or 1)
    if (action := probe.get("exec")) is not None:
        command = [str(a) for a in action.get("command") or []]
        try:
            code, output = await runtime.exec(container_id, command, timeout)
        except TimeoutError:
            return Outcome(False, f'command "{" ".join(command)}" timed out')
        except (OSError, RuntimeError) as e:
            return Outcome(False, str(e))
        return Outcome(code == 0, output[:MAX_OUTPUT].decode("utf-8", "replace"))
    if (action := probe.get("httpGet")) is not None:
        return await _http_probe(action, container, pod_ip, timeout, session)
    if (action := probe.get("tcpSocket")) is not None:
        return await _tcp_probe(action, container, pod_ip, timeout)
    if probe.get("grpc") is not None:
        return Outcome(False, "gRPC probes are not supported by this kubelet")
    return Outcome(False, "missing probe handler")


async def _http_probe(action: Object, container: Object, pod_ip: str, timeout: float,
                      session: aiohttp.ClientSession) -> Outcome:
    host = action.get("host") or pod_ip
    port = probe_port(action.get("port"), container)
    scheme = (action.get("scheme") or "HTTP").lower()
    path = action.get("path") or "/"
    if not path.startswith("/"):
        path = "/" + path
    url = f"{scheme}://{host}:{port}{path}"
    if port is None:
        return Outcome(False, f"unknown port {action.get('port')!r}")
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    for header in action.get("httpHeaders") or []:
        headers[header.get("name", "")] = header.get("value", "")
    try:
        async with session.get(url, headers=headers, ssl=False,
                               timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.content.read(MAX_OUTPUT)
            if 200 <= response.status < 400:
                return Outcome(True, body.decode("utf-8", "replace"))
            return Outcome(False, f"HTTP probe failed with statuscode: {response.status}")
    except TimeoutError:
        return Outcome(False, f'Get "{url}": context deadline exceeded (Client.Timeout '
                              f"exceeded while awaiting headers)")
    except aiohttp.ClientConnectorError as e:
        return Outcome(False, f'Get "{url}": dial tcp {host}:{port}: connect: '
                              f"{_reason(e.os_error)}")
    except aiohttp.ClientError as e:
        return Outcome(False, f'Get "{url}": {e}')


async def _tcp_probe(action: Object, container: Object, pod_ip: str, timeout: float
                     ) -> Outcome:
    host = action.get("host") or pod_ip
    port = probe_port(action.get("port"), container)
    if port is None:
        return Outcome(False, f"unknown port {action.get('port')!r}")
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except TimeoutError:
        return Outcome(False, f"dial tcp {host}:{port}: i/o timeout")
    except OSError as e:
        return Outcome(False, f"dial tcp {host}:{port}: connect: {_reason(e)}")
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return Outcome(True)


def _reason(error: OSError | None) -> str:
    """Go's lower-case wording of a connect error (``connection refused``)."""
    if error is not None and error.errno:
        text = os.strerror(error.errno)
    else:
        text = (error.strerror if error is not None else None) or "connection refused"
    return text[0].lower() + text[1:]


@dataclass
class _Worker:
    kind: str
    task: asyncio.Task[None]


class ProbeManager:
    """Runs the probes of running containers and keeps their current results."""

    def __init__(self, runtime: Runtime, record_event: Callable[..., None],
                 on_change: Callable[[str], None], now: Callable[[], float]) -> None:
        self._runtime = runtime
        self._record_event = record_event
        self._on_change = on_change
        self._now = now
        self._workers: dict[str, list[_Worker]] = {}  # container id -> workers
        self._results: dict[tuple[str, str], bool | None] = {}
        self._session: aiohttp.ClientSession | None = None

    def readiness(self) -> dict[str, bool]:
        return {cid: bool(r) for (cid, kind), r in self._results.items() if kind == READINESS}

    def started(self) -> dict[str, bool]:
        return {cid: bool(r) for (cid, kind), r in self._results.items() if kind == STARTUP}

    def failed(self, kind: str) -> set[str]:
        return {cid for (cid, k), r in self._results.items() if k == kind and r is False}

    def watching(self, container_id: str) -> bool:
        return container_id in self._workers

    def add(self, pod: Object, container: Object, status: ContainerStatus, pod_ip: str
            ) -> None:
        """Start probing a container that just started (or was re-adopted running)."""
        if status.id in self._workers or not status.running:
            return
        workers = []
        for kind, key in SPEC_KEYS.items():
            probe = container.get(key)
            if not probe:
                continue
            self._results[(status.id, kind)] = {LIVENESS: True, READINESS: False,
                                                STARTUP: None}[kind]
            task = asyncio.get_running_loop().create_task(
                self._work(kind, probe, pod, container, status, pod_ip),
                name=f"probe {kind} {status.name} {status.id[:12]}")
            workers.append(_Worker(kind, task))
        self._workers[status.id] = workers

    def remove(self, container_id: str) -> None:
        for worker in self._workers.pop(container_id, []):
            worker.task.cancel()
        for key in [k for k in self._results if k[0] == container_id]:
            del self._results[key]

    async def close(self) -> None:
        for container_id in list(self._workers):
            self.remove(container_id)
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True))
        return self._session

    async def _work(self, kind: str, probe: Object, pod: Object, container: Object,
                    status: ContainerStatus, pod_ip: str) -> None:
        counter = ProbeCounter(int(probe.get("successThreshold") or 1),
                               int(probe.get("failureThreshold") or 3),
                               self._results[(status.id, kind)])
        period = float(probe.get("periodSeconds") or 10)
        delay = float(probe.get("initialDelaySeconds") or 0)
        uid = pod["metadata"]["uid"]
        field_path = f"spec.containers{{{container.get('name')}}}"
        try:
            while True:
                await self._probe_once(kind, probe, pod, container, status, pod_ip, counter,
                                       delay, uid, field_path)
                if kind == STARTUP and counter.result:
                    return
                if kind in (LIVENESS, STARTUP) and counter.result is False:
                    return  # on hold: the container is about to be replaced
                await asyncio.sleep(period)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s probe of %s failed unexpectedly", kind, status.name)

    async def _probe_once(self, kind: str, probe: Object, pod: Object, container: Object,
                          status: ContainerStatus, pod_ip: str, counter: ProbeCounter,
                          delay: float, uid: str, field_path: str) -> None:
        if kind != STARTUP and container.get("startupProbe") and \
                not self._results.get((status.id, STARTUP)):
            return
        if status.started_at is not None and self._now() - status.started_at < delay:
            return
        outcome = await run_probe(probe, runtime=self._runtime, container=container,
                                  container_id=status.id, pod_ip=pod_ip, session=self._http())
        if not outcome.success:
            self._record_event(pod, "Warning", "Unhealthy",
                               f"{kind} probe failed: {outcome.output}", field_path)
        if counter.observe(outcome.success) and status.id in self._workers:
            self._results[(status.id, kind)] = counter.result
            self._on_change(uid)

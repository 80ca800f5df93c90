"""Container lifecycle hooks (``postStart``, ``preStop``): exec in the container, an HTTP GET
to the pod, or a sleep, as upstream's handler runner. :meth:`HookRunner.run` returns the
error text (for the ``FailedPostStartHook`` / ``FailedPreStopHook`` events) or None."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from observe.kubelet.probes import probe_port
from observe.kubelet.runtime.types import ContainerStatus, Runtime

Object = dict[str, Any]
# An exec hook has no timeout of its own: the caller bounds it (preStop by the grace period).
EXEC_LIMIT = 3600.0


class HookRunner:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def run(self, pod: Object, spec: Object, container: ContainerStatus, hook: Object,
                  pod_ip: str) -> str | None:
        if (action := hook.get("exec")) is not None:
            command = [str(a) for a in action.get("command") or []]
            try:
                code, output = await self._runtime.exec(container.id, command, EXEC_LIMIT)
            except (OSError, RuntimeError) as e:
                return str(e)
            if code != 0:
                return (f"command '{' '.join(command)}' exited with {code}: "
                        f"{output.decode('utf-8', 'replace')}")
            return None
        if (action := hook.get("httpGet")) is not None:
            port = probe_port(action.get("port"), spec)
            host = action.get("host") or pod_ip
            url = (f"{(action.get('scheme') or 'HTTP').lower()}://{host}:{port}"
                   f"{action.get('path') or '/'}")
            if self._http is None:
                self._http = aiohttp.ClientSession()
            try:
                async with self._http.get(url, ssl=False) as response:
                    if response.status >= 400:
                        meta = pod["metadata"]
                        return (f'HTTP lifecycle hook ({url}) for Container "{spec.get("name")}"'
                                f' in Pod "{meta.get("name")}_{meta.get("namespace")}'
                                f'({meta.get("uid")})" failed - error: received status code '
                                f"{response.status}")
            except aiohttp.ClientError as e:
                return str(e)
            return None
        if (action := hook.get("sleep")) is not None:
            await asyncio.sleep(float(action.get("seconds") or 0))
            return None
        return "unsupported lifecycle hook"

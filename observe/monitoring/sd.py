"""``observe prometheus-sd``'s HTTP API: the scrape targets of each job, for Prometheus'
``http_sd_configs``.

Debian's Prometheus has no Kubernetes discovery, so this small service stands in for it.
Prometheus polls ``GET /targets/<job>`` every ``refresh_interval`` and gets the job's target
groups (:mod:`.targets`), computed afresh from the live Node list and the supervisor's
``state.json`` on every request: a Node that registers or goes away is a target, or no
longer one, at the next poll. ``GET /targets`` shows every job at once, for people.

When the apiserver cannot be asked, the answer is 503: Prometheus then keeps the targets of
its last successful poll rather than dropping every kubelet.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge

from observe.api.registry import default_registry
from observe.client.errors import ClientError
from observe.client.rest import ApiClient
from observe.monitoring import jobs
from observe.monitoring.targets import TargetGroup, discover
from observe.supervisor.state import read_state

log = logging.getLogger(__name__)
NODES = default_registry().get("", "nodes")


class Cluster(Protocol):
    """What discovery reads; :class:`LiveCluster` is the real one."""

    apiserver_url: str | None

    async def nodes(self) -> list[dict[str, Any]]:
        """Every Node; raises :class:`~observe.client.errors.ClientError` when it cannot."""
        ...

    def components(self) -> Mapping[str, Mapping[str, Any]]:
        """The supervisor's components by name (``state.json``), empty if there is none."""
        ...


class LiveCluster:
    def __init__(self, api: ApiClient, state_file: Path | None) -> None:
        self._api = api
        self._state_file = state_file
        self.apiserver_url: str | None = api.config.server

    async def nodes(self) -> list[dict[str, Any]]:
        return list((await self._api.list_all(NODES)).get("items") or [])

    def components(self) -> Mapping[str, Mapping[str, Any]]:
        if self._state_file is None:
            return {}
        components = (read_state(self._state_file) or {}).get("components")
        return components if isinstance(components, dict) else {}


class DiscoveryMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter("observe_sd_requests", "Target discovery requests answered.",
                                ["job", "code"], registry=registry)
        self.targets = Gauge("observe_sd_targets", "Targets in the last answer, by job.",
                             ["job"], registry=registry)


async def job_targets(cluster: Cluster, job: str) -> list[TargetGroup]:
    # Only the kubelet job needs the API; the others answer even while it is down.
    nodes = await cluster.nodes() if job == jobs.KUBELET.name else []
    return discover(job, apiserver_url=cluster.apiserver_url,
                    components=cluster.components(), nodes=nodes)


def routes(cluster: Cluster, metrics: DiscoveryMetrics) -> list[web.RouteDef]:
    async def one_job(request: web.Request) -> web.Response:
        job = request.match_info["job"]
        if job not in jobs.BY_NAME:
            metrics.requests.labels(job="", code="404").inc()
            return web.json_response(
                {"error": f"unknown job {job!r}; known: {', '.join(jobs.BY_NAME)}"},
                status=404)
        try:
            groups = await job_targets(cluster, job)
        except ClientError as e:
            log.warning("cannot list the targets of %s: %s", job, e)
            metrics.requests.labels(job=job, code="503").inc()
            return web.json_response({"error": f"cannot read the cluster: {e}"}, status=503)
        metrics.requests.labels(job=job, code="200").inc()
        metrics.targets.labels(job=job).set(len(groups))
        return web.json_response(groups)

    async def every_job(request: web.Request) -> web.Response:
        answer: dict[str, Any] = {}
        for job in jobs.BY_NAME:
            try:
                answer[job] = await job_targets(cluster, job)
            except ClientError as e:
                answer[job] = {"error": f"cannot read the cluster: {e}"}
        return web.json_response(answer)

    return [web.get("/targets/{job}", one_job), web.get("/targets", every_job)]

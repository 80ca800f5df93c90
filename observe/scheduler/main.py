"""``observe scheduler``: the entry point that reads flags once, connects to the apiserver and
schedules pods until SIGTERM/SIGINT, serving ``/healthz``, ``/readyz`` and ``/metrics``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector

from observe.client.config import (
    ClientConfig,
    ConfigError,
    default_kubeconfig_path,
    load_kubeconfig,
)
from observe.client.rest import ApiClient
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app
from observe.scheduler import queue
from observe.scheduler.config import SchedulerConfig
from observe.scheduler.metrics import SchedulerMetrics
from observe.scheduler.scheduler import Scheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    client: ClientConfig
    scheduler: SchedulerConfig
    host: str
    port: int


def parse_args(argv: list[str], environ: dict[str, str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="observe scheduler",
                                     description="Assign pending pods to nodes.")
    parser.add_argument("--kubeconfig", help="kubeconfig of the apiserver "
                        "(default: $KUBECONFIG, then ~/.kube/config)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address for /healthz, /readyz and /metrics")
    parser.add_argument("--port", type=int, default=10259,
                        help="port for /healthz, /readyz and /metrics (0: any free port)")
    parser.add_argument("--scheduler-name", default=SchedulerConfig.scheduler_name,
                        help="schedule pods whose spec.schedulerName is this")
    parser.add_argument("--percentage-of-nodes-to-score", type=int, default=0,
                        help="stop filtering once this percent of nodes were found feasible "
                             "(0: adaptive, as kube-scheduler)")
    parser.add_argument("--pod-initial-backoff-seconds", type=float,
                        default=queue.INITIAL_BACKOFF,
                        help="back-off after a pod's first failed attempt")
    parser.add_argument("--pod-max-backoff-seconds", type=float, default=queue.MAX_BACKOFF,
                        help="ceiling of the per-pod back-off")
    args = parser.parse_args(argv)
    path = default_kubeconfig_path(environ if environ is not None else dict(os.environ),
                                   args.kubeconfig)
    return Options(
        client=load_kubeconfig(path),
        scheduler=SchedulerConfig(
            scheduler_name=args.scheduler_name,
            percentage_of_nodes_to_score=args.percentage_of_nodes_to_score,
            pod_initial_backoff_seconds=args.pod_initial_backoff_seconds,
            pod_max_backoff_seconds=args.pod_max_backoff_seconds),
        host=args.host, port=args.port)


async def serve(options: Options, stop: asyncio.Event) -> None:
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    async with ApiClient(options.client, registry=registry) as api:
        metrics = SchedulerMetrics(registry, options.scheduler.scheduler_name)
        scheduler = Scheduler(api, options.scheduler, metrics=metrics)
        server = ComponentServer(health_app(registry, scheduler.not_ready), options.host,
                                 options.port)
        await server.start()
        log.info("serving health and metrics on %s:%d", options.host, server.port)
        running = asyncio.create_task(scheduler.run(), name="scheduler")
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if running.done():
                running.result()  # a crash of the loop ends the process with its error
        finally:
            stopping.cancel()
            scheduler.stop()
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await scheduler.shutdown()
            await server.stop()


def main(argv: list[str]) -> int:
    configure_logging()
    try:
        options = parse_args(argv)
    except ConfigError as e:
        print(f"observe scheduler: {e}", file=sys.stderr)
        return 1

    async def run() -> None:
        stop = stop_event()
        await serve(options, stop)

    asyncio.run(run())
    return 0

"""``observe prometheus-sd``: serve Prometheus the scrape targets of a cluster.

    observe prometheus-sd --kubeconfig K [--data-dir DIR] [--host H] [--port P]

Reads the Node list through ``K`` and, with ``--data-dir``, the components the supervisor
runs from ``DIR/state.json`` (:mod:`observe.monitoring.sd`). Serves ``/targets/<job>``,
``/targets``, ``/healthz``, ``/readyz`` and ``/metrics``; exits on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from prometheus_client import CollectorRegistry

from observe.client.config import ConfigError, load_kubeconfig
from observe.client.rest import ApiClient
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app
from observe.monitoring.sd import DiscoveryMetrics, LiveCluster, routes
from observe.supervisor.layout import ClusterLayout

log = logging.getLogger("observe.monitoring.sd")
DEFAULT_PORT = 9797


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="observe prometheus-sd",
                                     description="Serve scrape targets for Prometheus' "
                                                 "http_sd_configs.")
    parser.add_argument("--kubeconfig", required=True, help="kubeconfig of the cluster")
    parser.add_argument("--data-dir", type=Path,
                        help="the cluster's data directory, whose state.json names the "
                             "components observe up runs")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    config = load_kubeconfig(args.kubeconfig)
    registry = CollectorRegistry()
    state_file = ClusterLayout.at(args.data_dir).state_file if args.data_dir else None
    async with ApiClient(config, registry=registry, timeout=10.0) as api:
        cluster = LiveCluster(api, state_file)
        app = health_app(registry, routes=routes(cluster, DiscoveryMetrics(registry)))
        server = ComponentServer(app, args.host, args.port)
        await server.start()
        log.info("serving scrape targets on http://%s:%d/targets", args.host, server.port)
        stop = stop_event()
        try:
            await stop.wait()
        finally:
            await server.stop()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_logging(args.log_level)
    try:
        asyncio.run(serve(args))
    except ConfigError as e:
        log.error("%s", e)
        return 2
    return 0

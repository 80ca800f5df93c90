"""``observe proxy``: read flags once, run the proxier, serve health and metrics.

    observe proxy --kubeconfig K --node-name N [--node-address 127.0.0.1] [--port 10256]
                  [--connection-drain-timeout SECONDS]

Serves ``/healthz``, ``/readyz`` (ready once Services and EndpointSlices are listed and the
first sync has opened the listeners) and ``/metrics`` (``kubeproxy_*``, ``proxy_*``,
``rest_client_*``) on ``--bind-address:--port``, and exits cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket

from prometheus_client import CollectorRegistry

from observe.client.config import ConfigError, default_kubeconfig_path, load_kubeconfig
from observe.client.informer import SharedInformerFactory
from observe.client.rest import ApiClient
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app
from observe.proxy.metrics import ProxyMetrics
from observe.proxy.proxier import Proxier

log = logging.getLogger("observe.proxy")
# kube-proxy's healthz port; observe serves metrics on it too.
DEFAULT_PORT = 10256


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="observe proxy",
                                     description="Forward Service ClusterIPs and NodePorts to "
                                                 "ready endpoints.")
    parser.add_argument("--kubeconfig", help="kubeconfig of the apiserver")
    parser.add_argument("--node-name", default=socket.gethostname(),
                        help="the node this proxy runs on (default: the hostname)")
    parser.add_argument("--node-address", default="127.0.0.1",
                        help="the node's address, where NodePorts listen (default: 127.0.0.1)")
    parser.add_argument("--bind-address", default="127.0.0.1",
                        help="address serving /healthz, /readyz and /metrics")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port serving /healthz, /readyz and /metrics (default: "
                             f"{DEFAULT_PORT}; 0: any free one)")
    parser.add_argument("--connection-drain-timeout", type=float, default=30.0,
                        help="seconds the connections of a removed Service port may take to "
                             "finish before they are cut (default: 30)")
    parser.add_argument("--log-level", default="INFO",
                        help="DEBUG, INFO, WARNING or ERROR (default: INFO)")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> int:
    config = load_kubeconfig(default_kubeconfig_path(os.environ, args.kubeconfig))
    registry = CollectorRegistry()
    stop = stop_event()
    async with ApiClient(config, registry=registry) as api:
        factory = SharedInformerFactory(api)
        proxier = Proxier(api, factory, node_name=args.node_name,
                          node_address=args.node_address,
                          metrics=ProxyMetrics.create(registry),
                          drain_timeout=args.connection_drain_timeout)
        server = ComponentServer(health_app(registry, proxier.not_ready_reason),
                                 args.bind_address, args.port)
        await server.start()
        log.info("proxy for node %s serving health and metrics on %s:%d", args.node_name,
                 args.bind_address, server.port)
        factory.start()
        proxier.start()
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            await proxier.stop()
            await factory.shutdown()
            await server.stop()
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_logging(args.log_level)
    try:
        return asyncio.run(serve(args))
    except ConfigError as e:
        log.error("cannot use the kubeconfig: %s", e)
        return 1

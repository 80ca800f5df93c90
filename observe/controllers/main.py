"""``observe controller-manager``: read flags once, run the controllers, serve health/metrics.

    observe controller-manager --kubeconfig K --port P \\
        [--controllers replicaset,deployment,...] [--node-monitor-grace-period 40s]

Serves ``/healthz``, ``/readyz`` (ready once every informer has listed) and ``/metrics``
(``workqueue_*`` per controller, ``rest_client_*``) and exits cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from prometheus_client import CollectorRegistry

from observe.client.config import ConfigError, default_kubeconfig_path, load_kubeconfig
from observe.client.rest import ApiClient
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app
from observe.controllers.manager import ControllerManager
from observe.controllers.options import ControllerOptions, parse_duration, select_controllers

log = logging.getLogger("observe.controllers")
# kube-controller-manager's secure port; observe serves plain HTTP on it.
DEFAULT_PORT = 10257


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _controllers(text: str) -> tuple[str, ...]:
    try:
        return select_controllers(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def parse_args(argv: list[str]) -> argparse.Namespace:
    defaults = ControllerOptions()
    parser = argparse.ArgumentParser(prog="observe controller-manager",
                                     description="Run the reconcile loops of the cluster.")
    parser.add_argument("--kubeconfig", help="kubeconfig of the apiserver to manage")
    parser.add_argument("--bind-address", default="127.0.0.1",
                        help="address serving /healthz, /readyz and /metrics")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port serving /healthz, /readyz and /metrics (0: any free one)")
    parser.add_argument("--controllers", type=_controllers, default=defaults.controllers,
                        help="controllers to run: names, '*' for all, '-name' to leave one "
                             "out (default: all)")
    for kind, default in (("replicaset", defaults.concurrent_replicaset_syncs),
                          ("deployment", defaults.concurrent_deployment_syncs),
                          ("gc", defaults.concurrent_gc_syncs),
                          ("namespace", defaults.concurrent_namespace_syncs)):
        parser.add_argument(f"--concurrent-{kind}-syncs", type=int, default=default,
                            help=f"workers of the {kind} controller (default: {default})")
    parser.add_argument("--node-monitor-period", type=_duration, default="5s",
                        help="how often node health is checked (default: 5s)")
    parser.add_argument("--node-monitor-grace-period", type=_duration, default="40s",
                        help="how long a node may go without a heartbeat before it is marked "
                             "Unknown and tainted unreachable (default: 40s)")
    parser.add_argument("--node-startup-grace-period", type=_duration, default="1m",
                        help="the same for a node that never reported Ready (default: 1m)")
    parser.add_argument("--terminated-pod-gc-threshold", type=int,
                        default=defaults.terminated_pod_gc_threshold,
                        help="finished pods kept before the oldest are deleted; 0 keeps all "
                             f"(default: {defaults.terminated_pod_gc_threshold})")
    parser.add_argument("--pod-gc-period", type=_duration, default="20s",
                        help="how often the pod garbage collector runs (default: 20s)")
    parser.add_argument("--log-level", default="INFO",
                        help="DEBUG, INFO, WARNING or ERROR (default: INFO)")
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> ControllerOptions:
    return ControllerOptions(
        controllers=tuple(args.controllers),
        concurrent_replicaset_syncs=args.concurrent_replicaset_syncs,
        concurrent_deployment_syncs=args.concurrent_deployment_syncs,
        concurrent_gc_syncs=args.concurrent_gc_syncs,
        concurrent_namespace_syncs=args.concurrent_namespace_syncs,
        node_monitor_period=args.node_monitor_period,
        node_monitor_grace_period=args.node_monitor_grace_period,
        node_startup_grace_period=args.node_startup_grace_period,
        terminated_pod_gc_threshold=args.terminated_pod_gc_threshold,
        pod_gc_period=args.pod_gc_period)


async def serve(args: argparse.Namespace, options: ControllerOptions) -> int:
    config = load_kubeconfig(default_kubeconfig_path(os.environ, args.kubeconfig))
    metrics = CollectorRegistry()
    stop = stop_event()
    async with ApiClient(config, registry=metrics) as api:
        manager = ControllerManager(api, options, metrics=metrics)
        server = ComponentServer(health_app(metrics, manager.not_ready_reason),
                                 args.bind_address, args.port)
        await server.start()
        log.info("controller-manager serving health and metrics on %s:%d", args.bind_address,
                 server.port)
        manager.start()
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            await manager.stop()
            await server.stop()
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_logging(args.log_level)
    try:
        options = options_from(args)
        return asyncio.run(serve(args, options))
    except ConfigError as e:
        log.error("cannot use the kubeconfig: %s", e)
        return 1

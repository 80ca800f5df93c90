"""``observe pod-exporter``: read flags once, run the state exporter, serve it.

    observe pod-exporter --kubeconfig K --port P [--bind-address 127.0.0.1] \\
        [--resources pods,nodes,...] [--metric-labels-allowlist 'pods=[app]'] \\
        [--metric-annotations-allowlist 'namespaces=[*]']

Serves kube-state-metrics' object metrics on ``/metrics``, its self-metrics on
``/telemetry``, and ``/healthz``, ``/livez``, ``/readyz`` (ready once every informer has
listed). Exits cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from prometheus_client import CollectorRegistry, ProcessCollector, disable_created_metrics

from exporters.state.allowlist import AllowListError, parse_allowlist
from exporters.state.exporter import StateExporter, StateOptions, sharding_metrics
from exporters.state.exporter import unknown_resources as find_unknown
from exporters.state.metrics import KINDS
from exporters.state.metrics.kind import MetricOptions
from exporters.state.server import exporter_app
from observe.client.config import ConfigError, default_kubeconfig_path, load_kubeconfig
from observe.client.rest import ApiClient
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer

log = logging.getLogger("exporters.state")
# kube-state-metrics' default metrics port.
DEFAULT_PORT = 8080


def _allowlist(text: str) -> dict[str, tuple[str, ...]]:
    try:
        return parse_allowlist(text)
    except AllowListError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _resources(text: str) -> tuple[str, ...]:
    chosen = tuple(r.strip() for r in text.split(",") if r.strip())
    unknown = find_unknown(chosen)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown resources {', '.join(unknown)}; known: "
            f"{', '.join(k.resource for k in KINDS)}")
    return chosen


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="observe pod-exporter",
        description="Export cluster object state as kube-state-metrics does.")
    parser.add_argument("--kubeconfig", help="kubeconfig of the apiserver to watch")
    parser.add_argument("--bind-address", default="127.0.0.1",
                        help="address serving /metrics, /telemetry and health")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port serving /metrics, /telemetry and health (0: any free one)")
    parser.add_argument("--resources", type=_resources,
                        default=tuple(k.resource for k in KINDS),
                        help="comma-separated resources to export (default: all)")
    parser.add_argument("--metric-labels-allowlist", type=_allowlist, default={},
                        help="Kubernetes labels to add to the kube_<resource>_labels metrics, "
                             "e.g. 'pods=[app,team],namespaces=[*]' (default: none)")
    parser.add_argument("--metric-annotations-allowlist", type=_allowlist, default={},
                        help="annotations to add to the kube_<resource>_annotations metrics "
                             "(default: none)")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> StateOptions:
    return StateOptions(
        resources=args.resources,
        metric_options=MetricOptions(args.metric_labels_allowlist,
                                     args.metric_annotations_allowlist))


async def serve(args: argparse.Namespace) -> int:
    config = load_kubeconfig(default_kubeconfig_path(os.environ, args.kubeconfig))
    telemetry = CollectorRegistry()
    ProcessCollector(registry=telemetry)
    sharding_metrics(telemetry)
    stop = stop_event()
    async with ApiClient(config, registry=telemetry) as api:
        exporter = StateExporter(api, options_from(args), telemetry)
        server = ComponentServer(exporter_app(exporter.exposition, telemetry,
                                              exporter.not_ready_reason),
                                 args.bind_address, args.port)
        await server.start()
        log.info("pod-exporter serving on %s:%d", args.bind_address, server.port)
        exporter.start()
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            await server.stop()
            await exporter.stop()
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # ksm's counters have no *_created companions; neither do ours.
    disable_created_metrics()
    configure_logging(args.log_level)
    try:
        return asyncio.run(serve(args))
    except ConfigError as e:
        log.error("cannot use the kubeconfig: %s", e)
        return 1

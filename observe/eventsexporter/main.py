"""``observe events-exporter``: read flags once, watch the cluster's Events, export them.

    observe events-exporter [--kubeconfig K] --es-url URL [--flavor opensearch|elasticsearch]
        [--index observe-events-%Y.%m.%d] [--retention-days 7] [--state-dir DIR] [--port P]

Applies the index templates before the first write, runs the retention job for every
observe index (one exporter per cluster, so it is the one place that deletes), and serves
``/healthz``, ``/readyz`` (ready once the Event list has synced) and ``/metrics``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from observe.api.registry import default_registry
from observe.client.config import ConfigError, default_kubeconfig_path, load_kubeconfig
from observe.client.informer import Informer
from observe.client.rest import ApiClient
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app
from observe.eventsexporter.documents import DEFAULT_INDEX
from observe.eventsexporter.exporter import EventsExporter
from observe.logstore.deadletter import FileDeadLetters, IndexDeadLetters
from observe.logstore.delivery import Backoff, Delivery
from observe.logstore.outputs.base import Output
from observe.logstore.templates import (
    DEFAULT_RETENTION_DAYS,
    StoreAdmin,
    TemplatedOutput,
    schedule_retention,
)

log = logging.getLogger("observe.eventsexporter")
DEFAULT_PORT = 10262
FLAVORS = ("opensearch", "elasticsearch")
PREFIX = "observe_events_exporter"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="observe events-exporter",
                                     description="Export cluster Events to the log store.")
    parser.add_argument("--kubeconfig", help="kubeconfig of the apiserver (default: "
                                             "$KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200",
                        help="Elasticsearch/OpenSearch URL(s), comma-separated")
    parser.add_argument("--flavor", choices=FLAVORS, default="opensearch")
    parser.add_argument("--username")
    parser.add_argument("--password", default=os.environ.get("OBSERVE_SHIPPER_PASSWORD"))
    parser.add_argument("--api-key", default=os.environ.get("OBSERVE_SHIPPER_API_KEY"))
    parser.add_argument("--insecure-skip-tls-verify", action="store_true")
    parser.add_argument("--index", default=DEFAULT_INDEX)
    parser.add_argument("--dead-letter-index", default="observe-deadletter")
    parser.add_argument("--retention-days", type=int, default=DEFAULT_RETENTION_DAYS,
                        help="delete observe's daily indices older than this (0: never)")
    parser.add_argument("--state-dir", type=Path, default=Path("events-exporter"),
                        help="where the dead-letter file goes")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="health and metrics port (0: any free one)")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def build_output(args: argparse.Namespace, urls: list[str]) -> Output:
    verify = not args.insecure_skip_tls_verify
    if args.flavor == "elasticsearch":
        from observe.logstore.outputs.elasticsearch import elasticsearch_output

        output = elasticsearch_output(urls, api_key=args.api_key, username=args.username,
                                      password=args.password, verify_certs=verify)
    else:
        from observe.logstore.outputs.opensearch import opensearch_output

        output = opensearch_output(urls, username=args.username, password=args.password,
                                   verify_certs=verify)
    return TemplatedOutput(output, admin_for(args, urls))


def admin_for(args: argparse.Namespace, urls: list[str]) -> StoreAdmin:
    return StoreAdmin(urls[0], username=args.username, password=args.password,
                      api_key=args.api_key, verify_certs=not args.insecure_skip_tls_verify)


class ExporterCollector(Collector):
    def __init__(self, exporter: EventsExporter) -> None:
        self.exporter = exporter

    def collect(self) -> Iterator[Metric]:
        exporter, stats = self.exporter, self.exporter.delivery.stats
        yield CounterMetricFamily(f"{PREFIX}_events_seen", "Event adds and updates seen.",
                                  value=exporter.events_seen)
        yield CounterMetricFamily(f"{PREFIX}_events_invalid",
                                  "Events that could not be made into a document.",
                                  value=exporter.invalid)
        shipped = CounterMetricFamily(f"{PREFIX}_documents_shipped",
                                      "Documents the store acknowledged, by outcome.",
                                      labels=["outcome"])
        shipped.add_metric(["delivered"], stats.records_delivered)
        shipped.add_metric(["duplicate"], stats.records_duplicate)
        yield shipped
        yield CounterMetricFamily(f"{PREFIX}_dead_lettered",
                                  "Documents the store refused for good.",
                                  value=stats.records_dead_lettered)
        yield GaugeMetricFamily(f"{PREFIX}_pending", "Documents waiting to be sent.",
                                value=len(exporter.pending) + exporter.delivery.inflight_records)
        yield GaugeMetricFamily(f"{PREFIX}_output_up",
                                "1 while the last request to the store got through.",
                                value=1 if stats.output_up else 0)


async def serve(args: argparse.Namespace) -> int:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    urls = [u.strip() for u in args.es_url.split(",") if u.strip()]
    output = build_output(args, urls)
    state_dir = args.state_dir.resolve()
    fallback = FileDeadLetters(state_dir / "deadletter.ndjson")
    dead_letters = (IndexDeadLetters(output, args.dead_letter_index, fallback)
                    if args.dead_letter_index else fallback)
    delivery = Delivery(output, dead_letters, lambda records: None, batch_records=500,
                        flush_interval=0.5, backoff=Backoff(0.5, 30.0))
    exporter = EventsExporter(delivery, args.index)
    registry = CollectorRegistry()
    registry.register(ExporterCollector(exporter))
    client_config = load_kubeconfig(default_kubeconfig_path(os.environ, args.kubeconfig))
    api = ApiClient(client_config, registry=registry)
    informer = Informer(api, default_registry().get("", "events"))
    informer.add_handler(exporter.on_add, exporter.on_update)
    informer.start()
    retention_admin = admin_for(args, urls)
    scheduler = AsyncIOScheduler()
    if args.retention_days > 0:
        schedule_retention(scheduler, retention_admin, args.retention_days)
    scheduler.start()

    def ready() -> str | None:
        return None if informer.has_synced else "the Event list has not synced yet"

    server = ComponentServer(health_app(registry, ready), args.address, args.port)
    await server.start()
    log.info("exporting Events to %s (%s); health and metrics on %s:%d", args.es_url,
             args.flavor, args.address, server.port)
    stop = stop_event()
    try:
        await exporter.run(stop)
    finally:
        scheduler.shutdown(wait=False)
        informer.stop()
        await api.close()
        await output.close()
        await retention_admin.close()
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

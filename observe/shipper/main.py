"""``observe shipper``: read flags once, watch this node's pods, and ship its container logs.

    observe shipper --node-name N --root-dir DIR [--kubeconfig K] \\
        [--output opensearch|elasticsearch|forward|stdout|null] [--url URL[,URL...]] \\
        [--index observe-logs-%Y.%m.%d] [--state-dir DIR] [--port P]

Before its first write to Elasticsearch/OpenSearch it applies observe's index templates
(:mod:`observe.logstore.templates`; ``--no-index-templates`` leaves them to you).

Serves ``/healthz``, ``/readyz`` (ready once the pod watch has synced) and ``/metrics`` on
``--address:--port``. Exits cleanly on SIGTERM or SIGINT after sending what it can for a
few seconds; whatever was not acknowledged is read again at the next start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import resource
from pathlib import Path

from prometheus_client import CollectorRegistry

from observe.api.registry import default_registry
from observe.client.config import ConfigError, default_kubeconfig_path, load_kubeconfig
from observe.client.informer import Informer
from observe.client.rest import ApiClient
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app
from observe.logstore.outputs.base import Output
from observe.shipper.config import ShipperConfig
from observe.shipper.fields import DEFAULT_INDEX
from observe.shipper.metadata import PodIndex
from observe.shipper.metrics import ShipperCollector
from observe.shipper.parsing import PARSERS
from observe.shipper.shipper import Shipper

log = logging.getLogger("observe.shipper")
DEFAULT_PORT = 10260
OUTPUTS = ("opensearch", "elasticsearch", "forward", "stdout", "null")
DEFAULT_URLS = {"opensearch": "http://127.0.0.1:9200", "elasticsearch": "http://127.0.0.1:9200",
                "forward": "127.0.0.1:24224"}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="observe shipper",
                                     description="Ship this node's container logs.")
    parser.add_argument("--node-name", required=True)
    parser.add_argument("--root-dir", required=True, type=Path,
                        help="the kubelet's root directory (logs are in <root>/pods)")
    parser.add_argument("--kubeconfig", help="kubeconfig of the apiserver (default: "
                                             "$KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--no-metadata", action="store_true",
                        help="do not watch pods; attribute records from their paths only")
    parser.add_argument("--state-dir", type=Path,
                        help="checkpoints and dead letters (default: <root>/shipper)")
    parser.add_argument("--output", choices=OUTPUTS, default="opensearch")
    parser.add_argument("--url", help="store URL(s), comma-separated; host:port for forward")
    parser.add_argument("--username")
    parser.add_argument("--password", default=os.environ.get("OBSERVE_SHIPPER_PASSWORD"))
    parser.add_argument("--api-key", default=os.environ.get("OBSERVE_SHIPPER_API_KEY"),
                        help="Elasticsearch API key")
    parser.add_argument("--insecure-skip-tls-verify", action="store_true")
    parser.add_argument("--compress", action="store_true", help="gzip request bodies")
    parser.add_argument("--forward-tag", default="observe.logs")
    parser.add_argument("--index", default=DEFAULT_INDEX)
    parser.add_argument("--no-index-templates", action="store_true",
                        help="do not PUT observe's index templates before the first write")
    parser.add_argument("--dead-letter-index", default="observe-deadletter",
                        help="'' for the dead-letter file only")
    parser.add_argument("--parser", choices=PARSERS, default="auto")
    parser.add_argument("--multiline", default="python,java,go",
                        help="built-in multiline rules, comma-separated, or 'none'")
    parser.add_argument("--multiline-start", help="regex of a custom group's first line")
    parser.add_argument("--multiline-continue", help="regex of its continuation lines")
    parser.add_argument("--max-inflight-bytes", type=int, default=32 * 1024 * 1024)
    parser.add_argument("--batch-records", type=int, default=1000)
    parser.add_argument("--poll-interval", type=float, default=0.2)
    parser.add_argument("--scan-interval", type=float, default=1.0)
    parser.add_argument("--retry-max", type=float, default=30.0,
                        help="longest wait in seconds between two sends of a failed batch")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="health and metrics port (0: any free one)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if bool(args.multiline_start) != bool(args.multiline_continue):
        parser.error("--multiline-start and --multiline-continue go together")
    return args


def config_from(args: argparse.Namespace) -> ShipperConfig:
    root = args.root_dir.resolve()
    return ShipperConfig(
        root=str(root), node=args.node_name,
        state_dir=(args.state_dir or root / "shipper").resolve(), index=args.index,
        dead_letter_index=args.dead_letter_index or None, parser=args.parser,
        multiline=tuple(p for p in args.multiline.split(",") if p),
        multiline_start=args.multiline_start, multiline_continue=args.multiline_continue,
        max_inflight_bytes=args.max_inflight_bytes, batch_records=args.batch_records,
        poll_interval=args.poll_interval, scan_interval=args.scan_interval,
        retry_max=args.retry_max)


def build_output(args: argparse.Namespace) -> Output:
    kind = args.output
    urls = [u.strip() for u in (args.url or DEFAULT_URLS.get(kind, "")).split(",") if u.strip()]
    verify = not args.insecure_skip_tls_verify
    if kind == "opensearch":
        from observe.logstore.outputs.opensearch import opensearch_output

        return _templated(args, urls, opensearch_output(
            urls, username=args.username, password=args.password, verify_certs=verify,
            compress=args.compress))
    if kind == "elasticsearch":
        from observe.logstore.outputs.elasticsearch import elasticsearch_output

        return _templated(args, urls, elasticsearch_output(
            urls, api_key=args.api_key, username=args.username, password=args.password,
            verify_certs=verify, compress=args.compress))
    if kind == "forward":
        from observe.logstore.outputs.forward import DEFAULT_PORT as FORWARD_PORT
        from observe.logstore.outputs.forward import ForwardOutput

        host, _, port = urls[0].rpartition(":") if ":" in urls[0] else (urls[0], "", "")
        return ForwardOutput(host or urls[0], int(port or FORWARD_PORT), tag=args.forward_tag,
                             compress=args.compress)
    if kind == "stdout":
        from observe.logstore.outputs.stdout import StdoutOutput

        return StdoutOutput()
    from observe.logstore.outputs.null import NullOutput

    return NullOutput()


def _templated(args: argparse.Namespace, urls: list[str], output: Output) -> Output:
    if args.no_index_templates:
        return output
    from observe.logstore.templates import StoreAdmin, TemplatedOutput

    return TemplatedOutput(output, StoreAdmin(urls[0], username=args.username,
                                              password=args.password, api_key=args.api_key,
                                              verify_certs=not args.insecure_skip_tls_verify))


def _raise_open_file_limit() -> None:
    # Rotated files are held open until read to their end; 1024 descriptors run out on a
    # busy node long before memory does.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(args: argparse.Namespace) -> int:
    config = config_from(args)
    pods = PodIndex(config.deleted_pod_retention)
    shipper = Shipper(config, build_output(args), pods)
    registry = CollectorRegistry()
    registry.register(ShipperCollector(shipper))
    api: ApiClient | None = None
    informer: Informer | None = None
    if not args.no_metadata:
        client_config = load_kubeconfig(default_kubeconfig_path(os.environ, args.kubeconfig))
        api = ApiClient(client_config, registry=registry)
        informer = Informer(api, default_registry().get("", "pods"),
                            field_selector=f"spec.nodeName={config.node}")
        informer.add_handler(pods.on_add, pods.on_update, pods.on_delete)
        informer.start()
    else:
        pods.synced = True

    def ready() -> str | None:
        if informer is not None and not informer.has_synced:
            return "the pod watch has not synced yet"
        return None

    server = ComponentServer(health_app(registry, ready), args.address, args.port)
    await server.start()
    log.info("shipping %s/pods to %s; health and metrics on %s:%d", config.root,
             shipper.output.name, args.address, server.port)
    stop = stop_event()
    # Records wait for their pod's metadata (config.metadata_wait), not for the sync.
    synced = asyncio.create_task(_mark_synced(informer, pods)) if informer else None
    try:
        await shipper.run(stop)
    finally:
        if synced is not None:
            synced.cancel()
        if informer is not None:
            informer.stop()
        if api is not None:
            await api.close()
        await server.stop()
    return 0


async def _mark_synced(informer: Informer, pods: PodIndex) -> None:
    await informer.wait_synced()
    pods.synced = True


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_logging(args.log_level)
    _raise_open_file_limit()
    try:
        return asyncio.run(serve(args))
    except ConfigError as e:
        log.error("cannot use the kubeconfig: %s", e)
        return 1

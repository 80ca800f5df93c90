"""``observe apiserver``: the entry point that reads flags once and serves the API."""

from __future__ import annotations

import argparse
from pathlib import Path

from aiohttp import web

from observe.apiserver import protobuf
from observe.apiserver.allocators import DEFAULT_SERVICE_RANGE
from observe.apiserver.app import ServerConfig, create_app
from observe.common.process import configure_logging


def parse_args(argv: list[str]) -> ServerConfig:
    parser = argparse.ArgumentParser(prog="observe apiserver",
                                     description="Serve the Kubernetes-compatible API.")
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="directory for the state database")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=6443, help="port to listen on")
    parser.add_argument("--bookmark-interval", type=float, default=60.0,
                        help="seconds between watch bookmarks")
    parser.add_argument("--compaction-interval", type=float, default=60.0,
                        help="seconds between compactions of the store's history")
    parser.add_argument("--compaction-window", type=float, default=300.0,
                        help="seconds of history kept for watches and continue tokens")
    parser.add_argument("--compaction-min-retain", type=int, default=1000,
                        help="newest revisions never compacted")
    parser.add_argument("--service-cluster-ip-range", default=DEFAULT_SERVICE_RANGE,
                        help="CIDR (in 127.0.0.0/8) Service ClusterIPs are allocated from")
    parser.add_argument("--event-ttl", type=float, default=3600.0,
                        help="seconds an Event is kept after it was last seen")
    parser.add_argument("--protobuf-transcoder", type=Path, default=protobuf.default_path(),
                        metavar="PATH",
                        help="the k8sproto helper that decodes protobuf request bodies "
                             "(default: the one .ci/setup builds, else k8sproto on PATH)")
    args = parser.parse_args(argv)
    return ServerConfig(data_dir=args.data_dir, host=args.host, port=args.port,
                        bookmark_interval=args.bookmark_interval,
                        compaction_interval=args.compaction_interval,
                        compaction_window=args.compaction_window,
                        compaction_min_retain=args.compaction_min_retain,
                        event_ttl=args.event_ttl,
                        service_cluster_ip_range=args.service_cluster_ip_range,
                        protobuf_transcoder=args.protobuf_transcoder)


def main(argv: list[str]) -> int:
    config = parse_args(argv)
    configure_logging()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    web.run_app(create_app(config), host=config.host, port=config.port, print=None,
                access_log=None, handle_signals=True)
    return 0

"""``observe node-exporter``: read flags once, build the collectors, serve the node's metrics.

    observe node-exporter --port P [--address 127.0.0.1] [--node-name N]
        [--collectors cpu,meminfo,...] [--rootfs /] [--procfs /proc] [--sysfs /sys]
        [--textfile-directory DIR] [--mount-points-exclude REGEX] ...

Serves ``/metrics`` (node_exporter's families plus this process's own ``process_*``),
``/healthz`` and ``/readyz``; exits cleanly on SIGTERM or SIGINT. Metrics carry no node
label, as node_exporter's do not: Prometheus adds the target's labels when it scrapes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from pathlib import Path

from prometheus_client import CollectorRegistry, ProcessCollector

from exporters.node import config as defaults
from exporters.node.collector import NodeScrape
from exporters.node.collectors import COLLECTORS, build
from exporters.node.config import NodeExporterConfig
from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app

log = logging.getLogger("exporters.node")
DEFAULT_PORT = 9100  # node_exporter's


def _regex(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as e:
        raise argparse.ArgumentTypeError(f"bad regular expression {text!r}: {e}") from e


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in COLLECTORS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown collector(s) {', '.join(unknown)}; known: {', '.join(sorted(COLLECTORS))}")
    return names


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="observe node-exporter",
                                     description="Serve this node's metrics with "
                                                 "node_exporter's names and labels.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port serving /metrics and /healthz (0: any free one)")
    parser.add_argument("--address", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--node-name", default="",
                        help="the node this exporter reports on (for its logs)")
    parser.add_argument("--collectors", type=_names, action="extend",
                        help="comma-separated collectors to run (repeatable; default: all of "
                             f"{', '.join(sorted(COLLECTORS))})")
    parser.add_argument("--rootfs", type=Path, default=Path("/"),
                        help="where the host's root filesystem is mounted")
    parser.add_argument("--procfs", type=Path, default=Path("/proc"),
                        help="where the host's proc filesystem is mounted")
    parser.add_argument("--sysfs", type=Path, default=Path("/sys"),
                        help="where the host's sys filesystem is mounted")
    parser.add_argument("--textfile-directory", type=Path, default=None,
                        help="directory of *.prom files whose metrics are exposed as they are")
    parser.add_argument("--udev-data", type=Path, default=Path("/run/udev/data"),
                        help="udev's database, for the disk identity labels")
    filters = (
        ("--mount-points-exclude", defaults.DEFAULT_MOUNT_POINTS_EXCLUDE,
         "mount points the filesystem collector leaves out"),
        ("--fs-types-exclude", defaults.DEFAULT_FS_TYPES_EXCLUDE,
         "filesystem types the filesystem collector leaves out"),
        ("--diskstats-device-exclude", defaults.DEFAULT_DISKSTATS_DEVICE_EXCLUDE,
         "block devices the diskstats collector leaves out"),
        ("--netdev-device-exclude", defaults.DEFAULT_NETDEV_DEVICE_EXCLUDE,
         "network devices the netdev collector leaves out"),
        ("--netclass-ignored-devices", defaults.DEFAULT_NETCLASS_IGNORED_DEVICES,
         "network devices the netclass collector leaves out"),
        ("--netstat-fields", defaults.DEFAULT_NETSTAT_FIELDS,
         "Protocol_Counter names the netstat collector exposes"),
        ("--vmstat-fields", defaults.DEFAULT_VMSTAT_FIELDS,
         "/proc/vmstat fields the vmstat collector exposes"),
    )
    for flag, default, doc in filters:
        parser.add_argument(flag, type=_regex, default=_regex(default),
                            help=f"regular expression: {doc}")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> NodeExporterConfig:
    return NodeExporterConfig(
        procfs=args.procfs, sysfs=args.sysfs, rootfs=args.rootfs, udev_data=args.udev_data,
        textfile_directory=args.textfile_directory,
        mount_points_exclude=args.mount_points_exclude, fs_types_exclude=args.fs_types_exclude,
        diskstats_device_exclude=args.diskstats_device_exclude,
        netdev_device_exclude=args.netdev_device_exclude,
        netclass_ignored_devices=args.netclass_ignored_devices,
        netstat_fields=args.netstat_fields, vmstat_fields=args.vmstat_fields)


def build_registry(config: NodeExporterConfig, names: list[str] | None) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(NodeScrape(build(config, names)))
    ProcessCollector(registry=registry)
    return registry


async def serve(args: argparse.Namespace, registry: CollectorRegistry) -> int:
    stop = stop_event()
    server = ComponentServer(health_app(registry), args.address, args.port)
    await server.start()
    log.info("node-exporter%s serving /metrics on %s:%d",
             f" for node {args.node_name}" if args.node_name else "", args.address, server.port)
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_logging(args.log_level)
    registry = build_registry(config_from(args), args.collectors)
    return asyncio.run(serve(args, registry))

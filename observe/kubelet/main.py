"""``observe kubelet``: read flags once and run the node agent (or hollow nodes).

    observe kubelet --node-name N --kubeconfig K --root-dir DIR --address 127.0.0.1 \\
        --port P --pod-cidr 127.X.0.0/16 [--cpu N --memory 8Gi --max-pods 110] \\
        [--image-catalog FILE] [--hollow [--hollow-nodes 100 --node-name-prefix hollow-]]

Exits cleanly on SIGTERM or SIGINT, leaving containers running for the next kubelet.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
from pathlib import Path

from observe.api.quantity import QuantityError, parse_quantity
from observe.client.config import ConfigError, default_kubeconfig_path, load_kubeconfig
from observe.common.process import configure_logging, stop_event
from observe.kubelet.config import KubeletConfig
from observe.kubelet.hollow import HollowNodes
from observe.kubelet.kubelet import Kubelet

log = logging.getLogger("observe.kubelet")
DEFAULT_PORT = 10250


def _quantity(text: str) -> str:
    try:
        parse_quantity(text)
    except QuantityError as e:
        raise argparse.ArgumentTypeError(str(e)) from e
    return text


def _cidr(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _labels(text: str) -> dict[str, str]:
    labels = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"a label is key=value, not {part!r}")
        labels[key.strip()] = value.strip()
    return labels


def parse_args(argv: list[str]) -> tuple[KubeletConfig, str | None, str]:
    parser = argparse.ArgumentParser(prog="observe kubelet",
                                     description="Run the pods bound to this node.")
    parser.add_argument("--node-name", required=True, help="name of the Node to register")
    parser.add_argument("--kubeconfig", help="kubeconfig of the apiserver")
    parser.add_argument("--root-dir", required=True, type=Path,
                        help="directory for logs, container state and volumes")
    parser.add_argument("--address", default="127.0.0.1",
                        help="the node's address (InternalIP) and where the node API listens")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port of the node API (0: any free one)")
    parser.add_argument("--pod-cidr", type=_cidr, default="127.1.0.0/16",
                        help="range pod addresses come from (a 127.x range)")
    parser.add_argument("--cpu", type=_quantity, help="CPU capacity to report (default: "
                                                      "the host's cores)")
    parser.add_argument("--memory", type=_quantity, help="memory capacity to report "
                                                         "(default: the host's)")
    parser.add_argument("--max-pods", type=int, default=110)
    parser.add_argument("--node-labels", type=_labels, default={},
                        help="extra node labels, key=value,...")
    parser.add_argument("--image-catalog", type=Path,
                        help="YAML file of images added to the built-in catalog")
    parser.add_argument("--container-log-max-size", type=_quantity, default="10Mi")
    parser.add_argument("--container-log-max-files", type=int, default=5)
    parser.add_argument("--node-status-update-frequency", type=float, default=10.0,
                        help="seconds between node status computations")
    parser.add_argument("--node-status-report-frequency", type=float, default=300.0,
                        help="seconds after which an unchanged node status is written anyway")
    parser.add_argument("--node-lease-renew-interval", type=float, default=10.0)
    parser.add_argument("--hollow", action="store_true",
                        help="report bound pods Running without starting processes")
    parser.add_argument("--hollow-nodes", type=int, default=1,
                        help="how many hollow nodes to run in this process")
    parser.add_argument("--node-name-prefix",
                        help="with --hollow-nodes: nodes are named <prefix><index>")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.hollow_nodes > 1 and not args.hollow:
        parser.error("--hollow-nodes needs --hollow")
    config = KubeletConfig(
        node_name=args.node_name, root_dir=args.root_dir.resolve(), address=args.address,
        port=args.port, pod_cidr=args.pod_cidr, cpu=args.cpu, memory=args.memory,
        max_pods=args.max_pods, labels=args.node_labels, image_catalog=args.image_catalog,
        log_max_size=parse_quantity(args.container_log_max_size).value(),
        log_max_files=args.container_log_max_files,
        status_update_frequency=args.node_status_update_frequency,
        status_report_frequency=args.node_status_report_frequency,
        lease_renew_interval=args.node_lease_renew_interval, hollow=args.hollow,
        hollow_nodes=args.hollow_nodes, node_name_prefix=args.node_name_prefix)
    return config, args.kubeconfig, args.log_level


async def serve(config: KubeletConfig, kubeconfig: str | None) -> int:
    client_config = load_kubeconfig(default_kubeconfig_path(os.environ, kubeconfig))
    stop = stop_event()
    if config.hollow:
        await HollowNodes(config, client_config).run(stop)
    else:
        await Kubelet(config, client_config).run(stop)
    return 0


def main(argv: list[str]) -> int:
    config, kubeconfig, level = parse_args(argv)
    configure_logging(level)
    config.root_dir.mkdir(parents=True, exist_ok=True)
    try:
        return asyncio.run(serve(config, kubeconfig))
    except ConfigError as e:
        log.error("cannot use the kubeconfig: %s", e)
        return 1

"""``observe alertmanager``: write Alertmanager's configuration, then become Debian's
``prometheus-alertmanager``.

    observe alertmanager --data-dir DIR [--host H] [--port P] [--webhook-url URL ...]
        [--group-wait 30s] [--group-interval 5m] [--repeat-interval 4h] [--no-exec]

Files under ``DIR``: ``alertmanager.yml`` and the silences and notification log in
``data/``. Clustering (gossip between Alertmanagers on port 9094) is switched off: one
Alertmanager per cluster, listening only where it is told. It serves ``/-/healthy``,
``/-/ready``, ``/metrics`` and ``/api/v2/`` on ``H:P``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from observe.common.process import configure_logging
from observe.monitoring import binaries, launch
from observe.monitoring.alertmanager_config import AlertmanagerSettings, alertmanager_config
from observe.monitoring.rules import write_yaml

log = logging.getLogger("observe.monitoring.alertmanager")
DEFAULT_PORT = 9093


def parse_args(argv: list[str]) -> argparse.Namespace:
    defaults = AlertmanagerSettings()
    parser = argparse.ArgumentParser(prog="observe alertmanager",
                                     description="Run Alertmanager for an observe cluster.")
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="Alertmanager's directory: configuration and state")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument("--webhook-url", action="append", default=[], metavar="URL",
                        help="where to POST notifications (repeatable)")
    parser.add_argument("--group-wait", type=launch.duration_arg, default=defaults.group_wait)
    parser.add_argument("--group-interval", type=launch.duration_arg,
                        default=defaults.group_interval)
    parser.add_argument("--repeat-interval", type=launch.duration_arg,
                        default=defaults.repeat_interval)
    parser.add_argument("--no-exec", action="store_true",
                        help="write the files and print the command instead of running it")
    return parser.parse_args(argv)


def alertmanager_argv(binary: str, data_dir: Path, listen: str) -> list[str]:
    return [binary,
            f"--config.file={data_dir / 'alertmanager.yml'}",
            f"--storage.path={data_dir / 'data'}",
            f"--web.listen-address={listen}",
            f"--web.external-url=http://{listen}/",
            "--cluster.listen-address="]


def prepare(args: argparse.Namespace) -> Path:
    data_dir: Path = args.data_dir.resolve()
    (data_dir / "data").mkdir(parents=True, exist_ok=True)
    settings = AlertmanagerSettings(
        webhook_urls=tuple(args.webhook_url), group_wait=args.group_wait,
        group_interval=args.group_interval, repeat_interval=args.repeat_interval)
    config = data_dir / "alertmanager.yml"
    write_yaml(config, alertmanager_config(settings))
    log.info("wrote %s", config)
    return config


def main(argv: list[str]) -> int:
    configure_logging()
    args = parse_args(argv)
    try:
        binary = binaries.require(binaries.ALERTMANAGER)
        prepare(args)
    except (binaries.ToolMissing, OSError, ValueError) as e:
        log.error("%s", e)
        return 1
    return launch.become(alertmanager_argv(binary, args.data_dir.resolve(),
                                           launch.listen_address(args.host, args.port)),
                         args.no_exec)

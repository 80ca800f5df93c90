"""``observe prometheus``: write Prometheus' configuration and rules, then become Debian's
``prometheus``.

    observe prometheus --data-dir DIR --sd-url URL [--alertmanager HOST:PORT ...]
        [--host H] [--port P] [--rules-dir RULES] [--alert-for DURATION]
        [--scrape-interval 15s] [--evaluation-interval 15s] [--sd-refresh-interval 10s]
        [--retention 15d] [--alert-resend-delay 1m] [--no-exec]

Files under ``DIR``: ``prometheus.yml``, ``rules/`` (the rules of ``RULES``, by default the
source tree's ``compose/prometheus/rules``) and the TSDB in ``data/``. ``--alert-for`` (or
``$OBSERVE_ALERT_FOR``) caps every rule's ``for:`` so alerts fire sooner in demos and tests.
Prometheus serves ``/-/healthy``, ``/-/ready`` and ``/metrics`` on ``H:P``. ``--no-exec``
writes the files and prints the command instead of running it.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from observe.common.process import configure_logging
from observe.monitoring import binaries, launch
from observe.monitoring.prometheus_config import PrometheusSettings, prometheus_config
from observe.monitoring.rules import shipped_rules_dir, write_rules, write_yaml

log = logging.getLogger("observe.monitoring.prometheus")
DEFAULT_PORT = 9090
ALERT_FOR_ENV = "OBSERVE_ALERT_FOR"


def parse_args(argv: list[str], environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="observe prometheus",
                                     description="Run Prometheus over an observe cluster.")
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="Prometheus' directory: configuration, rules and TSDB")
    parser.add_argument("--sd-url", required=True,
                        help="base URL of observe prometheus-sd")
    parser.add_argument("--alertmanager", action="append", default=[], metavar="HOST:PORT",
                        help="an Alertmanager to send alerts to (repeatable)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument("--rules-dir", type=Path, default=shipped_rules_dir(),
                        help="directory of rule files (default: compose/prometheus/rules)")
    parser.add_argument("--alert-for", type=launch.duration_arg,
                        default=environ.get(ALERT_FOR_ENV) or None,
                        help=f"cap every alert's `for:` at this duration (default: "
                             f"${ALERT_FOR_ENV}, else the rules' own)")
    parser.add_argument("--scrape-interval", type=launch.duration_arg, default="15s")
    parser.add_argument("--evaluation-interval", type=launch.duration_arg, default="15s")
    parser.add_argument("--sd-refresh-interval", type=launch.duration_arg, default="10s",
                        help="how often targets are rediscovered")
    parser.add_argument("--retention", default="15d", help="how long samples are kept")
    parser.add_argument("--alert-resend-delay", default="1m",
                        help="how often a firing alert is sent to Alertmanager again "
                             "(Prometheus' default 1m; an alert that fired before "
                             "Alertmanager was known is delivered at the next resend)")
    parser.add_argument("--no-exec", action="store_true",
                        help="write the files and print the command instead of running it")
    return parser.parse_args(argv)


def prometheus_argv(binary: str, data_dir: Path, listen: str, retention: str,
                    resend_delay: str) -> list[str]:
    return [binary,
            f"--config.file={data_dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={data_dir / 'data'}",
            f"--storage.tsdb.retention.time={retention}",
            f"--rules.alert.resend-delay={resend_delay}",
            f"--web.listen-address={listen}",
            # POST /-/reload picks up new rules without a restart.
            "--web.enable-lifecycle"]


def prepare(args: argparse.Namespace) -> Path:
    """Write the rules and ``prometheus.yml`` under ``--data-dir``; returns the config."""
    data_dir: Path = args.data_dir.resolve()
    written = write_rules(args.rules_dir, data_dir / "rules", args.alert_for)
    settings = PrometheusSettings(
        sd_url=args.sd_url, alertmanagers=tuple(args.alertmanager),
        rule_files=(str(data_dir / "rules" / "*.yaml"),),
        scrape_interval=args.scrape_interval, evaluation_interval=args.evaluation_interval,
        sd_refresh_interval=args.sd_refresh_interval)
    config = data_dir / "prometheus.yml"
    write_yaml(config, prometheus_config(settings))
    log.info("wrote %s and %d rule files", config, len(written))
    return config


def main(argv: list[str]) -> int:
    configure_logging()
    args = parse_args(argv, os.environ)
    try:
        binary = binaries.require(binaries.PROMETHEUS)
        prepare(args)
    except (binaries.ToolMissing, OSError, ValueError) as e:
        log.error("%s", e)
        return 1
    data_dir = args.data_dir.resolve()
    return launch.become(prometheus_argv(binary, data_dir,
                                         launch.listen_address(args.host, args.port),
                                         args.retention, args.alert_resend_delay),
                         args.no_exec)

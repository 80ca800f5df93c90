"""``python -m observe.supervisor``: the background process ``observe up`` starts.

    python -m observe.supervisor --data-dir DIR [--nodes N] [--grace-period 10] [--es-url URL]

Reads its flags once, takes the data directory's lock (exit code 3 if another supervisor
has it), picks the ports, writes ``DIR/kubeconfig``, builds the component specs and runs the
:class:`~observe.supervisor.supervisor.Supervisor` until SIGTERM or SIGINT, then stops
everything. Its own log is its stderr, which ``observe up`` sends to
``DIR/logs/supervisor.log``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import observe
from observe.api.meta import now as wall_now
from observe.client.config import write_kubeconfig
from observe.supervisor import health, layout, ports, process, state
from observe.supervisor.specs import (
    APISERVER,
    MAX_NODES,
    ClusterOptions,
    build_specs,
    data_paths,
    node_names,
)
from observe.supervisor.supervisor import GRACE_PERIOD, Supervisor

log = logging.getLogger("observe.supervisor")
EXIT_LOCKED = 3


def node_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"invalid node count {text!r}") from e
    if not 0 <= value <= MAX_NODES:
        raise argparse.ArgumentTypeError(f"the number of nodes must be 0 to {MAX_NODES}")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m observe.supervisor",
                                     description="Run and watch over a cluster's components.")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--nodes", type=node_count, default=1, help="kubelets to run")
    parser.add_argument("--host", default="127.0.0.1", help="address components listen on")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter that runs the components")
    parser.add_argument("--grace-period", type=float, default=GRACE_PERIOD,
                        help="seconds a component has to stop after SIGTERM")
    parser.add_argument("--es-url", help="external Elasticsearch for logs and events "
                                         "(default: run OpenSearch)")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def component_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The supervisor's environment, plus what makes the components import this same
    ``observe`` and write their logs line by line."""
    package_parent = str(Path(observe.__file__).resolve().parent.parent)
    path = [package_parent, *[p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    return {**environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(path)),
            "PYTHONUNBUFFERED": "1"}


def previous_ports(doc: Mapping | None) -> dict[str, int]:
    components = (doc or {}).get("components") or {}
    return {name: c["port"] for name, c in components.items()
            if isinstance(c, dict) and isinstance(c.get("port"), int)}


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    where = layout.ClusterLayout.at(args.data_dir)
    where.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock_fd = state.acquire_lock(where.lock_file)
    except state.LockHeld as e:
        log.error("%s: observe is already running in %s", e, where.data_dir)
        return EXIT_LOCKED

    from observe.__main__ import COMPONENTS

    options = ClusterOptions(where, node_names(args.nodes), args.python, args.host,
                             es_url=args.es_url)
    allocate = ports.PortAllocator(previous_ports(state.read_state(where.state_file)),
                                   lambda p: ports.port_is_free(args.host, p),
                                   lambda: ports.free_port(args.host))
    specs, skipped = build_specs(options, allocate, COMPONENTS)
    for command in skipped:
        log.warning("not running %s: this build has no `observe %s`", command, command)
    for path in data_paths(options):
        path.mkdir(parents=True, exist_ok=True)
    apiserver = next(s for s in specs if s.name == APISERVER)
    write_kubeconfig(str(where.kubeconfig), apiserver.url)
    if not process.become_subreaper():
        log.warning("cannot become a child subreaper: processes a component leaves behind "
                    "will not be stopped by `observe down`")

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # No terminal to hang up on; a stray SIGHUP must not take the cluster down.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    header = {"dataDir": str(where.data_dir), "kubeconfig": str(where.kubeconfig),
              "nodes": list(options.nodes), "skipped": skipped,
              "supervisor": {"pid": os.getpid(), "createTime": process.create_time(os.getpid()),
                             "log": str(where.log_file(layout.SUPERVISOR))}}
    supervisor = Supervisor(
        specs, processes=process.HostProcesses(), check_health=health.check_all,
        now=time.monotonic, wall=wall_now, sleep=time.sleep,
        publish=lambda doc: state.write_state(where.state_file, doc),
        log_file=where.log_file, env=component_env(os.environ), header=header,
        grace_period=args.grace_period)
    log.info("supervising %s in %s", ", ".join(s.name for s in specs), where.data_dir)
    try:
        supervisor.run(stop.is_set, stop.wait)
    finally:
        os.close(lock_fd)
    return 0

"""``observe up``: start a cluster on this machine in the background and wait until it is
ready (the apiserver answers ``/readyz``, every component is healthy, every Node Ready).

    observe up [--nodes N] [--data-dir DIR] [--timeout 2m] [--es-url URL]

Logs and events go to an embedded OpenSearch node, or with ``--es-url`` to an external
Elasticsearch. The store is not waited for: it takes tens of seconds to start, and the
shippers hold the logs until it answers.

A cluster that does not become ready in time is stopped again, and the error names the
component (or node) at fault with the tail of its log. ``up`` on a data directory whose
cluster is running fails and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from typing import Any

from observe.cli.datadir import add_data_dir, layout_of
from observe.cli.errors import CliError
from observe.cli.flags import duration
from observe.cli.session import Session
from observe.client.config import load_kubeconfig
from observe.supervisor import control
from observe.supervisor.layout import ClusterLayout
from observe.supervisor.main import node_count
from observe.supervisor.specs import node_names

DEFAULT_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("up", parents=parents,
                              help="start a local cluster in the background")
    p.add_argument("--nodes", type=node_count, default=1, help="number of nodes (kubelets)")
    p.add_argument("--timeout", type=duration, default=DEFAULT_TIMEOUT,
                   help="how long to wait for the cluster to be ready (e.g. 90s, 5m)")
    p.add_argument("--es-url", help="ship logs and events to this Elasticsearch instead of "
                                    "running OpenSearch")
    add_data_dir(p)
    p.set_defaults(func=run)


class _NodeLister:
    """Lists Nodes through the API with the cluster's kubeconfig, connecting on first use
    (the kubeconfig is written by the supervisor)."""

    def __init__(self, layout: ClusterLayout) -> None:
        self._layout = layout
        self._client: Any = None

    def __call__(self) -> Any:
        if self._client is None:
            from observe.client.sync import SyncClient

            self._client = SyncClient(load_kubeconfig(str(self._layout.kubeconfig)),
                                      timeout=5.0)
        return self._client.request("GET", "/api/v1/nodes").json()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def run(session: Session, args: argparse.Namespace) -> int:
    layout = layout_of(args)
    pid = control.running_supervisor(layout)
    if pid is not None:
        raise CliError(f"observe is already running in {layout.data_dir} (supervisor pid "
                       f"{pid}); stop it with: observe down --data-dir {layout.data_dir}")
    # A supervisor killed outright leaves its components running, on ports this run needs.
    if control.stop(layout, timeout=STOP_TIMEOUT, now=time.monotonic, sleep=time.sleep):
        session.warn("stopped the components a previous supervisor left running\n")
    nodes = node_names(args.nodes)
    session.say(f"Starting observe in {layout.data_dir} with {len(nodes)} "
                f"node{'s' if len(nodes) != 1 else ''} ...\n")
    supervisor = control.launch(layout, nodes=args.nodes, python=sys.executable,
                                environ=os.environ, es_url=args.es_url)
    lister = _NodeLister(layout)
    try:
        doc = control.wait_ready(layout, supervisor, nodes, timeout=args.timeout,
                                 list_nodes=lister, now=time.monotonic, sleep=time.sleep)
    except control.ControlError as e:
        # Signal the supervisor we launched directly: it may not have taken the data dir's
        # lock yet, and then `control.stop` would not find it.
        supervisor.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            supervisor.wait(STOP_TIMEOUT)
        control.stop(layout, timeout=STOP_TIMEOUT, now=time.monotonic, sleep=time.sleep)
        raise CliError(f"{e}\nobserve was stopped again; all logs are in "
                       f"{layout.logs_dir}") from e
    finally:
        lister.close()
    session.say(summary(doc, layout))
    return 0


def summary(doc: dict[str, Any], layout: ClusterLayout) -> str:
    components = doc.get("components") or {}
    lines = [f"observe is up: {len(components)} components running, "
             f"{len(doc.get('nodes') or [])} nodes Ready"]
    lines += [f"  {name:<24} {c.get('url')}" for name, c in components.items()]
    if doc.get("skipped"):
        lines.append(f"not in this build: {', '.join(doc['skipped'])}")
    lines += [f"kubeconfig: {layout.kubeconfig}",
              f"  export KUBECONFIG={layout.kubeconfig}",
              f"logs: {layout.logs_dir}",
              f"stop it with: observe down --data-dir {layout.data_dir}"]
    return "\n".join(lines) + "\n"

"""``python -m observe.logstore.run``: one OpenSearch node in the foreground.

For a supervisor (``observe up``) that runs every component as its own process: installs
the node if needed, then replaces itself with the JVM, so the supervisor's pid and signals
(SIGTERM: clean shutdown) reach OpenSearch directly. Data stays in ``--data-dir`` across
restarts.

    python -m observe.logstore.run --data-dir DIR [--port 9200] [--transport-port 9300]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from observe.logstore.install import InstallError
from observe.logstore.opensearch import OpenSearchNode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m observe.logstore.run",
                                     description="Run the embedded OpenSearch node.")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--transport-port", type=int, default=9300)
    parser.add_argument("--heap", default="512m:1g", help="initial:maximum JVM heap")
    args = parser.parse_args(argv)
    initial, _, maximum = args.heap.partition(":")
    node = OpenSearchNode(args.data_dir.resolve(), args.port,
                          transport_port=args.transport_port,
                          heap=(initial, maximum or initial))
    try:
        command = node.command(exit_with_parent=False)
    except InstallError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    node.data_dir.mkdir(parents=True, exist_ok=True)
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())

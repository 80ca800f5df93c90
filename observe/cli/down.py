"""``observe down``: stop the cluster ``observe up`` started (its supervisor stops every
component, last started first) and wait until every process is gone.

    observe down [--data-dir DIR] [--timeout 1m]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from observe.cli.datadir import add_data_dir, layout_of
from observe.cli.flags import duration
from observe.cli.session import Session
from observe.supervisor import control

DEFAULT_TIMEOUT = 60.0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("down", parents=parents, help="stop the local cluster")
    p.add_argument("--timeout", type=duration, default=DEFAULT_TIMEOUT,
                   help="how long the supervisor has to stop everything before it is killed")
    add_data_dir(p)
    p.set_defaults(func=run)


def run(session: Session, args: argparse.Namespace) -> int:
    layout = layout_of(args)
    if control.stop(layout, timeout=args.timeout, now=time.monotonic, sleep=time.sleep):
        session.say(f"observe stopped in {layout.data_dir}\n")
    else:
        session.say(f"observe is not running in {layout.data_dir}\n")
    return 0

"""What ``observe prometheus`` and ``observe alertmanager`` share: flag types, and turning
into the Debian program once its files are written.

The entry point *becomes* the program (``execv``) instead of running it as a child: the
supervisor then watches, probes and signals Prometheus itself, and no Python process sits
in between to forward signals or exit codes.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence

from observe.monitoring.durations import parse_duration
from observe.monitoring.targets import host_port


def duration_arg(text: str) -> float:
    """argparse type: a Prometheus duration, in seconds."""
    try:
        return parse_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def listen_address(host: str, port: int) -> str:
    return host_port(host, port)


def become(argv: Sequence[str], no_exec: bool = False) -> int:
    """Replace this process with ``argv``; with ``no_exec``, print it and return 0."""
    if no_exec:
        print(shlex.join(argv))
        return 0
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], list(argv))
    raise AssertionError("execv returned")  # pragma: no cover

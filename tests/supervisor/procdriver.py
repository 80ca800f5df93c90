"""A supervisor over real processes, run by test_host_processes.py in a process of its own
(it becomes a subreaper and reaps every child, which pytest's own process must not do).

    python -m tests.supervisor.procdriver STATE_FILE LOG_DIR PORT_A PORT_B

Component ``a`` is a plain HTTP server; ``b`` depends on it and leaves an orphan
(``sleep 300`` whose parent has exited) behind before it starts serving.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from observe.supervisor import health, process, state
from observe.supervisor.specs import ComponentSpec
from observe.supervisor.supervisor import Supervisor

LEAKY = ("import os, subprocess, sys; subprocess.run(['sh', '-c', 'sleep 300 &']); "
         "os.execv(sys.executable, [sys.executable, '-m', 'http.server', sys.argv[1], "
         "'--bind', '127.0.0.1'])")


def main(argv: list[str]) -> int:
    state_file, log_dir, port_a, port_b = Path(argv[0]), Path(argv[1]), argv[2], argv[3]
    py = sys.executable
    specs = [
        ComponentSpec("a", (py, "-m", "http.server", port_a, "--bind", "127.0.0.1"),
                      "127.0.0.1", int(port_a), health_path="/"),
        ComponentSpec("b", (py, "-c", LEAKY, port_b), "127.0.0.1", int(port_b),
                      health_path="/", depends_on=("a",)),
    ]
    assert process.become_subreaper()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    supervisor = Supervisor(
        specs, processes=process.HostProcesses(), check_health=health.check_all,
        now=time.monotonic, wall=lambda: datetime.now(UTC), sleep=time.sleep,
        publish=lambda doc: state.write_state(state_file, doc),
        log_file=lambda name: log_dir / f"{name}.log", env=dict(os.environ),
        header={"supervisor": {"pid": os.getpid()}}, grace_period=5.0)
    supervisor.run(stop.is_set, stop.wait, tick=0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What ``observe up``, ``down`` and ``status`` do, run in the CLI's own process.

- :func:`launch` starts the supervisor as a daemon (its own session, no terminal, output to
  ``logs/supervisor.log``) and :func:`wait_ready` follows ``state.json`` and the Nodes until
  the cluster is ready, or says which component is not, with the tail of its log.
- :func:`stop` signals the supervisor and waits for it to release its lock (it stops the
  components itself); if it is gone or hangs, the components it recorded are stopped here.
- :func:`report` is the ``status`` document: every component's url, live pid and health.

Time, sleeping, health probes and the Node lister are parameters, so tests run the waiting
logic without a cluster.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil

from observe.supervisor import health, readiness, state
from observe.supervisor.layout import SUPERVISOR, ClusterLayout, tail
from observe.supervisor.main import component_env
from observe.supervisor.process import same_process

POLL = 0.2
LOG_LINES = 20
GRACE_PERIOD = 10.0

NodeLister = Callable[[], Mapping[str, Any]]


class ControlError(Exception):
    """A failure worded for the user."""


def running_supervisor(layout: ClusterLayout) -> int | None:
    """The pid of the supervisor running on ``layout`` (0 in the instant before it wrote
    it), else None."""
    if not state.is_locked(layout.lock_file):
        return None
    return state.lock_owner(layout.lock_file) or 0


def launch(layout: ClusterLayout, *, nodes: int, python: str, environ: Mapping[str, str],
           grace_period: float = GRACE_PERIOD, es_url: str | None = None) -> subprocess.Popen:
    """Start the supervisor in the background; it outlives this process."""
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    with open(layout.log_file(SUPERVISOR), "ab") as log:
        return subprocess.Popen(
            [python, "-m", "observe.supervisor", "--data-dir", str(layout.data_dir),
             "--nodes", str(nodes), "--grace-period", str(grace_period),
             *(["--es-url", es_url] if es_url else [])],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            cwd=layout.data_dir, env=component_env(environ), start_new_session=True)


def wait_ready(layout: ClusterLayout, supervisor: subprocess.Popen, nodes: Sequence[str], *,
               timeout: float, list_nodes: NodeLister, now: Callable[[], float],
               sleep: Callable[[float], None]) -> dict[str, Any]:
    """Wait until the supervisor reports every component healthy and every node is Ready;
    returns the state. Raises :class:`ControlError` naming what is not ready."""
    deadline = now() + timeout
    doc: dict[str, Any] | None = None
    not_ready: dict[str, str] = {}
    while True:
        code = supervisor.poll()
        if code is not None:
            raise ControlError(_with_log(
                f"the supervisor exited with code {code}", layout.log_file(SUPERVISOR)))
        doc = _own_state(layout, supervisor.pid)
        if doc is not None and doc.get("phase") == state.RUNNING:
            not_ready = _nodes_not_ready(list_nodes, nodes)
            if not not_ready:
                return doc
        if now() >= deadline:
            raise ControlError(_diagnose(layout, doc, not_ready, timeout))
        sleep(POLL)


def _own_state(layout: ClusterLayout, pid: int) -> dict[str, Any] | None:
    doc = state.read_state(layout.state_file)
    if doc is None or (doc.get("supervisor") or {}).get("pid") != pid:
        return None  # a previous run's state, not yet replaced
    return doc


def _nodes_not_ready(list_nodes: NodeLister, nodes: Sequence[str]) -> dict[str, str]:
    if not nodes:
        return {}
    try:
        return readiness.nodes_not_ready(list_nodes(), nodes)
    except Exception as e:  # any failure to read Nodes means: not ready yet
        return {n: f"cannot be read through the API: {e}" for n in nodes}


def _diagnose(layout: ClusterLayout, doc: Mapping[str, Any] | None,
              not_ready: Mapping[str, str], timeout: float) -> str:
    head = f"the cluster was not ready after {timeout:g}s"
    if doc is None:
        return _with_log(f"{head}: the supervisor reported nothing",
                         layout.log_file(SUPERVISOR))
    name = readiness.culprit(doc)
    if name is not None:
        component = doc["components"][name]
        return _with_log(f"{head}: {readiness.describe_component(name, component)}",
                         layout.log_file(name))
    node, why = next(iter(not_ready.items()))
    return _with_log(f"{head}: node {node} {why}", layout.log_file(f"kubelet-{node}"))


def _with_log(message: str, path: Path) -> str:
    lines = tail(path, LOG_LINES)
    if not lines:
        return f"{message} (nothing in {path})"
    return f"{message}\nlast lines of {path}:\n{lines}"


def stop(layout: ClusterLayout, *, timeout: float, now: Callable[[], float],
         sleep: Callable[[float], None]) -> bool:
    """Stop the cluster; False if nothing was running."""
    doc = state.read_state(layout.state_file) or {}
    stopped_something = False
    pid = running_supervisor(layout)
    if pid is not None:
        stopped_something = True
        _signal(pid, signal.SIGTERM)
        if not _until(lambda: not state.is_locked(layout.lock_file), timeout, now, sleep):
            _signal(pid, signal.SIGKILL)
            _until(lambda: not state.is_locked(layout.lock_file), GRACE_PERIOD, now, sleep)
        doc = state.read_state(layout.state_file) or doc
    # Components whose supervisor died (or hung) without stopping them.
    left = [(c.get("pid"), c.get("createTime")) for c in (doc.get("components") or {}).values()]
    left = [(pid, started) for pid, started in left if same_process(pid, started)]
    if left:
        stopped_something = True
        _terminate([pid for pid, _ in left], GRACE_PERIOD)
    return stopped_something


def _signal(pid: int, sig: int) -> None:
    if pid > 0:  # never 0 or negative: that would signal a whole process group
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _until(done: Callable[[], bool], timeout: float, now: Callable[[], float],
           sleep: Callable[[float], None]) -> bool:
    deadline = now() + timeout
    while not done():
        if now() >= deadline:
            return False
        sleep(POLL)
    return True


def _terminate(pids: Sequence[int], grace: float) -> None:
    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            proc.terminate()
            procs.append(proc)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(psutil.Error):
            proc.kill()


def report(layout: ClusterLayout,
           check_health: health.HealthCheck = health.check_all) -> dict[str, Any]:
    """The ``observe status -o json`` document."""
    doc = state.read_state(layout.state_file)
    supervisor_pid = running_supervisor(layout)
    if doc is None:
        if supervisor_pid is None:
            raise ControlError(f"observe is not running in {layout.data_dir}")
        doc = {}
    components = doc.get("components") or {}
    probes = check_health([c["healthUrl"] for c in components.values() if c.get("healthUrl")])
    out = {}
    for name, c in components.items():
        alive = same_process(c.get("pid"), c.get("createTime"))
        out[name] = {"url": c.get("url"), "pid": c.get("pid") if alive else None,
                     "healthy": alive and bool(probes.get(c.get("healthUrl"))),
                     "restarts": c.get("restarts", 0), "log": c.get("log")}
    phase = doc.get("phase", state.STARTING) if supervisor_pid is not None else state.STOPPED
    return {"components": out, "phase": phase,
            "supervisor": {"pid": supervisor_pid or None, "running": supervisor_pid is not None},
            "dataDir": str(layout.data_dir), "kubeconfig": str(layout.kubeconfig)}

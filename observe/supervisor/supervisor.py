"""The supervisor's loop: keep every component running, report what it sees, stop in order.

Each :meth:`Supervisor.step` is level-triggered: collect the exits of children, probe the
health of the running components, start every component that is not running, whose
dependencies are healthy and whose restart back-off has passed (:func:`plan_starts`, pure),
and publish the state (``state.json``) when it changed. :meth:`Supervisor.stop` stops the
components level by level in reverse start order (SIGTERM, then SIGKILL to the process group
after the grace period) and then whatever processes they left behind.

Processes, health probes, time and the state sink are injected, so the loop runs in tests
against :class:`observe.supervisor.fake.FakeProcesses` and a hand-moved clock.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from observe.api.meta import rfc3339
from observe.supervisor import state
from observe.supervisor.backoff import RestartBackoff
from observe.supervisor.health import HealthCheck
from observe.supervisor.order import start_order, stop_levels
from observe.supervisor.process import ProcessControl
from observe.supervisor.specs import ComponentSpec

log = logging.getLogger("observe.supervisor")

GRACE_PERIOD = 10.0
TICK = 0.25
# A healthy component is probed this often; one not healthy yet, at every step, so that its
# dependents start as soon as it is.
PROBE_PERIOD = 2.0
# Exit code of a command that could not be started at all (the shell's "not found").
SPAWN_FAILED = 127
# Rounds of stopping leftovers: stopping a container shim orphans its container, which then
# becomes our child and needs a round of its own.
LEFTOVER_ROUNDS = 3

# Per-component states in state.json.
RUNNING, STARTING, BACKOFF, WAITING, STOPPED = (
    "Running", "Starting", "BackOff", "Waiting", "Stopped")


@dataclass
class Observed:
    """What the supervisor knows of one component."""

    pid: int | None = None
    create_time: float | None = None
    started_at: float | None = None
    """Monotonic time of the last start."""
    started_wall: datetime | None = None
    healthy: bool = False
    probed_at: float | None = None
    starts: int = 0
    last_exit_code: int | None = None
    last_exit_wall: datetime | None = None

    @property
    def restarts(self) -> int:
        return max(self.starts - 1, 0)


def plan_starts(order: Sequence[ComponentSpec], running: Collection[str],
                healthy: Collection[str], backing_off: Collection[str]) -> list[str]:
    """Components to start now, in start order: not running, not in back-off, and every
    dependency running and healthy."""
    return [s.name for s in order
            if s.name not in running and s.name not in backing_off
            and all(d in running and d in healthy for d in s.depends_on)]


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


def cluster_phase(observed: Sequence[Observed], was_running: bool) -> str:
    if all(o.pid is not None and o.healthy for o in observed):
        return state.RUNNING
    return state.DEGRADED if was_running else state.STARTING


class Supervisor:
    def __init__(
        self,
        specs: Sequence[ComponentSpec],
        *,
        processes: ProcessControl,
        check_health: HealthCheck,
        now: Callable[[], float],
        wall: Callable[[], datetime],
        sleep: Callable[[float], None],
        publish: Callable[[dict[str, Any]], None],
        log_file: Callable[[str], Path],
        env: Mapping[str, str],
        header: Mapping[str, Any] | None = None,
        backoff: RestartBackoff | None = None,
        grace_period: float = GRACE_PERIOD,
    ) -> None:
        self._order = start_order(specs)
        self._stop_levels = stop_levels(specs)
        self._specs = {s.name: s for s in self._order}
        self._processes = processes
        self._check_health = check_health
        self._now = now
        self._wall = wall
        self._sleep = sleep
        self._publish_to = publish
        self._log_file = log_file
        self._env = dict(env)
        self._header = dict(header or {})
        self._backoff = backoff or RestartBackoff()
        self._grace = grace_period
        self.observed = {s.name: Observed() for s in self._order}
        self._phase = state.STARTING
        self._was_running = False
        self._published: dict[str, Any] | None = None

    # -- the running loop ---------------------------------------------------------------

    def run(self, stopping: Callable[[], bool], wait: Callable[[float], None],
            tick: float = TICK) -> None:
        """Step until ``stopping()``, then :meth:`stop`."""
        try:
            while not stopping():
                self.step()
                wait(tick)
        finally:
            self.stop()

    def step(self) -> None:
        now = self._now()
        self._collect_exits(now, restart=True)
        self._probe(now)
        running = {n for n, o in self.observed.items() if o.pid is not None}
        healthy = {n for n, o in self.observed.items() if o.healthy}
        backing_off = {n for n in self._specs if not self._backoff.ready(n, now)}
        for name in plan_starts(self._order, running, healthy, backing_off):
            self._start(name, now)
        self._phase = cluster_phase([self.observed[s.name] for s in self._order
                                     if s.gates_ready], self._was_running)
        self._was_running = self._was_running or self._phase == state.RUNNING
        self._publish()

    def _start(self, name: str, now: float) -> None:
        spec, obs = self._specs[name], self.observed[name]
        obs.starts += 1
        obs.started_at, obs.started_wall = now, self._wall()
        obs.healthy = False
        path = self._log_file(name)
        again = f" (restart {obs.restarts})" if obs.restarts else ""
        _append(path, f"---- {rfc3339(obs.started_wall)} observe supervisor: starting "
                      f"{name}{again}: {' '.join(spec.argv)}\n")
        try:
            spawned = self._processes.spawn(spec.argv, self._env, path)
        except OSError as e:
            log.error("cannot start %s: %s", name, e)
            _append(path, f"observe supervisor: cannot start {name}: {e}\n")
            self._exited(name, SPAWN_FAILED, now, restart=True)
            return
        obs.pid, obs.create_time = spawned.pid, spawned.create_time
        log.info("started %s%s (pid %d)", name, again, spawned.pid)

    def _collect_exits(self, now: float, restart: bool) -> None:
        by_pid = {o.pid: n for n, o in self.observed.items() if o.pid is not None}
        for pid, code in self._processes.reap():
            name = by_pid.get(pid)
            if name is None:
                log.debug("reaped leftover process %d (%s)", pid, describe_exit(code))
                continue
            self._exited(name, code, now, restart)

    def _exited(self, name: str, code: int, now: float, restart: bool) -> None:
        obs = self.observed[name]
        started = obs.started_at if obs.started_at is not None else now
        obs.pid = obs.create_time = None
        obs.healthy = False
        obs.last_exit_code, obs.last_exit_wall = code, self._wall()
        if not restart:
            log.info("%s stopped (%s)", name, describe_exit(code))
            return
        delay = self._backoff.exited(name, started, now)
        log.warning("%s %s after %.1fs; restarting in %gs", name, describe_exit(code),
                    now - started, delay)

    def _probe(self, now: float) -> None:
        due = [n for n, o in self.observed.items() if o.pid is not None and (
            not o.healthy or o.probed_at is None or now - o.probed_at >= PROBE_PERIOD)]
        if not due:
            return
        results = self._check_health([self._specs[n].health_url for n in due])
        for name in due:
            obs = self.observed[name]
            obs.probed_at = now
            healthy = bool(results.get(self._specs[name].health_url))
            if healthy != obs.healthy:
                log.info("%s is %s", name, "healthy" if healthy else "not healthy")
            obs.healthy = healthy

    # -- stopping -----------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every component, last started first, then the processes they left."""
        self._phase = state.STOPPING
        self._publish()
        for group in self._stop_levels:
            self._stop_group(group)
        self._stop_leftovers()
        self._phase = state.STOPPED
        self._publish()
        log.info("all components stopped")

    def _stop_group(self, names: Sequence[str]) -> None:
        targets = {n: self.observed[n].pid for n in names if self.observed[n].pid is not None}
        for name, pid in targets.items():
            log.info("stopping %s (pid %d)", name, pid)
            self._processes.signal(pid, signal.SIGTERM)
        self._await(lambda: [n for n in targets if self.observed[n].pid is not None],
                    self._grace)
        for name in [n for n in targets if self.observed[n].pid is not None]:
            log.warning("%s did not stop within %gs; killing it", name, self._grace)
            # The whole process group: helpers it started go with it.
            self._processes.signal(-targets[name], signal.SIGKILL)
        self._await(lambda: [n for n in targets if self.observed[n].pid is not None],
                    self._grace)

    def _await(self, remaining: Callable[[], Sequence[object]], timeout: float) -> None:
        deadline = self._now() + timeout
        while True:
            self._collect_exits(self._now(), restart=False)
            if not remaining() or self._now() >= deadline:
                return
            self._sleep(0.05)

    def _stop_leftovers(self) -> None:
        known = {o.pid for o in self.observed.values() if o.pid is not None}
        for _ in range(LEFTOVER_ROUNDS):
            signalled = set(self._processes.leftovers(known))
            if not signalled:
                return
            log.info("stopping %d leftover process(es): %s", len(signalled),
                     " ".join(map(str, sorted(signalled))))
            for pid in signalled:
                self._processes.signal(pid, signal.SIGTERM)

            def remaining(signalled: set[int] = signalled) -> list[int]:
                return [p for p in self._processes.leftovers(known) if p in signalled]

            self._await(remaining, self._grace)
            for pid in remaining():
                self._processes.signal(pid, signal.SIGKILL)
            self._await(remaining, self._grace)

    # -- reporting ----------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The state as ``state.json`` holds it (see :mod:`observe.supervisor.state`)."""
        now = self._now()
        components = {name: self._component_document(name, now) for name in self._specs}
        problems = [f"{n}: {c['message']}" for n, c in components.items() if c["message"]]
        return {**self._header, "version": state.VERSION, "phase": self._phase,
                "message": "; ".join(problems), "components": components}

    def _component_document(self, name: str, now: float) -> dict[str, Any]:
        spec, obs = self._specs[name], self.observed[name]
        status, message = self._status_of(name, now)
        return {
            "url": spec.url, "healthUrl": spec.health_url, "port": spec.port,
            "pid": obs.pid, "createTime": obs.create_time, "healthy": obs.healthy,
            "state": status, "message": message, "restarts": obs.restarts,
            "startedAt": rfc3339(obs.started_wall) if obs.started_wall else None,
            "lastExitCode": obs.last_exit_code,
            "lastExitAt": rfc3339(obs.last_exit_wall) if obs.last_exit_wall else None,
            "log": str(self._log_file(name)), "dependsOn": list(spec.depends_on),
        }

    def _status_of(self, name: str, now: float) -> tuple[str, str]:
        spec, obs = self._specs[name], self.observed[name]
        if self._phase in (state.STOPPING, state.STOPPED) and obs.pid is None:
            return STOPPED, ""
        if obs.pid is not None:
            if obs.healthy:
                return RUNNING, ""
            return STARTING, f"{spec.health_url} does not answer 200 yet"
        restart_at = self._backoff.restart_at(name)
        if restart_at is not None and now < restart_at and obs.last_exit_code is not None:
            return BACKOFF, (f"{describe_exit(obs.last_exit_code)}; back-off "
                             f"{restart_at - now:.0f}s restarting failed component")
        waiting = [d for d in spec.depends_on if not self.observed[d].healthy]
        if waiting:
            return WAITING, f"waiting for {', '.join(waiting)}"
        return WAITING, "about to start"

    def _publish(self) -> None:
        doc = self.document()
        # Back-off countdowns change every step; only a change of substance is written.
        if _without_countdowns(doc) != _without_countdowns(self._published):
            self._publish_to(doc)
        self._published = doc


def _without_countdowns(doc: Mapping[str, Any] | None) -> Any:
    if doc is None:
        return None
    return {**doc, "message": None,
            "components": {n: {**c, "message": c["state"]}
                           for n, c in doc["components"].items()}}


def _append(path: Path, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        log.warning("cannot write %s: %s", path, e)

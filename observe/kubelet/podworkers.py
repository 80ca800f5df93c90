"""Pod workers: one task per pod, as upstream's ``podWorkers``.

Informer handlers, the runtime's relist (PLEG), probe results and timers only
:meth:`PodWorkers.wake` a pod by uid; wake-ups that arrive while the pod is being synced
coalesce into one more sync. Each sync is level-triggered (it re-reads the pod and the
runtime) and returns when it wants to run again: ``None`` (only when woken), a delay in
seconds (back-off ends, a resync), or :data:`DONE` once the pod is gone and cleaned up, which
ends its worker. A sync that raises is logged and retried with back-off, never crashing the
kubelet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class _Done:
    def __repr__(self) -> str:
        return "DONE"


DONE = _Done()
SyncResult = float | None | _Done
RETRY_INITIAL, RETRY_MAX = 1.0, 60.0


@dataclass
class _Worker:
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    timer: asyncio.TimerHandle | None = None
    timer_at: float = 0.0
    failures: int = 0


class PodWorkers:
    def __init__(self, sync: Callable[[str], Awaitable[SyncResult]]) -> None:
        self._sync = sync
        self._workers: dict[str, _Worker] = {}
        self._closed = False

    def __contains__(self, uid: str) -> bool:
        return uid in self._workers

    def uids(self) -> list[str]:
        return list(self._workers)

    def wake(self, uid: str) -> None:
        if self._closed:
            return
        worker = self._workers.get(uid)
        if worker is None:
            worker = self._workers[uid] = _Worker()
            worker.task = asyncio.get_running_loop().create_task(self._run(uid, worker),
                                                                 name=f"pod worker {uid}")
        worker.wake.set()

    def wake_after(self, uid: str, delay: float) -> None:
        """Wake ``uid`` in ``delay`` seconds, unless an earlier wake-up is already due."""
        loop = asyncio.get_running_loop()
        worker = self._workers.get(uid)
        if worker is None:
            self.wake(uid)
            return
        due = loop.time() + max(delay, 0.0)
        if worker.timer is not None and worker.timer_at <= due:
            return
        if worker.timer is not None:
            worker.timer.cancel()
        worker.timer_at = due
        worker.timer = loop.call_at(due, self._timer_fired, uid, worker)

    def _timer_fired(self, uid: str, worker: _Worker) -> None:
        worker.timer = None
        if self._workers.get(uid) is worker:
            worker.wake.set()

    async def _run(self, uid: str, worker: _Worker) -> None:
        try:
            while True:
                await worker.wake.wait()
                worker.wake.clear()
                try:
                    result = await self._sync(uid)
                    worker.failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception:
                    worker.failures += 1
                    result = min(RETRY_INITIAL * 2 ** (worker.failures - 1), RETRY_MAX)
                    log.exception("syncing pod %s failed; retrying in %.0fs", uid, result)
                if result is DONE:
                    if not worker.wake.is_set():
                        return
                    continue  # woken again while finishing: the pod came back
                if isinstance(result, float | int):
                    self.wake_after(uid, float(result))
        finally:
            if worker.timer is not None:
                worker.timer.cancel()
            if self._workers.get(uid) is worker:
                del self._workers[uid]

    async def stop(self) -> None:
        """End every worker (containers keep running: the next kubelet re-adopts them)."""
        self._closed = True
        tasks = [w.task for w in self._workers.values() if w.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def wait_idle(self, uid: str, timeout: float) -> bool:
        """Wait for ``uid``'s worker to end (tests)."""
        worker = self._workers.get(uid)
        if worker is None or worker.task is None:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(worker.task), timeout)
        except TimeoutError:
            return False
        return True

"""Running a shipper in the test's own event loop against the fake bulk endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from observe.logstore.outputs.base import Output
from observe.logstore.outputs.bulk import BulkOutput
from observe.logstore.outputs.fake import FakeBulkTransport
from observe.shipper.config import ShipperConfig
from observe.shipper.metadata import PodIndex
from observe.shipper.shipper import Shipper

FAST = dict(poll_interval=0.02, scan_interval=0.05, rotate_idle=0.2, truncate_grace=0.5,
            metadata_wait=0.0, flush_interval=0.05, multiline_flush=0.2, retry_max=1.0,
            stop_timeout=1.0)


def fast_config(root: Path, **overrides: Any) -> ShipperConfig:
    config = ShipperConfig(root=str(root), node="node-1", state_dir=root / "state",
                           index="logs", dead_letter_index=None, **FAST)
    return replace(config, **overrides)


class RunningShipper:
    def __init__(self, config: ShipperConfig, output: Output | None = None,
                 pods: PodIndex | None = None) -> None:
        self.transport = FakeBulkTransport()
        self.output = output or BulkOutput(self.transport, "fake")
        self.pods = pods or PodIndex()
        self.shipper = Shipper(config, self.output, self.pods)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def documents(self) -> dict[tuple[str, str], dict[str, Any]]:
        return self.transport.documents

    def messages(self) -> list[str]:
        return sorted(d["message"] for d in self.documents.values())

    async def __aenter__(self) -> RunningShipper:
        self._task = asyncio.create_task(self.shipper.run(self._stop))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def crash(self) -> None:
        """Stop as a SIGKILL would: nothing more is sent or saved."""
        shipper = self.shipper

        async def die() -> None:
            for task in shipper.delivery._senders:
                task.cancel()
            shipper.tailer.close()
            shipper.checkpoints.close()

        shipper.close = die  # type: ignore[method-assign]
        await self.stop()

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0,
                    what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self._task is not None and self._task.done():
                self._task.result()
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not reached in {timeout}s; have "
                                     f"{len(self.documents)} documents")
            await asyncio.sleep(0.02)

    async def until_count(self, n: int, timeout: float = 10.0) -> None:
        await self.until(lambda: len(self.documents) >= n, timeout, f"{n} documents")

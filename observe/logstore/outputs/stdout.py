"""Records as JSON lines on a stream (standard output by default), for debugging."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

from observe.logstore.outputs.base import OK, ItemResult
from observe.logstore.record import Record


class StdoutOutput:
    name = "stdout"

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout.buffer

    async def send(self, records: Sequence[Record]) -> list[ItemResult]:
        self.stream.write(b"".join(r.source + b"\n" for r in records))
        self.stream.flush()
        return [OK] * len(records)

    async def close(self) -> None:
        self.stream.flush()

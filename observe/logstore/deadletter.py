"""Dead letters: records the store refused for good (4xx other than 409/429), kept with the
reason instead of being dropped.

Sits beside the delivery loop. :class:`IndexDeadLetters` writes them to a dead-letter index
of the same store — the original document as a string (it may be what the mapping
rejected), the index it was meant for, the status and the reason — under the record's own
id, so a replay cannot duplicate them. Whatever cannot be written there goes to
:class:`FileDeadLetters`, a JSON-lines file in the shipper's state directory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import orjson

from observe.logstore.outputs.base import ItemResult, Output, OutputUnavailable
from observe.logstore.record import Record
from observe.shipper.fields import now_rfc3339

log = logging.getLogger(__name__)

Rejected = Sequence[tuple[Record, ItemResult]]


class DeadLetters(Protocol):
    async def write(self, rejected: Rejected) -> None: ...


def dead_letter_document(record: Record, result: ItemResult) -> bytes:
    return orjson.dumps({
        "@timestamp": now_rfc3339(),
        "event": {"original": record.source.decode("utf-8", "replace")},
        "error": {"code": result.status, "message": result.reason},
        "observe": {"index": record.index, "id": record.id},
    })


class FileDeadLetters:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.count = 0

    async def write(self, rejected: Rejected) -> None:
        if not rejected:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = b"".join(dead_letter_document(r, res) + b"\n" for r, res in rejected)
        with open(self.path, "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        self.count += len(rejected)
        log.warning("%d records written to the dead-letter file %s (first: %s)",
                    len(rejected), self.path, rejected[0][1].reason)


class IndexDeadLetters:
    def __init__(self, output: Output, index: str, fallback: FileDeadLetters) -> None:
        self.output = output
        self.index = index
        self.fallback = fallback

    async def write(self, rejected: Rejected) -> None:
        if not rejected:
            return
        letters = [Record(None, r.start, self.index, r.id, dead_letter_document(r, res))
                   for r, res in rejected]
        try:
            results = await self.output.send(letters)
        except OutputUnavailable:
            results = []
        failed = [pair for pair, res in zip(rejected, results, strict=False) if not res.done]
        failed += list(rejected[len(results):])
        if failed:
            await self.fallback.write(failed)
        log.warning("%d records rejected by the store went to the dead letters (first: %s)",
                    len(rejected), rejected[0][1].reason)

"""An output that accepts everything and keeps nothing, for benchmarks.

It still builds the bulk body, so a benchmark to it measures everything the shipper does
except the network and the store.
"""

from __future__ import annotations

from collections.abc import Sequence

from observe.logstore.outputs.base import OK, ItemResult
from observe.logstore.outputs.bulk import bulk_body
from observe.logstore.record import Record


class NullOutput:
    name = "null"

    def __init__(self, encode: bool = True) -> None:
        self.encode = encode
        self.records = 0
        self.bytes = 0

    async def send(self, records: Sequence[Record]) -> list[ItemResult]:
        if self.encode:
            self.bytes += len(bulk_body(records))
        self.records += len(records)
        return [OK] * len(records)

    async def close(self) -> None:
        return None

"""The output interface and the outcome of sending one record.

An output's :meth:`Output.send` takes a batch and returns one :class:`ItemResult` per
record, in order. It raises :class:`OutputUnavailable` when the whole batch could not be
handed over (connection refused, timeout, 429 or 5xx for the whole request): the delivery
loop then retries the whole batch with back-off, and stops reading meanwhile.

Per-item outcomes follow what Filebeat and Vector do with bulk responses:

- ``delivered`` (2xx) and ``duplicate`` (409 on ``create``: an earlier send got there) are
  both done;
- ``retry`` (429, 5xx, or an item missing from the response) is sent again, alone, with
  back-off and jitter;
- ``rejected`` (any other 4xx: mapping conflicts, bad documents) will never succeed and
  goes to the dead letters with its reason — never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from observe.logstore.record import Record

DELIVERED = "delivered"
DUPLICATE = "duplicate"
RETRY = "retry"
REJECTED = "rejected"
DONE_OUTCOMES = frozenset({DELIVERED, DUPLICATE})


@dataclass(frozen=True, slots=True)
class ItemResult:
    outcome: str
    status: int = 0
    reason: str = ""

    @property
    def done(self) -> bool:
        return self.outcome in DONE_OUTCOMES


OK = ItemResult(DELIVERED, 201)


def outcome_of(status: int) -> str:
    if 200 <= status < 300:
        return DELIVERED
    if status == 409:
        return DUPLICATE
    if status == 429 or status >= 500 or status == 0:
        return RETRY
    return REJECTED


class OutputUnavailable(Exception):
    """The batch as a whole did not get through; try again later."""


class Output(Protocol):
    name: str

    async def send(self, records: Sequence[Record]) -> list[ItemResult]: ...

    async def close(self) -> None: ...

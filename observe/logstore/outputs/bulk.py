"""The ``_bulk`` API as Elasticsearch and OpenSearch both speak it, in our own code.

Sits between the delivery loop and a :class:`BulkTransport` — the only part that differs
between the two stores (client construction and its exceptions; see :mod:`.opensearch`
and :mod:`.elasticsearch`). Every record is a ``create`` with its deterministic ``_id``,
so a resend after a timeout or crash answers 409 instead of writing a duplicate; results
are mapped back to records by position (the API answers in request order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import orjson

from observe.logstore.outputs.base import (
    OK,
    RETRY,
    ItemResult,
    outcome_of,
)
from observe.logstore.record import Record

MISSING_ITEM = ItemResult(RETRY, 0, "no result for this item in the bulk response")


class BulkRequestRejected(Exception):
    """The store refused the whole request with a 4xx other than 429."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


class BulkTransport(Protocol):
    async def bulk(self, body: bytes) -> dict[str, Any]:
        """POST ``/_bulk``; raises OutputUnavailable or BulkRequestRejected."""

    async def close(self) -> None: ...


_action_cache: dict[str, bytes] = {}


def action_prefix(index: str) -> bytes:
    prefix = _action_cache.get(index)
    if prefix is None:
        prefix = b'{"create":{"_index":' + orjson.dumps(index) + b',"_id":"'
        if len(_action_cache) < 10_000:
            _action_cache[index] = prefix
    return prefix


def bulk_body(records: Sequence[Record]) -> bytes:
    parts: list[bytes] = []
    append = parts.append
    for record in records:
        # Ids are made of hex digits and '-' (fields.document_id): no escaping needed.
        append(action_prefix(record.index))
        append(record.id.encode())
        append(b'"}}\n')
        append(record.source)
        append(b"\n")
    return b"".join(parts)


def item_results(response: dict[str, Any], count: int) -> list[ItemResult]:
    items = response.get("items")
    if not isinstance(items, list):
        return [MISSING_ITEM] * count
    if response.get("errors") is False and len(items) == count:
        return [OK] * count
    results = []
    for i in range(count):
        if i >= len(items) or not isinstance(items[i], dict) or not items[i]:
            results.append(MISSING_ITEM)
            continue
        item = next(iter(items[i].values()))
        status = item.get("status", 0) if isinstance(item, dict) else 0
        outcome = outcome_of(status)
        reason = "" if outcome == "delivered" else _reason(item)
        results.append(ItemResult(outcome, status, reason))
    return results


def _reason(item: Any) -> str:
    error = item.get("error") if isinstance(item, dict) else None
    if isinstance(error, dict):
        text = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        caused = error.get("caused_by")
        if isinstance(caused, dict):
            text += f" (caused by {caused.get('type')}: {caused.get('reason')})"
        return text
    return str(error) if error else ""


class BulkOutput:
    """An :class:`~.base.Output` over any bulk transport."""

    def __init__(self, transport: BulkTransport, name: str) -> None:
        self.transport = transport
        self.name = name

    async def send(self, records: Sequence[Record]) -> list[ItemResult]:
        if not records:
            return []
        try:
            response = await self.transport.bulk(bulk_body(records))
        except BulkRequestRejected as e:
            if e.status == 413 and len(records) > 1:  # too large: halve until it fits
                half = len(records) // 2
                return [*await self.send(records[:half]), *await self.send(records[half:])]
            rejected = ItemResult(outcome_of(e.status), e.status, e.reason)
            return [rejected] * len(records)
        return item_results(response, len(records))

    async def close(self) -> None:
        await self.transport.close()

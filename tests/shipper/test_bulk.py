"""The bulk logic against a scripted store: bodies, per-item results, 413 halving."""

from __future__ import annotations

import orjson
import pytest

from observe.logstore.outputs.base import (
    DELIVERED,
    DUPLICATE,
    REJECTED,
    RETRY,
    outcome_of,
)
from observe.logstore.outputs.bulk import BulkOutput, BulkRequestRejected, bulk_body, item_results
from observe.logstore.outputs.fake import FakeBulkTransport
from observe.logstore.record import Record


def records(n, index="logs"):
    return [Record(None, i, index, f"fp-{i:x}", orjson.dumps({"message": f"m{i}"}))
            for i in range(n)]


@pytest.mark.parametrize("status, outcome", [
    (200, DELIVERED), (201, DELIVERED), (409, DUPLICATE), (429, RETRY), (500, RETRY),
    (503, RETRY), (400, REJECTED), (404, REJECTED), (0, RETRY),
])
def test_outcome_of(status, outcome):
    assert outcome_of(status) == outcome


def test_body_is_create_actions_with_the_ids():
    lines = bulk_body(records(2)).split(b"\n")
    assert orjson.loads(lines[0]) == {"create": {"_index": "logs", "_id": "fp-0"}}
    assert orjson.loads(lines[1]) == {"message": "m0"}
    assert lines[-1] == b"" and len(lines) == 5


async def test_mixed_item_statuses_map_back_by_position():
    statuses = [201, 409, 429, 400, 503]
    transport = FakeBulkTransport(lambda call, i, action, doc: statuses[i])
    results = await BulkOutput(transport, "fake").send(records(5))
    assert [r.outcome for r in results] == [DELIVERED, DUPLICATE, RETRY, REJECTED, RETRY]
    assert "mapper_parsing_exception" in results[3].reason
    assert results[2].status == 429


def test_a_short_response_retries_the_missing_items():
    response = {"errors": True, "items": [{"create": {"status": 201}}]}
    results = item_results(response, 3)
    assert [r.outcome for r in results] == [DELIVERED, RETRY, RETRY]


def test_a_response_without_items_retries_everything():
    assert {r.outcome for r in item_results({"error": "x"}, 2)} == {RETRY}


async def test_request_too_large_is_halved_until_it_fits():
    class TooLarge(FakeBulkTransport):
        async def bulk(self, body):
            if body.count(b"\n") > 4:  # more than two records
                self.calls += 1
                raise BulkRequestRejected(413, "request too large")
            return await super().bulk(body)

    transport = TooLarge()
    results = await BulkOutput(transport, "fake").send(records(8))
    assert all(r.outcome == DELIVERED for r in results)
    assert len(transport.documents) == 8


async def test_a_refused_request_rejects_every_item():
    transport = FakeBulkTransport()
    transport.fail_next.append(BulkRequestRejected(400, "bad body"))
    results = await BulkOutput(transport, "fake").send(records(2))
    assert [r.outcome for r in results] == [REJECTED, REJECTED]

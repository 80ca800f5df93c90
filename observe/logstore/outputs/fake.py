"""A scripted ``_bulk`` endpoint: the in-package fake of :class:`~.bulk.BulkTransport`.

Each call parses the NDJSON body like a store would and answers from a script: a function
of (call number, item index, action, document) returning an HTTP status for that item, or
an exception to raise for the whole request. Documents that got 201 are kept by index and
id, and a second ``create`` of the same id answers 409, as the real store does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

ItemScript = Callable[[int, int, dict[str, Any], dict[str, Any]], int]


class FakeBulkTransport:
    def __init__(self, script: ItemScript | None = None) -> None:
        self.script = script
        self.calls = 0
        self.bodies: list[bytes] = []
        self.documents: dict[tuple[str, str], dict[str, Any]] = {}
        self.fail_next: list[Exception] = []
        self.closed = False

    async def bulk(self, body: bytes) -> dict[str, Any]:
        self.calls += 1
        self.bodies.append(body)
        if self.fail_next:
            raise self.fail_next.pop(0)
        lines = body.split(b"\n")
        items = []
        errors = False
        for i in range(0, len(lines) - 1, 2):
            action = orjson.loads(lines[i])["create"]
            doc = orjson.loads(lines[i + 1])
            key = (action["_index"], action["_id"])
            status = self.script(self.calls, i // 2, action, doc) if self.script else 201
            if status == 201 and key in self.documents:
                status = 409
            if status == 201:
                self.documents[key] = doc
            item: dict[str, Any] = {"_index": key[0], "_id": key[1], "status": status}
            if status >= 300:
                errors = True
                item["error"] = {"type": _ERROR_TYPES.get(status, "error"),
                                 "reason": f"scripted {status}"}
            items.append({"create": item})
        return {"took": 1, "errors": errors, "items": items}

    async def close(self) -> None:
        self.closed = True


_ERROR_TYPES = {
    400: "mapper_parsing_exception",
    409: "version_conflict_engine_exception",
    429: "es_rejected_execution_exception",
    500: "internal_server_error",
    503: "unavailable_shards_exception",
}

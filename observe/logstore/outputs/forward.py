"""The Fluentd forward protocol: our own sender, with PackedForward and ``chunk``/``ack``.

``fluent-logger`` only sends Message mode without acknowledgements, which cannot tell a
shipper that a record arrived, so this module speaks the protocol (v1) itself:

- a batch is one PackedForward message: ``[tag, bin(msgpack [EventTime, record] ...),
  {"size": n, "chunk": <base64 of 16 random bytes>, "compressed"?: "gzip"}]``;
- the server must answer ``{"ack": <chunk>}``; until it does (or when the connection
  breaks or the ack times out) the batch counts as not delivered and is sent again — a
  duplicate that the receiver can drop by chunk id, and that a store behind it absorbs by
  the record's ``_id``, which travels in the record as ``_id``;
- time is an EventTime (msgpack ext type 0: seconds and nanoseconds, big-endian).

The whole batch is delivered or not: forward has no per-record result.
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import contextlib
import gzip
import os
import struct
import time
from collections.abc import Sequence
from typing import Any

import msgpack
import orjson

from observe.logstore.outputs.base import OK, ItemResult, OutputUnavailable
from observe.logstore.record import Record

DEFAULT_PORT = 24224
DEFAULT_TAG = "observe.logs"
ACK_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0


def event_time(rfc3339: str | None) -> msgpack.ExtType:
    """EventTime of an RFC 3339 timestamp (now if it cannot be read)."""
    seconds, nanos = _split_time(rfc3339)
    return msgpack.ExtType(0, struct.pack(">II", seconds, nanos))


def _split_time(text: str | None) -> tuple[int, int]:
    if text and len(text) >= 20 and text[10] in "Tt":
        try:
            base = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            base = None
        if base is not None:
            rest = text[19:]
            nanos = 0
            if rest.startswith("."):
                digits = ""
                for ch in rest[1:]:
                    if not ch.isdigit():
                        break
                    digits += ch
                rest = rest[1 + len(digits):]
                nanos = int((digits + "000000000")[:9]) if digits else 0
            if len(rest) == 6 and rest[0] in "+-":
                offset = int(rest[1:3]) * 3600 + int(rest[4:6]) * 60
                base -= offset if rest[0] == "+" else -offset
            return base, nanos
    now = time.time_ns()
    return now // 1_000_000_000, now % 1_000_000_000


def pack_entries(records: Sequence[Record]) -> bytes:
    packer = msgpack.Packer(use_bin_type=True)
    parts = []
    for record in records:
        doc: dict[str, Any] = orjson.loads(record.source)
        doc["_id"] = record.id
        doc["_index"] = record.index
        parts.append(packer.pack([event_time(doc.get("@timestamp")), doc]))
    return b"".join(parts)


def forward_message(tag: str, records: Sequence[Record], chunk: str,
                    compress: bool = False) -> bytes:
    entries = pack_entries(records)
    option: dict[str, Any] = {"size": len(records), "chunk": chunk}
    if compress:
        entries = gzip.compress(entries, compresslevel=1)
        option["compressed"] = "gzip"
    return msgpack.packb([tag, entries, option], use_bin_type=True)


def new_chunk_id() -> str:
    return base64.b64encode(os.urandom(16)).decode()


class ForwardOutput:
    name = "forward"

    def __init__(self, host: str, port: int = DEFAULT_PORT, *, tag: str = DEFAULT_TAG,
                 compress: bool = False, ack_timeout: float = ACK_TIMEOUT) -> None:
        self.host = host
        self.port = port
        self.tag = tag
        self.compress = compress
        self.ack_timeout = ack_timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._unpacker = msgpack.Unpacker(raw=False)
        self._lock = asyncio.Lock()

    async def send(self, records: Sequence[Record]) -> list[ItemResult]:
        if not records:
            return []
        chunk = new_chunk_id()
        message = forward_message(self.tag, records, chunk, self.compress)
        # One request at a time per connection: acks are matched to chunks in order.
        async with self._lock:
            try:
                await self._connect()
                assert self._writer is not None
                self._writer.write(message)
                await self._writer.drain()
                await asyncio.wait_for(self._await_ack(chunk), self.ack_timeout)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
                await self._disconnect()
                raise OutputUnavailable(f"forward to {self.host}:{self.port}: "
                                        f"{type(e).__name__}: {e}") from e
        return [OK] * len(records)

    async def _connect(self) -> None:
        if self._writer is not None and not self._writer.is_closing():
            return
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), CONNECT_TIMEOUT)
        self._unpacker = msgpack.Unpacker(raw=False)

    async def _await_ack(self, chunk: str) -> None:
        assert self._reader is not None
        while True:
            for answer in self._unpacker:
                if isinstance(answer, dict) and answer.get("ack") == chunk:
                    return
            data = await self._reader.read(65536)
            if not data:
                raise ConnectionResetError("the server closed the connection before its ack")
            self._unpacker.feed(data)

    async def _disconnect(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def close(self) -> None:
        await self._disconnect()

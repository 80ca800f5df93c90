"""The real clients behind the outputs, against small fake servers: how their answers and
failures become per-item results or "unavailable"; and the forward protocol with acks."""

from __future__ import annotations

import asyncio
import gzip
import struct

import msgpack
import orjson
import pytest
from aiohttp import web

from observe.logstore.opensearch import free_port
from observe.logstore.outputs.base import DELIVERED, DUPLICATE, REJECTED, RETRY, OutputUnavailable
from observe.logstore.outputs.elasticsearch import elasticsearch_output
from observe.logstore.outputs.forward import ForwardOutput, event_time
from observe.logstore.outputs.opensearch import opensearch_output
from observe.logstore.record import Record

RECORDS = [Record(None, i, "logs", f"id-{i}",
                  orjson.dumps({"@timestamp": "2024-01-02T03:04:05.000000007Z",
                                "message": f"m{i}"})) for i in range(4)]
ITEM_STATUSES = [201, 409, 429, 400]


async def start_store(status: int = 200, product: str | None = None):
    seen: list[bytes] = []

    async def bulk(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append(body)
        headers = {"X-Elastic-Product": product} if product else {}
        if status != 200:
            return web.json_response({"error": {"type": "x", "reason": "whole request"},
                                      "status": status}, status=status, headers=headers)
        items = [{"create": {"status": s, **({"error": {"type": "t", "reason": f"r{s}"}}
                                             if s >= 300 else {})}}
                 for s in ITEM_STATUSES[:body.count(b"\n") // 2]]
        return web.json_response({"took": 1, "errors": True, "items": items},
                                 headers=headers)

    app = web.Application()
    app.router.add_route("*", "/_bulk", bulk)  # the ES client PUTs, opensearch-py POSTs
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}", seen


OUTPUTS = [
    pytest.param(opensearch_output, None, id="opensearch"),
    pytest.param(elasticsearch_output, "Elasticsearch", id="elasticsearch"),
]


@pytest.mark.parametrize("make, product", OUTPUTS)
async def test_item_results_through_the_real_client(make, product):
    runner, url, seen = await start_store(product=product)
    output = make([url])
    try:
        results = await output.send(RECORDS)
    finally:
        await output.close()
        await runner.cleanup()
    assert [r.outcome for r in results] == [DELIVERED, DUPLICATE, RETRY, REJECTED]
    first_action = orjson.loads(seen[0].split(b"\n")[0])
    assert first_action == {"create": {"_index": "logs", "_id": "id-0"}}


@pytest.mark.parametrize("status, expect", [(503, "unavailable"), (429, "unavailable"),
                                            (400, REJECTED)])
@pytest.mark.parametrize("make, product", OUTPUTS)
async def test_whole_request_failures(make, product, status, expect):
    runner, url, _ = await start_store(status=status, product=product)
    output = make([url])
    try:
        if expect == "unavailable":
            with pytest.raises(OutputUnavailable):
                await output.send(RECORDS)
        else:
            results = await output.send(RECORDS)
            assert {r.outcome for r in results} == {expect}
            assert results[0].status == status
    finally:
        await output.close()
        await runner.cleanup()


@pytest.mark.parametrize("make", [opensearch_output, elasticsearch_output])
async def test_nothing_listening_is_unavailable(make):
    output = make([f"http://127.0.0.1:{free_port()}"])
    try:
        with pytest.raises(OutputUnavailable):
            await output.send(RECORDS)
    finally:
        await output.close()


class FakeFluentd:
    """A forward-protocol server: decodes PackedForward, answers acks (unless told not to)."""

    def __init__(self, ack: bool = True) -> None:
        self.ack = ack
        self.messages: list[list] = []
        self.server: asyncio.Server | None = None
        self.port = free_port()

    async def __aenter__(self) -> FakeFluentd:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _client(self, reader, writer) -> None:
        unpacker = msgpack.Unpacker(raw=False)
        while data := await reader.read(65536):
            unpacker.feed(data)
            for message in unpacker:
                self.messages.append(message)
                if self.ack:
                    writer.write(msgpack.packb({"ack": message[2]["chunk"]}))
                    await writer.drain()
        writer.close()


def _unpack(entries: bytes) -> list:
    unpacker = msgpack.Unpacker(raw=False, ext_hook=lambda code, data: (code, data))
    unpacker.feed(entries)
    return list(unpacker)


@pytest.mark.parametrize("compress", [False, True])
async def test_forward_sends_packed_forward_and_waits_for_the_ack(compress):
    async with FakeFluentd() as server:
        output = ForwardOutput("127.0.0.1", server.port, tag="k8s", compress=compress)
        results = await output.send(RECORDS)
        results += await output.send(RECORDS[:1])  # the connection is reused
        await output.close()
    assert len(results) == 5 and all(r.outcome == DELIVERED for r in results)
    tag, _, option = server.messages[0]
    assert tag == "k8s" and option["size"] == 4
    assert option.get("compressed") == ("gzip" if compress else None)
    events = _unpack(gzip.decompress(server.messages[0][1]) if compress
                     else server.messages[0][1])
    (code, data), record = events[0]
    assert code == 0 and struct.unpack(">II", data)[1] == 7
    assert record["message"] == "m0" and record["_id"] == "id-0"


async def test_forward_without_an_ack_is_unavailable():
    async with FakeFluentd(ack=False) as server:
        output = ForwardOutput("127.0.0.1", server.port, ack_timeout=0.3)
        with pytest.raises(OutputUnavailable, match="Timeout"):
            await output.send(RECORDS)
        await output.close()


async def test_forward_to_nobody_is_unavailable():
    output = ForwardOutput("127.0.0.1", free_port())
    with pytest.raises(OutputUnavailable):
        await output.send(RECORDS)


@pytest.mark.parametrize("text, seconds, nanos", [
    ("1970-01-01T00:00:01.5Z", 1, 500_000_000),
    ("1970-01-01T01:00:00+01:00", 0, 0),
    ("2024-01-02T03:04:05.000000009Z", 1704164645, 9),
])
def test_event_time(text, seconds, nanos):
    ext = event_time(text)
    assert ext.code == 0 and struct.unpack(">II", ext.data) == (seconds, nanos)

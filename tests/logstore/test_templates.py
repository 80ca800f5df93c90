"""Index templates and retention: pure parts table-driven, then against a real node."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from observe.logstore.outputs.base import OutputUnavailable
from observe.logstore.outputs.bulk import BulkOutput
from observe.logstore.outputs.fake import FakeBulkTransport
from observe.logstore.record import Record
from observe.logstore.templates import (
    COMPONENT_TEMPLATES,
    EVENTS_TEMPLATE,
    LOGS_TEMPLATE,
    StoreAdmin,
    StoreError,
    TemplatedOutput,
    apply_templates,
    delete_expired,
    expired_indices,
)
from tests.shipper.store import request

TODAY = dt.date(2024, 5, 10)


@pytest.mark.parametrize(("names", "days", "want"), [
    (["observe-logs-2024.05.10", "observe-logs-2024.05.03", "observe-logs-2024.05.02"], 7,
     ["observe-logs-2024.05.02"]),
    (["observe-events-2023.12.31", "observe-events-2024.05.09"], 1,
     ["observe-events-2023.12.31"]),
    (["observe-logs-2024.02.30", "observe-logs-old", "other-2020.01.01",
      "observe-deadletter", "observe-logs-2020.01.01-restored"], 1, []),
    ([], 7, []),
])
def test_expired_indices(names, days, want):
    assert expired_indices(names, TODAY, days) == want


def test_every_index_has_no_replicas_so_one_node_is_green():
    settings = COMPONENT_TEMPLATES["observe-settings"]["template"]["settings"]["index"]
    assert settings["number_of_replicas"] == 0
    for template in (LOGS_TEMPLATE, EVENTS_TEMPLATE):
        body = template.body()
        assert "observe-settings" in body["composed_of"]
        assert body["index_patterns"] == [f"{template.prefix}-*"]


class FlakyAdmin:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[str, str]] = []

    async def request(self, method, path, body=None):
        if self.failures:
            self.failures -= 1
            raise StoreError("connection refused")
        self.requests.append((method, path))

    async def close(self):
        pass


async def test_templates_go_in_before_the_first_batch_and_only_once():
    transport = FakeBulkTransport()
    admin = FlakyAdmin(failures=1)
    output = TemplatedOutput(BulkOutput(transport, "fake"), admin)
    records = [Record(None, 0, "observe-logs-2024.05.10", "a-0", b'{"message":"m"}')]
    with pytest.raises(OutputUnavailable):
        await output.send(records)
    assert transport.calls == 0, "nothing may be written before the templates are in"
    assert (await output.send(records))[0].done
    await output.send([Record(None, 1, "observe-logs-2024.05.10", "a-1", b"{}")])
    puts = [path for _, path in admin.requests]
    assert puts == ["/_component_template/observe-settings",
                    "/_component_template/observe-kubernetes",
                    "/_index_template/observe-logs", "/_index_template/observe-events"]


@pytest.mark.slow
async def test_mappings_and_retention_on_a_real_node(opensearch):
    admin = StoreAdmin(opensearch.url)
    try:
        await apply_templates(admin)
        await apply_templates(admin)  # idempotent
        day = f"{2000 + uuid.uuid4().int % 900}.01.01"
        old, kept = f"observe-logs-{day}", "observe-logs-2999.01.01"
        doc = {"@timestamp": "2024-05-10T10:00:00.123456789Z", "message": "Hello World",
               "kubernetes": {"namespace": "shop", "pod": {"name": "web-1"},
                              "labels": {"app": "web", "app_kubernetes_io/name": "web"}}}
        for index in (old, kept):
            request(f"{opensearch.url}/{index}/_doc?refresh=true", "POST", doc)
        mapping = request(f"{opensearch.url}/{old}/_mapping")[old]["mappings"]
        props = mapping["properties"]
        assert props["message"]["type"] == "text"
        assert props["@timestamp"]["type"] == "date_nanos"
        labels = props["kubernetes"]["properties"]["labels"]["properties"]
        assert labels["app"]["type"] == labels["app_kubernetes_io/name"]["type"] == "keyword"
        settings = request(f"{opensearch.url}/{old}/_settings")[old]["settings"]["index"]
        assert settings["number_of_replicas"] == "0"
        health = request(f"{opensearch.url}/_cluster/health/{old}")
        assert health["status"] == "green"
        deleted = await delete_expired(admin, 7, today=dt.date(2999, 1, 2))
        assert old in deleted and kept not in deleted
        remaining = request(f"{opensearch.url}/_cat/indices/observe-logs-*?format=json")
        names = {row["index"] for row in remaining}
        assert old not in names and kept in names
        request(f"{opensearch.url}/{kept}", "DELETE")
    finally:
        await admin.close()

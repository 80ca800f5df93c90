"""The scrape around the collectors: success and duration per collector, and a failing
collector costing only its own families."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData, NodeScrape
from exporters.node.collectors import COLLECTORS, build
from tests.exporters.node.nodefs import families, value


class Fixed:
    def __init__(self, name: str, metric: str) -> None:
        self.name = name
        self.metric = metric

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(self.metric, "fixed", value=1)


class FailsHalfWay:
    name = "broken"

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily("node_broken_first", "yielded before the failure", value=1)
        raise ValueError("unparseable kernel file")


class NothingHere:
    name = "absent"

    def collect(self) -> Iterable[Metric]:
        raise NoData("no such subsystem")


def test_every_collector_reports_success_and_duration():
    ticks = iter(range(100))
    scrape = NodeScrape({"a": Fixed("a", "node_a"), "b": Fixed("b", "node_b")},
                        clock=lambda: float(next(ticks)))
    out = list(scrape.collect())
    assert {"node_a", "node_b"} <= set(families(out))
    for name in ("a", "b"):
        assert value(out, "node_scrape_collector_success", collector=name) == 1
        assert value(out, "node_scrape_collector_duration_seconds", collector=name) == 1.0


@pytest.mark.parametrize("failing", [FailsHalfWay(), NothingHere()],
                         ids=["raises", "no-data"])
def test_failing_collector_is_skipped_and_reported(failing):
    scrape = NodeScrape({"ok": Fixed("ok", "node_ok"), failing.name: failing,
                         "after": Fixed("after", "node_after")})
    out = list(scrape.collect())
    names = set(families(out))
    assert "node_broken_first" not in names, "a failed collector's partial output leaked"
    assert {"node_ok", "node_after"} <= names, "collectors around the failure were lost"
    assert value(out, "node_scrape_collector_success", collector=failing.name) == 0
    assert value(out, "node_scrape_collector_success", collector="ok") == 1


def test_scrape_through_registry_survives_a_failing_collector():
    registry = CollectorRegistry()
    registry.register(NodeScrape({"broken": FailsHalfWay(), "ok": Fixed("ok", "node_ok")}))
    text = generate_latest(registry).decode()
    assert 'node_scrape_collector_success{collector="broken"} 0.0' in text
    assert "node_ok 1.0" in text


def test_build_chooses_collectors_and_rejects_unknown(node):
    assert list(build(node.config, ["cpu", "meminfo", "cpu"])) == ["cpu", "meminfo"]
    assert list(build(node.config)) == list(COLLECTORS)
    with pytest.raises(ValueError, match="nope"):
        build(node.config, ["cpu", "nope"])


def test_every_collector_reports_no_data_on_an_empty_machine(node):
    """With no kernel files at all, no collector may crash the scrape."""
    scrape = NodeScrape(build(node.config))
    out = list(scrape.collect())
    success = {s.labels["collector"]: s.value for m in out for s in m.samples
               if s.name == "node_scrape_collector_success"}
    assert set(success) == set(COLLECTORS)
    # Collectors that need no file still report (uname, time, timex, selinux's "disabled",
    # textfile with no directory configured).
    assert {n for n, ok in success.items() if ok} <= {"uname", "time", "timex", "selinux",
                                                     "textfile"}

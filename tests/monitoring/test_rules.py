"""Copying the rules into a Prometheus' directory, with ``for:`` capped on request."""

from __future__ import annotations

import pytest
import yaml

from observe.monitoring import binaries
from observe.monitoring.rules import alerts, cap_for, load, shipped_rules_dir, write_rules
from tests.monitoring import tools

DOC = {"groups": [{"name": "g", "rules": [
    {"alert": "Slow", "expr": "up == 0", "for": "1h"},
    {"alert": "Quick", "expr": "up == 0", "for": "10s"},
    {"alert": "AtOnce", "expr": "up == 0"},
    {"record": "job:up:sum", "expr": "sum by (job) (up)"},
]}]}


@pytest.mark.parametrize(("maximum", "expected"), [
    (30, {"Slow": "30s", "Quick": "10s", "AtOnce": None}),
    (0, {"Slow": "0s", "Quick": "0s", "AtOnce": None}),
    (7200, {"Slow": "1h", "Quick": "10s", "AtOnce": None}),
    (90, {"Slow": "1m30s", "Quick": "10s", "AtOnce": None}),
])
def test_cap_for_shortens_only_longer_waits(maximum, expected):
    capped = cap_for(DOC, maximum)
    assert {r["alert"]: r.get("for") for r in alerts(capped)} == expected
    assert DOC["groups"][0]["rules"][0]["for"] == "1h", "the input must not change"
    assert capped["groups"][0]["rules"][3] == DOC["groups"][0]["rules"][3]


def test_write_rules_copies_caps_and_drops_stale_files(tmp_path):
    source, destination = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    (source / "a.yaml").write_text(yaml.safe_dump(DOC))
    (source / "notes.txt").write_text("not a rule file")
    destination.mkdir()
    (destination / "old.yaml").write_text(yaml.safe_dump(DOC))

    written = write_rules(source, destination, alert_for=5)

    assert [p.name for p in written] == ["a.yaml"]
    assert sorted(p.name for p in destination.iterdir()) == ["a.yaml"]
    assert {r["alert"]: r.get("for") for r in alerts(load(destination / "a.yaml"))} == {
        "Slow": "5s", "Quick": "5s", "AtOnce": None}


def test_write_rules_without_cap_keeps_the_rules(tmp_path):
    write_rules(shipped_rules_dir(), tmp_path)
    for path in sorted(shipped_rules_dir().glob("*.yaml")):
        assert load(tmp_path / path.name) == load(path)


def test_load_rejects_a_file_that_is_not_rules(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("scrape_configs: []\n")
    with pytest.raises(ValueError, match="not a Prometheus rule file"):
        load(path)


def test_capped_copy_of_the_shipped_rules_still_loads(tmp_path):
    promtool = tools.require(binaries.PROMTOOL)
    written = write_rules(shipped_rules_dir(), tmp_path, alert_for=10)
    tools.assert_ok(tools.run([promtool, "check", "rules", *map(str, written)]))
    assert all(r.get("for") in (None, "0m", "0s", "10s")
               for path in written for r in alerts(load(path)))

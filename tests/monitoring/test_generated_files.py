"""Files generated from observe/monitoring and kept in the tree: the compose stack's
configuration and the Grafana dashboards. They must match their generator and be valid."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from observe.monitoring import binaries, compose, dashboards
from observe.monitoring.rules import shipped_rules_dir, source_root
from tests.monitoring import tools

DASHBOARD_FILES = sorted(dashboards.default_dir().glob("*.json"))


def regenerate_hint(module: str) -> str:
    return f"out of date: run `python -m observe.monitoring.{module}`"


@pytest.mark.parametrize("path", sorted(compose.files(source_root())), ids=lambda p: p.name)
def test_compose_config_matches_its_generator(path):
    assert path.read_text(encoding="utf-8") == compose.files(source_root())[path], (
        f"{path.name} {regenerate_hint('compose')}")


def test_compose_prometheus_config_is_valid_with_the_shipped_rules(tmp_path):
    promtool = tools.require(binaries.PROMTOOL)
    doc = yaml.safe_load((source_root() / "compose/prometheus/prometheus.yml").read_text())
    assert doc["rule_files"] == [f"{compose.RULES_MOUNT}/*.yaml"]
    # What the container sees at the mount point, here: the tree's rule files.
    doc["rule_files"] = [str(shipped_rules_dir() / "*.yaml")]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(doc))
    result = tools.run([promtool, "check", "config", str(path)])
    tools.assert_ok(result)
    assert f"{len(list(shipped_rules_dir().glob('*.yaml')))} rule files found" in result.stdout


def test_compose_alertmanager_config_is_valid():
    amtool = tools.require(binaries.AMTOOL)
    tools.assert_ok(tools.run([amtool, "check-config",
                               str(source_root() / "compose/alertmanager/alertmanager.yml")]))


def test_every_dashboard_is_generated_and_up_to_date():
    assert [p.name for p in DASHBOARD_FILES] == sorted(n for n, _ in dashboards.DASHBOARDS)
    for name, dashboard in dashboards.DASHBOARDS:
        text = (dashboards.default_dir() / name).read_text(encoding="utf-8")
        assert text == dashboards.to_json(dashboard), f"{name} {regenerate_hint('dashboards')}"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_dashboard_has_a_prometheus_datasource_variable_used_by_every_panel(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels = [p for p in doc["panels"] if p["type"] != "row"]
    assert panels
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"
    for var in variables.values():
        if var["type"] == "query":
            assert var["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_dashboard_layout_and_variables_are_consistent(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    cells = set()
    for panel in doc["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps another panel"
                cells.add((x, y))
    declared = {v["name"] for v in doc["templating"]["list"]}
    used = {m for p in doc["panels"] for t in p.get("targets", [])
            for m in re.findall(r"\$(\w+)", t["expr"]) if not m.startswith("__")}
    used |= {m for v in doc["templating"]["list"] if v["type"] == "query"
             for m in re.findall(r"\$(\w+)", v["query"])}
    assert used <= declared, f"undeclared variables: {used - declared}"


def test_dashboard_uids_are_unique():
    uids = [json.loads(p.read_text())["uid"] for p in DASHBOARD_FILES]
    assert len(uids) == len(set(uids))

"""A small model of Grafana dashboards (rows of panels of PromQL queries, template
variables) and its rendering to Grafana's JSON.

:mod:`.dashboards` writes observe's dashboards with it. Every panel and variable queries
the Prometheus chosen in the ``datasource`` variable; panels flow left to right within a
row on Grafana's 24-column grid.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_WIDTH = 24


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"
    """``timeseries``, ``stat`` or ``table``."""
    unit: str = "short"
    description: str = ""
    width: int = 12
    height: int = 8


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    query: str
    """A Grafana ``label_values(<series selector>, <label>)`` query."""


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    variables: tuple[Variable, ...] = field(default_factory=tuple)


def ts(title: str, *queries: Query, unit: str = "short", description: str = "") -> Panel:
    return Panel(title, queries, unit=unit, description=description)


def stat(title: str, expr: str, unit: str = "short", description: str = "") -> Panel:
    return Panel(title, (Query(expr),), kind="stat", unit=unit, description=description,
                 width=4, height=4)


def table(title: str, expr: str, description: str = "") -> Panel:
    return Panel(title, (Query(expr),), kind="table", description=description, width=24)


def q(expr: str, legend: str = "") -> Query:
    return Query(" ".join(expr.split()), legend)


# -- rendering --------------------------------------------------------------------------------

def _variables(variables: Sequence[Variable]) -> list[dict[str, Any]]:
    rendered: list[dict[str, Any]] = [{
        "name": "datasource", "label": "Data source", "type": "datasource",
        "query": "prometheus", "current": {}, "hide": 0, "includeAll": False, "multi": False,
        "options": [], "refresh": 1, "regex": "", "skipUrlSync": False}]
    for var in variables:
        rendered.append({
            "name": var.name, "label": var.label, "type": "query", "datasource": DATASOURCE,
            "definition": var.query, "query": var.query, "refresh": 2, "sort": 1,
            "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "hide": 0,
            "options": [], "regex": "", "skipUrlSync": False})
    return rendered


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    instant = panel.kind in ("stat", "table")
    targets = []
    for index, query in enumerate(panel.queries):
        target: dict[str, Any] = {"refId": chr(ord("A") + index), "datasource": DATASOURCE,
                                  "expr": query.expr, "legendFormat": query.legend,
                                  "range": not instant, "instant": instant}
        if panel.kind == "table":
            target["format"] = "table"
        targets.append(target)
    options: dict[str, Any] = {
        "timeseries": {"legend": {"displayMode": "list", "placement": "bottom",
                                  "showLegend": True},
                       "tooltip": {"mode": "multi", "sort": "desc"}},
        "stat": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                 "colorMode": "value", "graphMode": "none", "textMode": "auto"},
        "table": {"showHeader": True},
    }[panel.kind]
    rendered: dict[str, Any] = {
        "id": panel_id, "type": panel.kind, "title": panel.title,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": options, "targets": targets,
    }
    if panel.kind == "table":
        # Instant table queries carry a Time column nobody needs.
        rendered["transformations"] = [{"id": "organize", "options": {
            "excludeByName": {"Time": True}}}]
    if panel.description:
        rendered["description"] = panel.description
    return rendered


def render(dashboard: Dashboard) -> dict[str, Any]:
    """The Grafana JSON model of ``dashboard``; panels flow left to right in each row."""
    panels: list[dict[str, Any]] = []
    y = 0
    for row in dashboard.rows:
        panels.append({"id": len(panels) + 1, "type": "row", "title": row.title,
                       "collapsed": False, "panels": [],
                       "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y}})
        y += 1
        x, line_height = 0, 0
        for panel in row.panels:
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            panels.append(_panel(panel, len(panels) + 1, x, y))
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return {
        "uid": dashboard.uid, "title": dashboard.title, "description": dashboard.description,
        "tags": ["observe", "kubernetes"], "timezone": "browser", "editable": True,
        "schemaVersion": 39, "version": 1, "graphTooltip": 1,
        "time": {"from": "now-1h", "to": "now"}, "refresh": "30s",
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": _variables(dashboard.variables)},
        "panels": panels,
    }


def to_json(dashboard: Dashboard) -> str:
    return json.dumps(render(dashboard), indent=2, ensure_ascii=False) + "\n"

"""Rendering the dashboard model to Grafana JSON: layout, variables, query shapes."""

from __future__ import annotations

from observe.monitoring.grafana import (
    DATASOURCE,
    Dashboard,
    Row,
    Variable,
    q,
    render,
    stat,
    table,
    ts,
)

BOARD = Dashboard(
    uid="u", title="T", description="d",
    variables=(Variable("node", "Node", 'label_values(up{job="x"}, node)'),),
    rows=(
        Row("one", (stat("s1", "up"), stat("s2", "up"), ts("t1", q("a", "{{x}}"), q("b")),
                    ts("t2", q("c")))),
        Row("two", (table("tab", "up > 0"),)),
    ),
)


def test_panels_flow_left_to_right_and_wrap_within_rows():
    panels = render(BOARD)["panels"]
    got = [(p["type"], p["title"], p["gridPos"]) for p in panels]
    assert got == [
        ("row", "one", {"h": 1, "w": 24, "x": 0, "y": 0}),
        ("stat", "s1", {"h": 4, "w": 4, "x": 0, "y": 1}),
        ("stat", "s2", {"h": 4, "w": 4, "x": 4, "y": 1}),
        ("timeseries", "t1", {"h": 8, "w": 12, "x": 8, "y": 1}),
        ("timeseries", "t2", {"h": 8, "w": 12, "x": 0, "y": 9}),
        ("row", "two", {"h": 1, "w": 24, "x": 0, "y": 17}),
        ("table", "tab", {"h": 8, "w": 24, "x": 0, "y": 18}),
    ]
    assert [p["id"] for p in panels] == list(range(1, 8))


def test_queries_carry_ref_ids_legends_and_the_datasource_variable():
    panels = {p["title"]: p for p in render(BOARD)["panels"]}
    targets = panels["t1"]["targets"]
    assert [(t["refId"], t["expr"], t["legendFormat"]) for t in targets] == [
        ("A", "a", "{{x}}"), ("B", "b", "")]
    assert all(t["datasource"] == DATASOURCE and t["range"] and not t["instant"]
               for t in targets)
    assert panels["s1"]["targets"][0]["instant"] is True
    assert panels["tab"]["targets"][0]["format"] == "table"


def test_datasource_variable_comes_first():
    variables = render(BOARD)["templating"]["list"]
    assert [(v["name"], v["type"]) for v in variables] == [("datasource", "datasource"),
                                                           ("node", "query")]
    assert variables[1]["query"] == 'label_values(up{job="x"}, node)'
    assert variables[1]["includeAll"] and variables[1]["allValue"] == ".*"


def test_q_collapses_the_whitespace_of_multi_line_expressions():
    assert q("sum by (job) (\n    up\n)").expr == "sum by (job) ( up )"

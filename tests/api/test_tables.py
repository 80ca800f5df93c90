"""build_table: the Table shape kubectl reads, row objects, the registry, and AGE format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observe.api.errors import StatusError
from observe.api.tables import Column, Printer, build_table, human_duration

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "cfg", "namespace": "default", "uid": "u-1",
                           "resourceVersion": "42", "labels": {"app": "web"},
                           "creationTimestamp": "2024-05-01T11:59:00Z"},
              "data": {"a": "1"}}


def test_table_shape() -> None:
    table = build_table("", "ConfigMap", [CONFIG_MAP], NOW)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {}
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert set(table["columnDefinitions"][0]) == {"name", "type", "format", "description",
                                                  "priority"}
    assert table["rows"][0]["cells"] == ["cfg", 1, "60s"]


def test_row_object_is_partial_object_metadata_by_default() -> None:
    row = build_table("", "ConfigMap", [CONFIG_MAP], NOW)["rows"][0]
    assert row["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": CONFIG_MAP["metadata"]}
    assert "data" not in row["object"], "only metadata travels with the default"


@pytest.mark.parametrize(("include", "want"), [
    ("Object", CONFIG_MAP),
    ("Metadata", {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                  "metadata": CONFIG_MAP["metadata"]}),
    ("None", None),
])
def test_include_object(include: str, want: dict | None) -> None:
    row = build_table("", "ConfigMap", [CONFIG_MAP], NOW, include_object=include)["rows"][0]
    assert row.get("object") == want
    assert ("object" in row) == (want is not None)


def test_unknown_include_object_is_not_acceptable() -> None:
    with pytest.raises(StatusError) as e:
        build_table("", "ConfigMap", [CONFIG_MAP], NOW, include_object="Everything")
    assert (e.value.code, e.value.reason) == (406, "NotAcceptable")
    assert "Everything" in e.value.message


def test_empty_list_keeps_its_columns() -> None:
    table = build_table("apps", "Deployment", [], NOW)
    assert table["rows"] == []
    assert table["columnDefinitions"][1]["name"] == "Ready"


def test_kind_without_printer_gets_name_and_age() -> None:
    widget = {"metadata": {"name": "w", "creationTimestamp": "2024-04-28T12:00:00Z"}}
    table = build_table("example.com", "Widget", [widget, {"metadata": {"name": "new"}}], NOW)
    assert [(c["name"], c["format"]) for c in table["columnDefinitions"]] == [
        ("Name", "name"), ("Age", "")]
    assert [r["cells"] for r in table["rows"]] == [["w", "3d"], ["new", "<unknown>"]]


def test_rows_keep_object_order() -> None:
    objs = [{**CONFIG_MAP, "metadata": {**CONFIG_MAP["metadata"], "name": n}}
            for n in ("b", "a", "c")]
    assert [r["cells"][0] for r in build_table("", "ConfigMap", objs, NOW)["rows"]] == [
        "b", "a", "c"]


def test_registry_is_a_parameter() -> None:
    printer = Printer((Column("Shout"),), lambda obj, now: [obj["metadata"]["name"].upper()])
    table = build_table("", "ConfigMap", [CONFIG_MAP], NOW, printers={("", "ConfigMap"): printer})
    assert table["rows"][0]["cells"] == ["CFG"]
    assert build_table("", "Pod", [], NOW, printers={})["columnDefinitions"][1]["name"] == "Age"


def test_naive_now_is_taken_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    assert build_table("", "ConfigMap", [CONFIG_MAP], naive)["rows"][0]["cells"][2] == "60s"


MINUTE, HOUR, DAY, YEAR = 60, 3600, 86400, 365 * 86400
DURATIONS = [
    (-3, "<invalid>"), (-2, "<invalid>"), (-1.9, "0s"), (-1, "0s"), (0, "0s"), (0.9, "0s"),
    (59, "59s"), (119.9, "119s"), (120, "2m"), (121, "2m1s"), (9 * MINUTE + 59, "9m59s"),
    (10 * MINUTE, "10m"), (10 * MINUTE + 59, "10m"), (3 * HOUR - 1, "179m"),
    (3 * HOUR, "3h"), (3 * HOUR + MINUTE, "3h1m"), (8 * HOUR - 1, "7h59m"), (8 * HOUR, "8h"),
    (48 * HOUR - 1, "47h"), (2 * DAY, "2d"), (2 * DAY + HOUR, "2d1h"),
    (8 * DAY - 1, "7d23h"), (8 * DAY, "8d"), (2 * YEAR - 1, "729d"), (2 * YEAR, "2y"),
    (2 * YEAR + DAY, "2y1d"), (8 * YEAR - 1, "7y364d"), (8 * YEAR, "8y"),
    (100 * YEAR + 5 * DAY, "100y"),
]


@pytest.mark.parametrize(("seconds", "want"), DURATIONS, ids=[d[1] + f"@{d[0]}"
                                                             for d in DURATIONS])
def test_human_duration(seconds: float, want: str) -> None:
    assert human_duration(seconds) == want


@pytest.mark.parametrize(("created", "want"), [
    ("2024-05-01T11:58:30Z", "90s"),
    ("2024-05-01T11:58:30.500000Z", "89s"),
    ("2024-05-01T13:58:30+02:00", "90s"),
    ("2024-05-01T12:00:01Z", "0s"),
    ("2024-05-01T12:00:05Z", "<invalid>"),
    (None, "<unknown>"),
    ("not a time", "<unknown>"),
], ids=["utc", "fractional", "offset", "clock-skew", "future", "missing", "garbage"])
def test_age_cell(created: str | None, want: str) -> None:
    obj = {"metadata": {"name": "x", "creationTimestamp": created}}
    assert build_table("", "Namespace", [obj], NOW)["rows"][0]["cells"][2] == want


def test_age_moves_with_now() -> None:
    later = NOW + timedelta(days=1)
    assert build_table("", "ConfigMap", [CONFIG_MAP], later)["rows"][0]["cells"][2] == "24h"

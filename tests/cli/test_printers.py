"""Rendering server-side Tables and objects the way kubectl prints them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.cli.encoding import compact_json, indented_json, to_yaml
from observe.cli.printers import (
    OutputError,
    OutputFormat,
    TableOptions,
    as_table,
    metadata_table,
    name_line,
    parse_output,
    render_objects,
    render_table,
)

POD_TABLE = {
    "kind": "Table",
    "apiVersion": "meta.k8s.io/v1",
    "columnDefinitions": [
        {"name": "Name", "type": "string", "format": "name", "priority": 0},
        {"name": "Ready", "type": "string", "format": "", "priority": 0},
        {"name": "Status", "type": "string", "format": "", "priority": 0},
        {"name": "Restarts", "type": "integer", "format": "", "priority": 0},
        {"name": "Age", "type": "string", "format": "", "priority": 0},
        {"name": "IP", "type": "string", "format": "", "priority": 1},
        {"name": "Node", "type": "string", "format": "", "priority": 1},
    ],
    "rows": [
        {"cells": ["web-b810b1b8f3-095af", "2/2", "Running", 0, "10s", "10.42.0.9", "node-1"],
         "object": {"metadata": {"name": "web-b810b1b8f3-095af", "namespace": "default",
                                 "labels": {"app": "web", "pod-template-hash": "b810b1b8f3"}}}},
        {"cells": ["web-b810b1b8f3-8e4d3", "2/2", "Running", 0, "10s", "10.42.0.7", "node-1"],
         "object": {"metadata": {"name": "web-b810b1b8f3-8e4d3", "namespace": "prod"}}},
    ],
}


@pytest.mark.parametrize(
    ("name", "options", "prefix", "want"),
    [
        ("plain: priority 0 columns, upper-cased", TableOptions(), "",
         "NAME                   READY   STATUS    RESTARTS   AGE\n"
         "web-b810b1b8f3-095af   2/2     Running   0          10s\n"
         "web-b810b1b8f3-8e4d3   2/2     Running   0          10s\n"),
        ("wide adds priority columns", TableOptions(wide=True), "",
         "NAME                   READY   STATUS    RESTARTS   AGE   IP          NODE\n"
         "web-b810b1b8f3-095af   2/2     Running   0          10s   10.42.0.9   node-1\n"
         "web-b810b1b8f3-8e4d3   2/2     Running   0          10s   10.42.0.7   node-1\n"),
        ("all namespaces adds NAMESPACE first", TableOptions(namespace_column=True), "",
         "NAMESPACE   NAME                   READY   STATUS    RESTARTS   AGE\n"
         "default     web-b810b1b8f3-095af   2/2     Running   0          10s\n"
         "prod        web-b810b1b8f3-8e4d3   2/2     Running   0          10s\n"),
        ("show labels reads row objects", TableOptions(show_labels=True), "",
         "NAME                   READY   STATUS    RESTARTS   AGE   LABELS\n"
         "web-b810b1b8f3-095af   2/2     Running   0          10s   "
         "app=web,pod-template-hash=b810b1b8f3\n"
         "web-b810b1b8f3-8e4d3   2/2     Running   0          10s   <none>\n"),
        ("label columns", TableOptions(label_columns=("app",)), "",
         "NAME                   READY   STATUS    RESTARTS   AGE   APP\n"
         "web-b810b1b8f3-095af   2/2     Running   0          10s   web\n"
         "web-b810b1b8f3-8e4d3   2/2     Running   0          10s   \n"),
        ("kind prefix on the name column", TableOptions(no_headers=True), "pod",
         "pod/web-b810b1b8f3-095af   2/2   Running   0     10s\n"
         "pod/web-b810b1b8f3-8e4d3   2/2   Running   0     10s\n"),
    ],
)
def test_render_table(name: str, options: TableOptions, prefix: str, want: str) -> None:
    assert render_table(POD_TABLE, options, prefix) == want, name


def test_empty_table_prints_nothing() -> None:
    assert render_table({**POD_TABLE, "rows": []}, TableOptions()) == ""


def test_plain_list_falls_back_to_name_and_age() -> None:
    now = datetime(2026, 1, 1, 0, 1, 0, tzinfo=UTC)
    items = [{"metadata": {"name": "a", "creationTimestamp": "2026-01-01T00:00:50Z"}},
             {"metadata": {"name": "bb", "creationTimestamp": None}}]
    text = render_table(metadata_table(items, now), TableOptions())
    assert text == "NAME   AGE\na      10s\nbb     <unknown>\n"
    assert as_table({"kind": "PodList", "items": items})["rows"][0]["cells"][0] == "a"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("", OutputFormat("table")),
        ("wide", OutputFormat("wide")),
        ("yaml", OutputFormat("yaml")),
        ("jsonpath={.metadata.name}", OutputFormat("jsonpath", "{.metadata.name}")),
    ],
)
def test_parse_output(value: str, want: OutputFormat) -> None:
    assert parse_output(value) == want


@pytest.mark.parametrize("value", ["xml", "jsonpath=", "custom-columns=A:.a"])
def test_parse_output_rejects_unknown(value: str) -> None:
    with pytest.raises(OutputError):
        parse_output(value)


DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web",
                           "annotations": {"deployment.kubernetes.io/revision": "1"}},
              "spec": {"template": {"spec": {"containers": [
                  {"command": ["python3", "-m", "http.server", "8000"], "name": "app"}]}}}}


def test_yaml_is_go_style() -> None:
    assert to_yaml(DEPLOYMENT) == (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  annotations:\n"
        '    deployment.kubernetes.io/revision: "1"\n'
        "  name: web\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "      - command:\n"
        "        - python3\n"
        "        - -m\n"
        "        - http.server\n"
        '        - "8000"\n'
        "        name: app\n")


@pytest.mark.parametrize(
    ("value", "want"),
    [("true", '"true"'), ("null", '"null"'), ("1.5", '"1.5"'), ("", '""'),
     ("2026-11-25T00:02:50Z", '"2026-11-25T00:02:50Z"'), ("web", "web"),
     ('{"a":1}\n', '|\n  {"a":1}')],
)
def test_yaml_quotes_strings_that_would_read_as_other_types(value: str, want: str) -> None:
    assert to_yaml({"k": value}) == f"k: {want}\n"


def test_json_sorts_keys_indents_four_and_escapes_like_go() -> None:
    assert indented_json({"b": "<&>", "a": [1]}) == (
        '{\n    "a": [\n        1\n    ],\n    "b": "\\u003c\\u0026\\u003e"\n}\n')
    assert compact_json({"b": "é", "a": {}}) == '{"a":{},"b":"é"}'


def test_single_object_printed_bare_several_as_list() -> None:
    assert render_objects([DEPLOYMENT], OutputFormat("json"), single=True).startswith(
        '{\n    "apiVersion": "apps/v1"')
    listed = render_objects([DEPLOYMENT], OutputFormat("yaml"), single=False)
    assert listed.startswith("apiVersion: v1\nitems:\n- apiVersion: apps/v1\n")
    assert listed.endswith("kind: List\nmetadata:\n  resourceVersion: \"\"\n")


@pytest.mark.parametrize(
    ("obj", "want"),
    [
        (DEPLOYMENT, "deployment.apps/web"),
        ({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}, "pod/p"),
        ({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}},
         "cronjob.batch/c"),
    ],
)
def test_name_output(obj: dict, want: str) -> None:
    assert name_line(obj) == want
    assert render_objects([obj], OutputFormat("name"), single=True) == want + "\n"

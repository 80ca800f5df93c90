"""--metric-labels-allowlist: parsing, selection, and ksm's label-name sanitizing."""

from __future__ import annotations

import pytest

from exporters.state.allowlist import (
    AllowListError,
    allowed_for,
    parse_allowlist,
    prometheus_labels,
    select,
)


@pytest.mark.parametrize(("text", "parsed"), [
    ("", {}),
    ("pods=[app]", {"pods": ("app",)}),
    ("pods=[app,team], namespaces=[*]", {"pods": ("app", "team"), "namespaces": ("*",)}),
    ("*=[app.kubernetes.io/name]", {"*": ("app.kubernetes.io/name",)}),
    ("pods=[]", {"pods": ()}),
])
def test_flag_parses_per_resource(text: str, parsed: dict) -> None:
    assert parse_allowlist(text) == parsed


@pytest.mark.parametrize("text", ["pods", "pods=app", "pods=[app", "=[x]"])
def test_malformed_flag_is_refused(text: str) -> None:
    with pytest.raises(AllowListError):
        parse_allowlist(text)


def test_wildcard_resource_applies_where_none_is_given() -> None:
    lists = {"pods": ("app",), "*": ("team",)}
    assert allowed_for(lists, "pods") == ("app",)
    assert allowed_for(lists, "nodes") == ("team",)
    assert allowed_for({}, "nodes") == ()


LABELS = {"app": "web", "team": "a", "app.kubernetes.io/name": "web", "tier": "front"}


@pytest.mark.parametrize(("allowed", "chosen"), [
    ((), {}),
    (("app",), {"app": "web"}),
    (("missing",), {}),
    (("*",), LABELS),
    (("app.kubernetes.io/*", "tier"), {"app.kubernetes.io/name": "web", "tier": "front"}),
])
def test_select_keeps_allowed_keys(allowed: tuple[str, ...], chosen: dict) -> None:
    assert dict(select(LABELS, allowed)) == chosen


@pytest.mark.parametrize(("labels", "expected"), [
    ({"app": "web"}, (("label_app", "web"),)),
    ({"b": "2", "a": "1"}, (("label_a", "1"), ("label_b", "2"))),
    ({"app.kubernetes.io/name": "x"}, (("label_app_kubernetes_io_name", "x"),)),
    ({"camelCase": "x"}, (("label_camel_case", "x"),)),
    ({"a-b": "1", "a.b": "2", "a_b": "3"},
     (("label_a_b_conflict1", "1"), ("label_a_b_conflict2", "2"),
      ("label_a_b_conflict3", "3"))),
])
def test_label_names_are_sanitized_like_ksm(labels: dict, expected: tuple) -> None:
    assert prometheus_labels("label", labels) == expected

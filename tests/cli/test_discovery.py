"""Resolving resource words from the server's discovery documents, as kubectl does."""

from __future__ import annotations

import pytest

from observe.cli.discovery import Discovery, parse_resource_list
from observe.cli.errors import CliError
from observe.cli.resources import parse_targets
from tests.cli.scripted import ScriptedApi, api_error


@pytest.fixture
def discovery() -> Discovery:
    api = ScriptedApi().serve_discovery()
    # A second group that also serves "events": the core group must win for the bare word.
    api.answers[("GET", "/apis")][0]["groups"].append(
        {"name": "events.k8s.io", "versions": [{"groupVersion": "events.k8s.io/v1",
                                                "version": "v1"}],
         "preferredVersion": {"groupVersion": "events.k8s.io/v1", "version": "v1"}})
    api.on("GET", "/apis/events.k8s.io/v1", {
        "groupVersion": "events.k8s.io/v1",
        "resources": [{"name": "events", "kind": "Event", "namespaced": True,
                       "verbs": ["list"], "shortNames": ["ev"]}]})
    return Discovery(api)


@pytest.mark.parametrize(
    ("word", "group", "plural"),
    [
        ("pods", "", "pods"), ("pod", "", "pods"), ("po", "", "pods"), ("Pod", "", "pods"),
        ("deploy", "apps", "deployments"), ("Deployment", "apps", "deployments"),
        ("deployments.apps", "apps", "deployments"),
        ("deployments.v1.apps", "apps", "deployments"),
        ("services.core", "", "services"),
        ("events", "", "events"), ("ev", "", "events"),
        ("events.events.k8s.io", "events.k8s.io", "events"),
        ("leases.coordination.k8s.io", "coordination.k8s.io", "leases"),
        ("hpa", "autoscaling", "horizontalpodautoscalers"),
    ],
)
def test_resolve(discovery: Discovery, word: str, group: str, plural: str) -> None:
    resource = discovery.resolve(word)
    assert (resource.group, resource.plural) == (group, plural)


@pytest.mark.parametrize("word", ["nosuch", "deployments.batch", "pods.v2.core"])
def test_unknown_words(discovery: Discovery, word: str) -> None:
    with pytest.raises(CliError, match=f'the server doesn\'t have a resource type "{word}"'):
        discovery.resolve(word)


def test_subresources_are_attached_not_listed(discovery: Discovery) -> None:
    deployments = discovery.resolve("deploy")
    assert deployments.subresource("scale") is not None
    assert all("/" not in s.resource.plural for s in discovery.served)


def test_category_all(discovery: Discovery) -> None:
    names = [r.plural for r in discovery.category("all")]
    assert names[:3] == ["pods", "services", "deployments"]
    assert "configmaps" not in names


def test_targets_forms(discovery: Discovery) -> None:
    several = parse_targets(["po,svc", "web"], discovery)
    assert [(t.resource.plural, t.names) for t in several.items] == [
        ("pods", ["web"]), ("services", ["web"])]
    assert several.several_types
    slash = parse_targets(["po/a", "deploy/b", "po/c"], discovery)
    assert [(t.resource.plural, t.names) for t in slash.items] == [
        ("pods", ["a", "c"]), ("deployments", ["b"])]
    assert parse_targets(["all"], discovery).category


def test_falls_back_to_the_builtin_registry_without_discovery() -> None:
    api = ScriptedApi()
    api.on("GET", "/api", api_error(404, "NotFound", "the server could not find the resource"))
    assert Discovery(api).resolve("deploy").plural == "deployments"


def test_a_broken_group_version_does_not_break_the_rest() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", "/apis/batch/v1", api_error(503, "ServiceUnavailable", "down"))
    discovery = Discovery(api)
    assert discovery.resolve("deploy").plural == "deployments"
    assert discovery.find("cronjobs") is None


def test_parse_resource_list_reads_every_field() -> None:
    (served,) = parse_resource_list({
        "groupVersion": "apps/v1",
        "resources": [
            {"name": "deployments", "kind": "Deployment", "namespaced": True,
             "verbs": ["get", "list"], "shortNames": ["deploy"], "categories": ["all"]},
            {"name": "deployments/scale", "kind": "Scale", "group": "autoscaling",
             "version": "v1", "verbs": ["get", "patch"]},
        ]}, preferred=True)
    r = served.resource
    assert (r.group, r.version, r.kind, r.plural, r.namespaced) == (
        "apps", "v1", "Deployment", "deployments", True)
    assert (r.short_names, r.categories, r.verbs) == (("deploy",), ("all",), ("get", "list"))
    assert r.subresource("scale").kind == "Scale"

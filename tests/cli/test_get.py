"""``get``: requests like kubectl's, every output form, several types, errors and -w."""

from __future__ import annotations

import json

import orjson
import pytest

from observe.cli.printers import TABLE_ACCEPT
from tests.cli.scripted import ScriptedApi, api_error, run_cli

PODS = "/api/v1/namespaces/default/pods"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
NAME_AGE = [{"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "priority": 0}]


def table(*names: str, columns: list | None = None, rv: str = "5", cont: str = "") -> dict:
    rows = [{"cells": [name, "1s"], "object": {"metadata": {
        "name": name, "namespace": "default", "resourceVersion": rv, "labels": {"app": "web"}}}}
        for name in names]
    meta = {"resourceVersion": rv, **({"continue": cont} if cont else {})}
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": columns or NAME_AGE, "rows": rows}


def pod(name: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default"}, "spec": {}}


def pod_list(*names: str) -> dict:
    return {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "5"},
            "items": [pod(n) for n in names]}


def accepting(table_answer: dict, plain_answer: dict):
    """Answer with a Table or a plain object depending on the request's Accept."""
    return lambda sent: table_answer if sent.accept == TABLE_ACCEPT else plain_answer


@pytest.fixture
def api() -> ScriptedApi:
    return ScriptedApi().serve_discovery()


def test_list_sends_kubectls_request_and_prints_the_table(api: ScriptedApi) -> None:
    api.on("GET", PODS, table("a", "b"))
    result = run_cli(api, "get", "pods", "-l", "app=web,tier!=db", "--field-selector",
                     "status.phase=Running")
    assert result.out == "NAME   AGE\na      1s\nb      1s\n"
    (sent,) = api.requests()
    assert sent.accept == TABLE_ACCEPT
    assert sent.params == {"labelSelector": "app=web,tier!=db",
                           "fieldSelector": "status.phase=Running", "limit": 500}


def test_empty_list_says_so_on_stderr(api: ScriptedApi) -> None:
    api.on("GET", PODS, table())
    result = run_cli(api, "get", "po")
    assert (result.code, result.out, result.err) == (
        0, "", "No resources found in default namespace.\n")
    api.on("GET", "/api/v1/nodes", table())
    assert run_cli(api, "get", "nodes").err == "No resources found\n"
    api.on("GET", "/api/v1/pods", table())
    assert run_cli(api, "get", "pods", "-A").err == "No resources found\n"


def test_pages_are_followed_with_continue(api: ScriptedApi) -> None:
    api.on("GET", PODS, table("a", cont="next"), table("b"))
    result = run_cli(api, "get", "pods", "--chunk-size", "1")
    assert result.out == "NAME   AGE\na      1s\nb      1s\n"
    assert [s.params for s in api.requests()] == [{"limit": 1}, {"limit": 1, "continue": "next"}]


def test_all_namespaces_list_uses_the_cluster_wide_path(api: ScriptedApi) -> None:
    api.on("GET", "/api/v1/pods", table("a"))
    result = run_cli(api, "get", "pods", "-A")
    assert result.out == "NAMESPACE   NAME   AGE\ndefault     a      1s\n"


def test_names_missing_ones_are_reported_and_the_rest_printed(api: ScriptedApi) -> None:
    api.on("GET", f"{PODS}/a", table("a"))
    api.on("GET", f"{PODS}/x", api_error(404, "NotFound", 'pods "x" not found'))
    result = run_cli(api, "get", "pods", "a", "x")
    assert result.code == 1
    assert result.out == "NAME   AGE\na      1s\n"
    assert result.err == 'Error from server (NotFound): pods "x" not found\n'
    ignored = run_cli(api, "get", "pods", "x", "--ignore-not-found")
    assert (ignored.code, ignored.out, ignored.err) == (0, "", "")


def test_several_types_get_kind_prefixes_and_blank_lines_between(api: ScriptedApi) -> None:
    api.on("GET", PODS, table("a"))
    api.on("GET", DEPLOYS, table("web"))
    result = run_cli(api, "get", "pods,deploy")
    assert result.out == ("NAME    AGE\npod/a   1s\n\n"
                          "NAME                  AGE\ndeployment.apps/web   1s\n")


def test_get_all_expands_the_category_and_skips_empty_types(api: ScriptedApi) -> None:
    for path in (PODS, DEPLOYS, "/api/v1/namespaces/default/services",
                 "/apis/apps/v1/namespaces/default/replicasets",
                 "/apis/apps/v1/namespaces/default/statefulsets",
                 "/apis/apps/v1/namespaces/default/daemonsets",
                 "/apis/batch/v1/namespaces/default/jobs",
                 "/apis/batch/v1/namespaces/default/cronjobs",
                 "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"):
        api.on("GET", path, table())
    api.on("GET", DEPLOYS, table("web"))
    result = run_cli(api, "get", "all")
    assert (result.code, result.out) == (0, "NAME                  AGE\ndeployment.apps/web   1s\n")
    listed = {s.path for s in api.requests()}
    assert {PODS, DEPLOYS, "/api/v1/namespaces/default/services"} <= listed


def test_type_slash_name_form(api: ScriptedApi) -> None:
    api.on("GET", f"{DEPLOYS}/web", table("web"))
    api.on("GET", f"{PODS}/a", table("a"))
    assert run_cli(api, "get", "deploy/web").out == "NAME   AGE\nweb    1s\n"
    assert run_cli(api, "get", "deploy/web", "po/a").out == (
        "NAME                  AGE\ndeployment.apps/web   1s\n\nNAME    AGE\npod/a   1s\n")
    mixed = run_cli(api, "get", "deploy", "deploy/web")
    assert mixed.code == 1
    assert "there is no need to specify a resource type as a separate argument" in mixed.err


def test_plain_list_answer_falls_back_to_name_and_age(api: ScriptedApi) -> None:
    api.on("GET", PODS, {"kind": "PodList", "items": [
        {"metadata": {"name": "a", "creationTimestamp": None}}]})
    assert run_cli(api, "get", "pods").out == "NAME   AGE\na      <unknown>\n"


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (["-o", "name"], "pod/a\npod/b\n"),
        (["-o", "jsonpath={.items[*].metadata.name}"], "a b"),
        (["-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}{\"\\n\"}{end}"],
         "Pod/a\nPod/b\n"),
    ],
)
def test_object_outputs_of_a_list(api: ScriptedApi, args: list[str], want: str) -> None:
    api.on("GET", PODS, pod_list("a", "b"))
    result = run_cli(api, "get", "pods", *args)
    assert (result.code, result.out) == (0, want)
    assert api.requests()[0].accept == "application/json"


def test_json_of_a_list_is_a_typed_kubectl_list(api: ScriptedApi) -> None:
    api.on("GET", PODS, pod_list("a"))
    printed = json.loads(run_cli(api, "get", "pods", "-o", "json").out)
    assert printed == {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
                       "items": [{"apiVersion": "v1", "kind": "Pod", **pod("a")}]}


def test_yaml_of_one_named_object_is_the_object(api: ScriptedApi) -> None:
    api.on("GET", f"{PODS}/a", {"apiVersion": "v1", "kind": "Pod", **pod("a")})
    result = run_cli(api, "get", "pod", "a", "-o", "yaml")
    assert result.out.startswith("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n")


def test_empty_json_list_has_no_message(api: ScriptedApi) -> None:
    api.on("GET", PODS, pod_list())
    result = run_cli(api, "get", "pods", "-o", "json")
    assert json.loads(result.out)["items"] == []
    assert result.err == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Required resource not specified."),
        (["nosuch"], 'error: the server doesn\'t have a resource type "nosuch"'),
        (["pods", "-o", "xml"], 'unable to match a printer suitable for the output format "xml"'),
        (["pods,deploy", "-w"], "watch is only supported on individual resources"),
    ],
)
def test_usage_errors(api: ScriptedApi, args: list[str], message: str) -> None:
    result = run_cli(api, "get", *args)
    assert result.code == 1
    assert message in result.err


def _event(kind: str, obj: dict) -> bytes:
    return orjson.dumps({"type": kind, "object": obj}) + b"\n"


def test_watch_prints_one_header_then_a_row_per_event(api: ScriptedApi) -> None:
    columns = [*NAME_AGE[:1], {"name": "Status", "type": "string", "format": "",
                               "priority": 0}, NAME_AGE[1]]

    def rows(name: str, status: str, rv: str) -> dict:
        t = table(name, columns=columns, rv=rv)
        t["rows"][0]["cells"] = [name, status, "1s"]
        return t

    initial = rows("web-1", "Running", "5")
    api.on("GET", PODS, initial)
    api.stream(PODS, [_event("MODIFIED", rows("web-1", "Terminating", "6")),
                      _event("BOOKMARK", {"kind": "Table", "metadata": {"resourceVersion": "7"}}),
                      _event("DELETED", rows("web-1", "Terminating", "8"))])
    result = run_cli(api, "--request-timeout", "2s", "get", "pods", "-w")
    assert result.code == 0
    # Rows keep the widths printed so far, widening a column only when a cell needs it.
    assert result.out == ("NAME    STATUS    AGE\n"
                          "web-1   Running   1s\n"
                          "web-1   Terminating   1s\n"
                          "web-1   Terminating   1s\n")
    watch = api.requests()[-1]
    assert watch.params == {"resourceVersion": "5", "watch": "true", "timeoutSeconds": 2}
    assert watch.accept == TABLE_ACCEPT


def test_watch_a_single_name_uses_a_field_selector(api: ScriptedApi) -> None:
    api.on("GET", PODS, pod_list("a"))
    api.stream(PODS, [_event("MODIFIED", {"kind": "Pod", "apiVersion": "v1", **pod("a")})])
    result = run_cli(api, "--request-timeout", "1", "get", "pod", "a", "-w", "-o", "name")
    assert result.out == "pod/a\npod/a\n"
    assert api.requests()[0].params["fieldSelector"] == "metadata.name=a"


def test_watch_error_event_is_reported(api: ScriptedApi) -> None:
    api.on("GET", PODS, table())
    api.stream(PODS, [_event("ERROR", {"kind": "Status", "code": 410, "reason": "Expired",
                                       "message": "too old resource version: 1 (5)"})])
    result = run_cli(api, "get", "pods", "--watch-only")
    assert result.code == 1
    assert result.err == "Error from server (Expired): too old resource version: 1 (5)\n"


def test_objects_from_files_are_grouped_into_one_table_per_type(api: ScriptedApi,
                                                                  tmp_path) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n"
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n---\n"
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    api.on("GET", f"{PODS}/a", table("a"))
    api.on("GET", f"{PODS}/b", table("b"))
    api.on("GET", f"{DEPLOYS}/web", table("web"))
    result = run_cli(api, "get", "-f", str(path))
    assert result.out == ("NAME    AGE\npod/a   1s\npod/b   1s\n\n"
                          "NAME                  AGE\ndeployment.apps/web   1s\n")
    no_headers = run_cli(api, "get", "-f", str(path), "--no-headers")
    assert no_headers.out == "pod/a   1s\npod/b   1s\ndeployment.apps/web   1s\n"

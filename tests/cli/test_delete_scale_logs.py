"""``delete``, ``scale`` and ``logs``: requests like kubectl's and its messages."""

from __future__ import annotations

import pytest

from observe.cli.logs import logging_order
from tests.cli.scripted import ScriptedApi, api_error, run_cli

DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"
GONE = api_error(404, "NotFound", 'deployments.apps "web" not found')


def deployment(name: str = "web", uid: str = "u-1") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default", "uid": uid},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}}}}


@pytest.fixture
def api() -> ScriptedApi:
    return ScriptedApi().serve_discovery()


@pytest.mark.parametrize(
    ("flags", "body", "warning"),
    [
        ([], {"propagationPolicy": "Background"}, ""),
        (["--cascade=foreground"], {"propagationPolicy": "Foreground"}, ""),
        (["--cascade=orphan"], {"propagationPolicy": "Orphan"}, ""),
        (["--cascade=false"], {"propagationPolicy": "Orphan"},
         "warning: --cascade=false is deprecated (boolean value) and can be replaced with "
         "--cascade=orphan.\n"),
        (["--grace-period=5"], {"propagationPolicy": "Background", "gracePeriodSeconds": 5}, ""),
        (["--now"], {"propagationPolicy": "Background", "gracePeriodSeconds": 1}, ""),
    ],
)
def test_delete_body_and_message(api: ScriptedApi, flags: list[str], body: dict,
                                 warning: str) -> None:
    api.on("DELETE", f"{DEPLOYS}/web", deployment())
    api.on("GET", f"{DEPLOYS}/web", GONE)
    result = run_cli(api, "delete", "deployment", "web", *flags)
    assert (result.code, result.out, result.err) == (0, 'deployment.apps "web" deleted\n',
                                                     warning)
    delete = api.requests("DELETE")[0]
    assert delete.body == body
    assert delete.content_type == "application/json"


def test_delete_waits_until_the_object_is_gone(api: ScriptedApi) -> None:
    api.on("DELETE", f"{DEPLOYS}/web", deployment())
    terminating = {**deployment(), "metadata": {**deployment()["metadata"],
                                                "deletionTimestamp": "2026-01-01T00:00:00Z"}}
    api.on("GET", f"{DEPLOYS}/web", terminating, terminating, GONE)
    result = run_cli(api, "delete", "deploy/web")
    assert result.code == 0
    assert [s.method for s in api.requests()] == ["DELETE", "GET", "GET", "GET"]


def test_delete_stops_waiting_when_the_name_belongs_to_a_new_object(api: ScriptedApi) -> None:
    api.on("DELETE", f"{DEPLOYS}/web", deployment(uid="old"))
    api.on("GET", f"{DEPLOYS}/web", deployment(uid="new"))
    assert run_cli(api, "delete", "deploy", "web").code == 0


def test_delete_wait_false_and_timeout(api: ScriptedApi) -> None:
    api.on("DELETE", f"{DEPLOYS}/web", deployment())
    api.on("GET", f"{DEPLOYS}/web", deployment())
    no_wait = run_cli(api, "delete", "deploy", "web", "--wait=false")
    assert no_wait.code == 0
    assert not api.requests("GET")
    timed_out = run_cli(api, "delete", "deploy", "web", "--timeout", "0.3")
    assert timed_out.code == 1
    assert timed_out.err == "error: timed out waiting for the condition on deployments/web\n"


def test_delete_by_selector_lists_then_deletes_each(api: ScriptedApi) -> None:
    api.on("GET", PODS, {"items": [{"metadata": {"name": "a", "namespace": "default"}},
                                   {"metadata": {"name": "b", "namespace": "default"}}]})
    api.on("DELETE", f"{PODS}/a", {"kind": "Status", "status": "Success"})
    api.on("DELETE", f"{PODS}/b", {"kind": "Status", "status": "Success"})
    api.on("GET", f"{PODS}/a", api_error(404, "NotFound", "x"))
    api.on("GET", f"{PODS}/b", api_error(404, "NotFound", "x"))
    result = run_cli(api, "delete", "pods", "-l", "app=web")
    assert result.out == 'pod "a" deleted\npod "b" deleted\n'
    assert api.requests()[0].params["labelSelector"] == "app=web"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "You must provide one or more resources by argument or filename."),
        (["pods"], "resource(s) were provided, but no name was specified"),
        (["deploy", "web", "--cascade=sideways"], 'Invalid cascade value (sideways)'),
    ],
)
def test_delete_usage_errors(api: ScriptedApi, args: list[str], message: str) -> None:
    result = run_cli(api, "delete", *args)
    assert result.code == 1
    assert message in result.err
    assert not api.requests("DELETE")


def test_delete_not_found(api: ScriptedApi) -> None:
    api.on("DELETE", f"{DEPLOYS}/web", GONE)
    result = run_cli(api, "delete", "deploy", "web")
    assert (result.code, result.err) == (
        1, 'Error from server (NotFound): deployments.apps "web" not found\n')
    assert run_cli(api, "delete", "deploy", "web", "--ignore-not-found").code == 0


def test_scale_gets_then_merge_patches_the_scale_subresource(api: ScriptedApi) -> None:
    api.on("GET", f"{DEPLOYS}/web", deployment())
    api.on("PATCH", f"{DEPLOYS}/web/scale", {"kind": "Scale", "spec": {"replicas": 3}})
    result = run_cli(api, "scale", "deployment", "web", "--replicas=3")
    assert (result.code, result.out) == (0, "deployment.apps/web scaled\n")
    get, patch = api.requests()
    assert (get.method, patch.method) == ("GET", "PATCH")
    assert patch.body == {"spec": {"replicas": 3}}
    assert patch.content_type == "application/merge-patch+json"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deploy/web"], 'required flag(s) "replicas" not set'),
        (["deploy/web", "--replicas=-1"], "COUNT must be greater than or equal to 0"),
        (["deploy/web", "--replicas=1", "--current-replicas=5"],
         "Expected replicas to be 5, was 2"),
        (["pods/p", "--replicas=1"], "no scaler has been implemented for pods"),
    ],
)
def test_scale_errors(api: ScriptedApi, args: list[str], message: str) -> None:
    api.on("GET", f"{DEPLOYS}/web", deployment())
    result = run_cli(api, "scale", *args)
    assert result.code == 1
    assert message in result.err
    assert not api.requests("PATCH")


def _pod(name: str, **status: object) -> dict:
    return {"metadata": {"name": name, "namespace": "default",
                         "creationTimestamp": status.pop("created", "2026-01-01T00:00:00Z")},
            "spec": {"nodeName": status.pop("node", "n1"),
                     "containers": [{"name": "app"}, {"name": "sidecar"}]},
            "status": status}


def test_logs_of_a_pod_with_flags(api: ScriptedApi) -> None:
    api.on("GET", f"{PODS}/p", _pod("p"))
    api.on("GET", f"{PODS}/p/log", b"line 1\nline 2\n")
    result = run_cli(api, "logs", "p", "-c", "app", "--tail=2", "--timestamps", "--since=1m",
                     "--previous")
    assert (result.code, result.out, result.err) == (0, "line 1\nline 2\n", "")
    log = api.requests()[-1]
    assert log.params == {"container": "app", "tailLines": 2, "timestamps": "true",
                          "sinceSeconds": 60, "previous": "true"}


def test_logs_defaults_the_container_and_says_so(api: ScriptedApi) -> None:
    api.on("GET", f"{PODS}/p", _pod("p"))
    api.on("GET", f"{PODS}/p/log", b"x\n")
    result = run_cli(api, "logs", "p")
    assert result.err == 'Defaulted container "app" out of: app, sidecar\n'
    assert api.requests()[-1].params == {"container": "app"}


def test_logs_of_a_deployment_picks_the_running_ready_pod(api: ScriptedApi) -> None:
    ready = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    api.on("GET", f"{DEPLOYS}/web", deployment())
    api.on("GET", PODS, {"items": [_pod("pending", phase="Pending"), _pod("ok", **ready),
                                   _pod("unscheduled", node="", phase="Running")]})
    api.on("GET", f"{PODS}/ok/log", b"hello\n")
    result = run_cli(api, "logs", "deploy/web", "-c", "app")
    assert (result.code, result.out) == (0, "hello\n")
    assert result.err == "Found 3 pods, using pod/ok\n"
    assert api.requests()[1].params["labelSelector"] == "app=web"


def test_logs_follow_streams(api: ScriptedApi) -> None:
    api.on("GET", f"{PODS}/p", _pod("p"))
    api.stream(f"{PODS}/p/log", [b"a\n", b"b\n", b"partial"])
    result = run_cli(api, "logs", "-f", "p", "-c", "app")
    assert result.out == "a\nb\npartial\n"
    assert api.sent[-1].params == {"container": "app", "follow": "true"}


def test_logs_of_a_missing_pod(api: ScriptedApi) -> None:
    api.on("GET", f"{PODS}/x", api_error(404, "NotFound", 'pods "x" not found'))
    result = run_cli(api, "logs", "x")
    assert (result.code, result.err) == (
        1, 'error: error from server (NotFound): pods "x" not found in namespace "default"\n')


def test_logging_order_prefers_old_ready_pods_with_restarts() -> None:
    young = _pod("young", phase="Running", created="2026-01-02T00:00:00Z")
    old = _pod("old", phase="Running", created="2026-01-01T00:00:00Z")
    restarted = _pod("restarted", phase="Running", created="2026-01-03T00:00:00Z",
                     containerStatuses=[{"restartCount": 2}])
    ordered = sorted([young, old, restarted], key=logging_order)
    assert [p["metadata"]["name"] for p in ordered] == ["restarted", "old", "young"]


def test_delete_reports_failures_after_what_it_deleted(api: ScriptedApi) -> None:
    api.on("DELETE", f"{PODS}/x", api_error(404, "NotFound", 'pods "x" not found'))
    api.on("DELETE", f"{PODS}/a", {"kind": "Status", "status": "Success"})
    api.on("GET", f"{PODS}/a", api_error(404, "NotFound", 'pods "a" not found'))
    result = run_cli(api, "delete", "pods", "x", "a")
    assert (result.code, result.out, result.err) == (
        1, 'pod "a" deleted\n', 'Error from server (NotFound): pods "x" not found\n')

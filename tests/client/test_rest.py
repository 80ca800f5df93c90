"""The async REST client against a scripted server: the requests it sends, how it reads
answers and streams, and how failures surface."""

from __future__ import annotations

import contextlib

import pytest

from observe.api.registry import default_registry
from observe.client.config import ClientConfig
from observe.client.errors import ApiError, ConnectionFailed
from observe.client.rest import ApiClient, split_lines
from observe.testing import free_port
from tests.client.httpfake import event, json_answer, streamed, text_answer

REGISTRY = default_registry()
PODS = REGISTRY.get("", "pods")
DEPLOYMENTS = REGISTRY.get("apps", "deployments")
CONFIGMAPS = REGISTRY.get("", "configmaps")
NODES = REGISTRY.get("", "nodes")

POD = {"kind": "Pod", "apiVersion": "v1",
       "metadata": {"name": "web", "namespace": "default", "resourceVersion": "7"}}


def _status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


async def test_get_sends_identity_headers_and_returns_the_object(scripted, api):
    scripted.on_json("GET", "/api/v1/namespaces/default/pods/web", POD)

    assert await api.get(PODS, "web", namespace="default") == POD

    sent = scripted.requests[-1]
    assert sent.headers["Authorization"] == "Bearer secret-token"
    assert sent.headers["User-Agent"] == "tests/1.0"
    assert sent.headers["Accept"] == "application/json"
    assert "Content-Type" not in sent.headers, "a GET has no body to describe"


@pytest.mark.parametrize(
    ("kwargs", "want_query"),
    [
        ({}, {}),
        ({"label_selector": "app=web,tier!=db", "field_selector": "spec.nodeName=n1"},
         {"labelSelector": "app=web,tier!=db", "fieldSelector": "spec.nodeName=n1"}),
        ({"limit": 500, "continue_": "tok", "resource_version": "0"},
         {"limit": "500", "continue": "tok", "resourceVersion": "0"}),
        ({"label_selector": "", "continue_": ""}, {}),
    ],
    ids=["bare", "selectors", "paging", "empty-strings-dropped"],
)
async def test_list_query_parameters(scripted, api, kwargs, want_query):
    scripted.on_json("GET", "/api/v1/pods", {"kind": "PodList", "metadata": {}, "items": []})

    await api.list(PODS, **kwargs)

    assert scripted.requests[-1].query == want_query


async def test_list_all_follows_continue_tokens_from_one_snapshot(scripted, api):
    pages = [
        {"kind": "PodList", "metadata": {"resourceVersion": "40", "continue": "p2",
                                         "remainingItemCount": 2}, "items": [{"n": 1}]},
        {"kind": "PodList", "metadata": {"resourceVersion": "40", "continue": "p3"},
         "items": [{"n": 2}]},
        {"kind": "PodList", "metadata": {"resourceVersion": "40"}, "items": [{"n": 3}]},
    ]
    scripted.on_json("GET", "/api/v1/namespaces/ns/pods", *pages)

    result = await api.list_all(PODS, namespace="ns", label_selector="a=b", page_size=1)

    assert [i["n"] for i in result["items"]] == [1, 2, 3]
    assert result["metadata"] == {"resourceVersion": "40"}
    assert [r.query.get("continue") for r in scripted.requests] == [None, "p2", "p3"]
    assert all(r.query["labelSelector"] == "a=b" for r in scripted.requests)
    assert all(r.query["limit"] == "1" for r in scripted.requests)


async def test_list_all_falls_back_to_one_unpaged_list_when_the_snapshot_expires(scripted, api):
    scripted.on("GET", "/api/v1/pods",
                json_answer({"metadata": {"resourceVersion": "5", "continue": "old"},
                             "items": [{"n": 1}]}),
                json_answer(_status(410, "Expired", "continue token too old"), 410),
                json_answer({"metadata": {"resourceVersion": "9"}, "items": [{"n": 1}, {"n": 2}]}))

    result = await api.list_all(PODS)

    assert [i["n"] for i in result["items"]] == [1, 2]
    assert result["metadata"]["resourceVersion"] == "9"
    assert "limit" not in scripted.requests[-1].query


async def test_create_posts_json_to_the_namespace_of_the_body(scripted, api):
    scripted.on_json("POST", "/apis/apps/v1/namespaces/prod/deployments", {"ok": 1}, status=201)
    body = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "prod"}}

    assert await api.create(DEPLOYMENTS, body, dry_run=True, field_manager="observe") == {"ok": 1}

    sent = scripted.requests[-1]
    assert sent.json() == body
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.query == {"dryRun": "All", "fieldManager": "observe"}


async def test_create_on_a_subresource_names_the_object(scripted, api):
    scripted.on_json("POST", "/api/v1/namespaces/default/pods/web/binding", {}, status=201)
    binding = {"kind": "Binding", "metadata": {"name": "web"}, "target": {"name": "n1"}}

    await api.create(PODS, binding, namespace="default", name="web", subresource="binding")

    assert scripted.requests[-1].json() == binding


async def test_replace_puts_to_the_name_in_the_body(scripted, api):
    scripted.on_json("PUT", "/api/v1/namespaces/default/pods/web", POD)

    await api.replace(PODS, POD)

    assert scripted.requests[-1].json() == POD


async def test_replace_without_a_name_is_refused_before_sending(scripted, api):
    with pytest.raises(ValueError, match=r"metadata\.name"):
        await api.replace(PODS, {"metadata": {"namespace": "default"}})
    assert scripted.requests == []


@pytest.mark.parametrize(
    ("patch_type", "patch", "content_type"),
    [
        ("strategic", {"spec": {"replicas": 3}}, "application/strategic-merge-patch+json"),
        ("merge", {"metadata": {"labels": {"a": None}}}, "application/merge-patch+json"),
        ("json", [{"op": "replace", "path": "/spec/replicas", "value": 2}],
         "application/json-patch+json"),
    ],
)
async def test_patch_content_type_follows_the_patch_type(scripted, api, patch_type, patch,
                                                         content_type):
    scripted.on_json("PATCH", "/apis/apps/v1/namespaces/d/deployments/api/scale", {})

    await api.patch(DEPLOYMENTS, "api", patch, namespace="d", patch_type=patch_type,
                    subresource="scale")

    sent = scripted.requests[-1]
    assert sent.headers["Content-Type"] == content_type
    assert sent.json() == patch


async def test_unknown_patch_type_is_refused(api):
    with pytest.raises(ValueError, match="unknown patch_type"):
        await api.patch(PODS, "web", {}, namespace="default", patch_type="apply")


@pytest.mark.parametrize(
    ("kwargs", "want_options"),
    [
        ({}, {}),
        ({"propagation_policy": "Foreground", "grace_period": 0,
          "preconditions": {"uid": "u1", "resourceVersion": "9"}, "dry_run": True},
         {"propagationPolicy": "Foreground", "gracePeriodSeconds": 0,
          "preconditions": {"uid": "u1", "resourceVersion": "9"}, "dryRun": ["All"]}),
    ],
    ids=["defaults", "all-options"],
)
async def test_delete_sends_delete_options(scripted, api, kwargs, want_options):
    scripted.on_json("DELETE", "/api/v1/nodes/n1", {"kind": "Status", "status": "Success"})

    await api.delete(NODES, "n1", **kwargs)

    assert scripted.requests[-1].json() == {"kind": "DeleteOptions", "apiVersion": "v1",
                                            **want_options}


@pytest.mark.parametrize(
    ("answer", "code", "reason", "message", "retryable"),
    [
        (json_answer(_status(404, "NotFound", 'pods "web" not found'), 404),
         404, "NotFound", 'pods "web" not found', False),
        (json_answer(_status(409, "Conflict", "stale"), 409), 409, "Conflict", "stale", False),
        (json_answer(_status(429, "TooManyRequests", "slow down"), 429),
         429, "TooManyRequests", "slow down", True),
        (text_answer("upstream down", 502), 502, "Unknown", "upstream down", True),
        (text_answer("", 503), 503, "ServiceUnavailable",
         "the server responded with the status code 503", True),
        (json_answer({"not": "a status"}, 400), 400, "BadRequest", '{"not":"a status"}', False),
    ],
    ids=["status-404", "status-409", "status-429", "text-502", "empty-503", "json-not-status"],
)
async def test_non_2xx_answers_raise_api_error_with_a_status(scripted, api, answer, code,
                                                            reason, message, retryable):
    scripted.on("GET", "/api/v1/namespaces/default/pods/web", answer)

    with pytest.raises(ApiError) as caught:
        await api.get(PODS, "web", namespace="default")

    error = caught.value
    assert (error.code, error.reason, error.message) == (code, reason, message)
    assert error.status["kind"] == "Status"
    assert error.retryable is retryable


async def test_refused_connection_is_a_retryable_connection_failure(metrics_registry):
    port = free_port()
    async with ApiClient(ClientConfig(server=f"http://127.0.0.1:{port}"),
                         registry=metrics_registry, timeout=5) as client:
        with pytest.raises(ConnectionFailed):
            await client.get(PODS, "web", namespace="default")

    assert metrics_registry.get_sample_value(
        "rest_client_requests_total",
        {"code": "<error>", "method": "GET", "host": f"127.0.0.1:{port}"}) == 1


async def test_metrics_count_requests_by_code_method_and_host(scripted, api, metrics_registry):
    scripted.on_json("GET", "/api/v1/namespaces/default/pods/web", POD)
    scripted.on("DELETE", "/api/v1/namespaces/default/pods/web",
                json_answer(_status(404, "NotFound", "gone"), 404))
    host = scripted.url.removeprefix("http://")

    for _ in range(3):
        await api.get(PODS, "web", namespace="default")
    with contextlib.suppress(ApiError):
        await api.delete(PODS, "web", namespace="default")

    def sample(name, labels):
        return metrics_registry.get_sample_value(name, labels)

    assert sample("rest_client_requests_total",
                  {"code": "200", "method": "GET", "host": host}) == 3
    assert sample("rest_client_requests_total",
                  {"code": "404", "method": "DELETE", "host": host}) == 1
    assert sample("rest_client_request_duration_seconds_count",
                  {"verb": "GET", "host": host}) == 3


async def test_two_clients_share_one_registry(scripted, metrics_registry):
    scripted.on_json("GET", "/version", {"gitVersion": "v1"})
    config = ClientConfig(server=scripted.url)
    async with ApiClient(config, registry=metrics_registry) as a, \
            ApiClient(config, registry=metrics_registry) as b:
        await a.request("GET", "/version")
        await b.request("GET", "/version")
    assert metrics_registry.get_sample_value(
        "rest_client_requests_total",
        {"code": "200", "method": "GET", "host": scripted.url.removeprefix("http://")}) == 2


async def test_raw_request_passes_params_accept_and_body(scripted, api):
    scripted.on_json("POST", "/apis/custom/thing", {"done": True}, status=202)

    resp = await api.request("POST", "/apis/custom/thing", params={"pretty": True, "x": None},
                             body=b"raw: yaml", content_type="application/yaml",
                             accept="application/json;as=Table")

    assert (resp.status, resp.json()) == (202, {"done": True})
    assert resp.headers["Content-Type"] == "application/json"
    sent = scripted.requests[-1]
    assert sent.query == {"pretty": "true"}
    assert sent.body == b"raw: yaml"
    assert sent.headers["Content-Type"] == "application/yaml"
    assert sent.headers["Accept"] == "application/json;as=Table"


async def test_watch_yields_events_split_across_chunks(scripted, api):
    added = event("ADDED", POD)
    bookmark = event("BOOKMARK", {"kind": "Pod", "metadata": {"resourceVersion": "12"}})
    expired = event("ERROR", _status(410, "Expired", "too old resource version"))
    stream = added + b"\n" + bookmark + expired
    # Cut the bytes at awkward places: mid-object, right after a newline, mid-newline run.
    chunks = [stream[:10], stream[10:len(added)], stream[len(added):len(added) + 1],
              stream[len(added) + 1:-5], stream[-5:]]
    scripted.on("GET", "/api/v1/namespaces/default/pods", streamed(*chunks))

    events = [e async for e in api.watch(PODS, namespace="default", resource_version="6",
                                          timeout_seconds=300, allow_bookmarks=True,
                                          label_selector="app=web")]

    assert [t for t, _ in events] == ["ADDED", "BOOKMARK", "ERROR"]
    assert events[0][1] == POD
    assert events[2][1]["code"] == 410
    assert scripted.requests[-1].query == {
        "watch": "true", "resourceVersion": "6", "timeoutSeconds": "300",
        "allowWatchBookmarks": "true", "labelSelector": "app=web"}


async def test_watch_carries_events_larger_than_the_read_buffer(scripted, api):
    big = {**POD, "data": {"blob": "x" * 300_000}}
    scripted.on("GET", "/api/v1/configmaps", streamed(event("ADDED", big)))

    events = [e async for e in api.watch(CONFIGMAPS)]

    assert events == [("ADDED", big)]


@pytest.mark.parametrize(
    "answer",
    [streamed(event("ADDED", POD), b'{"type": "MODIFIED", "obj', cut=True),
     streamed(event("ADDED", POD), b"this is not json\n"),
     streamed(event("ADDED", POD), b'{"type": "ADDED"}\n')],
    ids=["cut-mid-event", "garbage-line", "event-without-object"],
)
async def test_broken_watch_stream_raises_connection_failed_after_good_events(scripted, api,
                                                                              answer):
    scripted.on("GET", "/api/v1/pods", answer)
    seen = []

    with pytest.raises(ConnectionFailed):
        async for event_type, _ in api.watch(PODS):
            seen.append(event_type)

    assert seen == ["ADDED"]


async def test_watch_that_is_refused_raises_api_error(scripted, api):
    scripted.on("GET", "/api/v1/pods", json_answer(_status(410, "Expired", "too old"), 410))

    with pytest.raises(ApiError) as caught:
        async for _ in api.watch(PODS, resource_version="1"):
            pass
    assert caught.value.gone


async def test_stream_lines_keeps_newlines_and_the_unterminated_tail(scripted, api):
    scripted.on("GET", "/api/v1/namespaces/d/pods/p/log",
                streamed(b"one\ntw", b"o\n\nthr", b"ee"))

    lines = [line async for line in api.stream_lines(
        "GET", "/api/v1/namespaces/d/pods/p/log", params={"follow": True})]

    assert lines == [b"one\n", b"two\n", b"\n", b"three"]
    assert scripted.requests[-1].query == {"follow": "true"}


async def test_closing_a_stream_early_releases_the_connection(scripted, api):
    scripted.on("GET", "/api/v1/pods", streamed(event("ADDED", POD), event("ADDED", POD)))
    scripted.on_json("GET", "/version", {"gitVersion": "v1"})

    stream = api.watch(PODS)
    async with contextlib.aclosing(stream):
        async for _ in stream:
            break

    assert (await api.request("GET", "/version")).json() == {"gitVersion": "v1"}


async def _chunks(*parts: bytes):
    for part in parts:
        yield part


@pytest.mark.parametrize(
    ("parts", "want"),
    [
        ([], []),
        ([b"a\nb\n"], [b"a\n", b"b\n"]),
        ([b"a", b"b", b"\n"], [b"ab\n"]),
        ([b"\n\n"], [b"\n", b"\n"]),
        ([b"tail"], [b"tail"]),
    ],
    ids=["empty", "two-lines", "line-over-chunks", "blank-lines", "no-final-newline"],
)
async def test_split_lines(parts, want):
    assert [line async for line in split_lines(_chunks(*parts))] == want


async def test_error_status_keeps_details(scripted, api):
    invalid = _status(422, "Invalid", 'Pod "web" is invalid')
    invalid["details"] = {"name": "web", "kind": "Pod",
                          "causes": [{"field": "spec.containers", "reason": "FieldValueRequired",
                                      "message": "Required value"}]}
    scripted.on("POST", "/api/v1/namespaces/default/pods", json_answer(invalid, 422))

    with pytest.raises(ApiError) as caught:
        await api.create(PODS, {"metadata": {"name": "web"}}, namespace="default")

    assert caught.value.details["causes"][0]["field"] == "spec.containers"
    assert str(caught.value) == '(Invalid) Pod "web" is invalid'


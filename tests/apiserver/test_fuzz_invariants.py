"""What every answer of the apiserver must look like, whatever a client sends; the harness the
fuzz tests share (one wire-level request, sending it, recording it as a regression case); and
tests that the checker really catches each breach.

    test_fuzz_api.py ──┐ FuzzRequest ─▶ FuzzServer.exchange ─▶ violations(request, reply)
    test_fuzz_regressions.py ┘     (raw HTTP)        (+ new tracebacks in the server log)

The invariants (kube-apiserver's contract with its clients):

* no status ``>= 500``: client input is never an internal error;
* every 4xx body is a ``kind: Status`` with ``status: Failure``, a ``reason``, a ``message``
  and a ``code`` equal to the HTTP status; a 422 carries ``details.causes``;
* every 2xx body is a JSON object with ``apiVersion`` and ``kind`` (a watch: one such event
  per line, ``type`` + ``object``); ``pods/log`` answers text;
* strictly (``strict=True``): the official Python client can read each such object as its
  kind. Go refuses a wrongly typed field while decoding; our per-kind validation does not
  yet type-check every field, so the fuzzers turn this on only when asked
  (``OBSERVE_FUZZ_STRICT=1``), and the regression cases always;
* the server logs no traceback while serving it.
"""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from kubernetes.client import ApiClient

from observe.testing import ApiServerProcess
from tests.api.kind_samples import SAMPLES

_CLIENT = ApiClient()
WATCH_EVENT_TYPES = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"}
# A watch asked for timeoutSeconds=1; anything much slower is a hang.
REQUEST_TIMEOUT = 15.0


def _not_json(word: str) -> Any:
    raise ValueError(f"{word} is not JSON")


@dataclass
class FuzzRequest:
    """One request exactly as it goes on the wire. ``path`` is already percent-encoded;
    ``body`` is raw bytes (None: no body)."""

    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @property
    def target(self) -> str:
        return self.path + (f"?{urlencode(self.query)}" if self.query else "")

    @property
    def is_watch(self) -> bool:
        return any(k == "watch" and v.lower() in ("1", "true") for k, v in self.query)

    def to_json(self) -> dict[str, Any]:
        """The regression-file form: the body as JSON when it is JSON, else text or base64,
        so a case stays readable and replays byte for byte."""
        out: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.query:
            out["query"] = [list(pair) for pair in self.query]
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.body is not None:
            try:
                text = self.body.decode()
            except UnicodeDecodeError:
                out["body_base64"] = base64.b64encode(self.body).decode()
            else:
                try:  # NaN and Infinity stay text: a regression file is standard JSON
                    value = json.loads(text, parse_constant=_not_json)
                except ValueError:
                    out["body_text"] = text
                else:
                    if json.dumps(value) == text:
                        out["body"] = value
                    else:
                        out["body_text"] = text
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], substitutions: dict[str, str] | None = None
                  ) -> FuzzRequest:
        """The inverse of :meth:`to_json`; ``{placeholder}`` texts in the path and the body
        are replaced from ``substitutions`` (a test's own namespace and names)."""
        def sub(text: str) -> str:
            for key, value in (substitutions or {}).items():
                text = text.replace("{" + key + "}", value)
            return text

        body: bytes | None = None
        if "body" in data:
            body = sub(json.dumps(data["body"])).encode()
        elif "body_text" in data:
            body = sub(data["body_text"]).encode()
        elif "body_base64" in data:
            body = base64.b64decode(data["body_base64"])
        return cls(data["method"], sub(data["path"]),
                   [(k, sub(v)) for k, v in data.get("query", [])],
                   dict(data.get("headers", {})), body)


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _status_violations(reply: Reply, doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return [f"{reply.status} body is not a JSON object: {reply.body[:300]!r}"]
    problems = []
    expected = {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "code": reply.status}
    for key, value in expected.items():
        if doc.get(key) != value:
            problems.append(f"{reply.status} Status has {key}={doc.get(key)!r}, want {value!r}")
    for key in ("reason", "message"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            problems.append(f"{reply.status} Status has no {key}: {doc!r:.300}")
    if reply.status == 422:
        causes = (doc.get("details") or {}).get("causes")
        if not isinstance(causes, list) or not causes:
            problems.append(f"422 Status without details.causes: {doc!r:.300}")
        elif not all(isinstance(c, dict) and isinstance(c.get("reason"), str)
                     and isinstance(c.get("message"), str) for c in causes):
            problems.append(f"422 causes without reason/message: {causes!r:.300}")
    return problems


def client_model(api_version: str, kind: str) -> str | None:
    """The official Python client's model for a kind (or its list) we serve."""
    group = api_version.rpartition("/")[0]
    single = kind.removesuffix("List")
    sample = SAMPLES.get((group, single))
    if sample is not None:
        return sample[0] + ("List" if kind != single else "")
    return {("", "Status"): "V1Status", ("autoscaling", "Scale"): "V1Scale"}.get((group, kind))


def _object_violations(what: str, doc: Any, strict: bool) -> list[str]:
    if not isinstance(doc, dict):
        return [f"{what} is not a JSON object: {doc!r:.300}"]
    missing = [k for k in ("apiVersion", "kind") if not isinstance(doc.get(k), str)
               or not doc[k]]
    if missing:
        return [f"{what} has no {k}: {doc!r:.300}" for k in missing]
    model = client_model(doc["apiVersion"], doc["kind"]) if strict else None
    if model is None:  # a Table, a kind the client does not know
        return []
    try:
        _CLIENT.deserialize(json.dumps(doc), model, "application/json")
    except Exception as exc:  # pydantic, ValueError and TypeError alike
        return [f"{what} is a {doc['kind']} the official client cannot read ({model}): "
                f"{str(exc)[:400]}\n{doc!r:.600}"]
    return []


def _watch_violations(reply: Reply, strict: bool) -> list[str]:
    problems = []
    for number, line in enumerate(reply.body.splitlines(), 1):
        if not line.strip():
            continue
        event = _json(line)
        if not isinstance(event, dict) or event.get("type") not in WATCH_EVENT_TYPES:
            problems.append(f"watch line {number} is not an event: {line[:300]!r}")
            continue
        if event["type"] == "ERROR":
            code = (event.get("object") or {}).get("code")
            fake = Reply(code if isinstance(code, int) else 0, "", b"")
            problems += _status_violations(fake, event.get("object"))
        else:
            problems += _object_violations(f"watch {event['type']} object", event.get("object"),
                                           strict)
    return problems


def api_depth(path: str) -> int | None:
    """How many segments follow the group version in an API path (``/api/v1/pods``: 1);
    ``None`` for paths outside ``/api`` and ``/apis`` and for discovery documents."""
    segments = [s for s in path.split("?", 1)[0].split("/") if s]
    if segments[:1] == ["api"] and len(segments) > 2:
        return len(segments) - 2
    if segments[:1] == ["apis"] and len(segments) > 3:
        return len(segments) - 3
    return None


def violations(request: FuzzRequest, reply: Reply, *, strict: bool = False) -> list[str]:
    """Every invariant ``reply`` breaks, in words; ``[]`` when it is a proper answer.
    ``strict`` adds: the official client can read every object answered."""
    if reply.status >= 500:
        return [f"server error {reply.status}: {reply.body[:500]!r}"]
    if request.method == "HEAD":  # answers without a body, whatever the status
        return []
    if reply.status >= 400:
        return _status_violations(reply, _json(reply.body))
    if not 200 <= reply.status < 300:
        return [f"unexpected status {reply.status}"]
    if api_depth(request.path) is None:
        # discovery (/api has a kind but no apiVersion, /version neither), health, metrics
        return []
    if request.path.endswith("/log") and reply.content_type.startswith("text/plain"):
        return []
    if request.is_watch and request.method == "GET":
        return _watch_violations(reply, strict)
    return _object_violations(f"{reply.status} body", _json(reply.body), strict)


def encode_segment(segment: str) -> str:
    """A path segment as a client library sends it: every reserved byte escaped."""
    return quote(segment, safe="")


class FuzzServer:
    """A real apiserver process the fuzzer talks to over raw HTTP, watching its log for
    tracebacks (an exception inside a watch stream never reaches the client as a 500)."""

    def __init__(self, process: ApiServerProcess, record_to: Path | None = None, *,
                 strict: bool = False) -> None:
        self.process = process
        self.strict = strict
        # Exploring: append failing cases here (one JSON line each) instead of failing.
        self.record_to = record_to
        self._log_offset = self._log_size()

    def _log_size(self) -> int:
        path = Path(self.process.log_path)
        return path.stat().st_size if path.exists() else 0

    def new_log(self) -> str:
        path = Path(self.process.log_path)
        with path.open("rb") as log:
            log.seek(self._log_offset)
            data = log.read()
        self._log_offset += len(data)
        return data.decode(errors="replace")

    def send(self, request: FuzzRequest) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.process.port,
                                                timeout=REQUEST_TIMEOUT)
        try:
            headers = {"Accept": "application/json", **request.headers}
            if request.body is not None:
                headers["Content-Length"] = str(len(request.body))
            connection.putrequest(request.method, request.target, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(request.body)
            response = connection.getresponse()
            return Reply(response.status, response.getheader("Content-Type") or "",
                         response.read())
        except TimeoutError as exc:
            raise AssertionError(f"no answer within {REQUEST_TIMEOUT}s to "
                                 f"{request.method} {request.target}") from exc
        finally:
            connection.close()

    def healthy(self) -> bool:
        reply = self.send(FuzzRequest("GET", "/readyz"))
        return reply.status == 200 and reply.body == b"ok"

    def exchange(self, request: FuzzRequest) -> Reply:
        """Send ``request`` and fail, with the case to keep as a regression, if the answer or
        the server log breaks an invariant."""
        reply = self.send(request)
        problems = violations(request, reply, strict=self.strict)
        log = self.new_log()
        if "Traceback" in log:
            problems.append(f"the server logged a traceback:\n{log[-3000:]}")
        if problems:
            case = json.dumps(request.to_json(), ensure_ascii=False)
            if self.record_to is not None:
                with self.record_to.open("a") as out:
                    out.write(json.dumps({"problems": problems, "case": request.to_json()},
                                         ensure_ascii=False) + "\n")
                return reply
            raise AssertionError("\n".join(problems) + f"\nregression case: {case}")
        return reply


# -- the checker's own tests ----------------------------------------------------------------

GET = FuzzRequest("GET", "/api/v1/namespaces/x/pods/p")
WATCH = FuzzRequest("GET", "/api/v1/pods", [("watch", "true"), ("timeoutSeconds", "1")])


def status_body(code: int, **extra: Any) -> bytes:
    doc = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": "nope", "reason": "BadRequest", "code": code, **extra}
    return json.dumps(doc).encode()


CAUSES = {"details": {"causes": [{"reason": "FieldValueRequired", "message": "Required value",
                                  "field": "spec"}]}}


@pytest.mark.parametrize(("name", "request_", "reply", "ok"), [
    ("a proper 404", GET, Reply(404, "application/json", status_body(404)), True),
    ("a 500 Status", GET, Reply(500, "application/json", status_body(500)), False),
    ("a 503 of any kind", GET, Reply(503, "text/plain", b"down"), False),
    ("a 400 in plain text", GET, Reply(400, "text/plain", b"bad"), False),
    ("a Status code that differs from the HTTP status", GET,
     Reply(409, "application/json", status_body(400)), False),
    ("a Status marked Success on a 4xx", GET,
     Reply(400, "application/json", status_body(400, status="Success")), False),
    ("a Status without a reason", GET,
     Reply(400, "application/json", status_body(400, reason="")), False),
    ("a 422 without causes", GET, Reply(422, "application/json", status_body(422)), False),
    ("a 422 with causes", GET, Reply(422, "application/json", status_body(422, **CAUSES)),
     True),
    ("a 200 object", GET, Reply(200, "application/json", b'{"apiVersion":"v1","kind":"Pod"}'),
     True),
    ("a 200 without kind", GET, Reply(200, "application/json", b'{"apiVersion":"v1"}'), False),
    ("a 200 list (JSON array)", GET, Reply(200, "application/json", b"[]"), False),
    ("a watch of events", WATCH, Reply(200, "application/json",
                                       b'{"type":"ADDED","object":{"apiVersion":"v1",'
                                       b'"kind":"Pod"}}\n{"type":"ERROR","object":'
                                       + status_body(410) + b"}\n"), True),
    ("a watch with a broken line", WATCH, Reply(200, "application/json", b"{oops\n"), False),
    ("a watch ERROR that is no Status", WATCH,
     Reply(200, "application/json", b'{"type":"ERROR","object":{"code":410}}\n'), False),
    ("pod logs in text", FuzzRequest("GET", "/api/v1/namespaces/x/pods/p/log"),
     Reply(200, "text/plain", b"hello\n"), True),
    ("the version document", FuzzRequest("GET", "/version"),
     Reply(200, "application/json", b'{"major":"1"}'), True),
    ("a group's resource list", FuzzRequest("GET", "/apis/apps/v1"),
     Reply(200, "application/json", b'{"kind":"APIResourceList"}'), True),
    ("a 500 on a health path", FuzzRequest("GET", "/readyz"),
     Reply(500, "text/plain", b"db gone"), False),
    ("a bodiless HEAD answer", FuzzRequest("HEAD", "/api/v1/pods"),
     Reply(404, "application/json", b""), True),
    ("a typeless object under a group", FuzzRequest("GET", "/apis/apps/v1/deployments"),
     Reply(200, "application/json", b'{"items":[]}'), False),
    ("a list the client reads", FuzzRequest("GET", "/apis/apps/v1/deployments"),
     Reply(200, "application/json",
           b'{"apiVersion":"apps/v1","kind":"DeploymentList","items":[]}'), True),
    ("a node address the client cannot read", FuzzRequest("GET", "/api/v1/nodes/n"),
     Reply(200, "application/json", b'{"apiVersion":"v1","kind":"Node","metadata":{},'
                                    b'"status":{"addresses":[{"address":"1.2.3.4"}]}}'), False),
    ("a watched pod the client cannot read", WATCH,
     Reply(200, "application/json", b'{"type":"ADDED","object":{"apiVersion":"v1",'
                                    b'"kind":"Pod","spec":{"containers":[{}]}}}\n'), False),
])
def test_violations(name, request_, reply, ok):
    found = violations(request_, reply, strict=True)
    assert (found == []) == ok, f"{name}: {found}"


def test_client_readability_is_the_strict_invariant_only():
    unreadable = Reply(200, "application/json", b'{"apiVersion":"v1","kind":"Node",'
                                                b'"status":{"addresses":[{}]}}')
    request = FuzzRequest("GET", "/api/v1/nodes/n")
    assert violations(request, unreadable) == []
    assert violations(request, unreadable, strict=True)


@pytest.mark.parametrize("body", [
    None, b'{"a": [1, "x"]}', b"{not json", b"\xff\xfe\x00", b'{"a":1}', b"[]",
    b'{"a": NaN}', b'{"a": -Infinity}'])
def test_regression_form_replays_the_same_bytes(body):
    request = FuzzRequest("PATCH", "/api/v1/namespaces/x/pods/p%2Fq",
                          [("dryRun", "All")], {"Content-Type": "text/plain"}, body)
    assert FuzzRequest.from_json(json.loads(json.dumps(request.to_json()))) == request


def test_regression_form_substitutes_placeholders():
    data = {"method": "POST", "path": "/api/v1/namespaces/{ns}/pods",
            "query": [["fieldSelector", "metadata.namespace={ns}"]],
            "body": {"metadata": {"name": "p-{uid}"}}}
    request = FuzzRequest.from_json(data, {"ns": "t-1", "uid": "9"})
    assert request.path == "/api/v1/namespaces/t-1/pods"
    assert request.query == [("fieldSelector", "metadata.namespace=t-1")]
    assert json.loads(request.body or b"") == {"metadata": {"name": "p-9"}}

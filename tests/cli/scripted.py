"""A scripted stand-in for :class:`observe.client.sync.SyncClient`, for CLI unit tests.

Each test says what the server answers to ``(method, path)`` and afterwards checks the
requests the verb sent (method, path, query, body, content type, accept), which is how the
recorded kubectl traffic in the reference is compared. Paths without an answer get a 404
``Status`` like an apiserver's. Discovery is served from observe's built-in registry.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from observe.api.errors import resource_not_found
from observe.api.registry import default_registry
from observe.apiserver import discovery
from observe.cli.main import main
from observe.client.config import ClientConfig
from observe.client.errors import ApiError


@dataclass
class Sent:
    method: str
    path: str
    params: dict[str, Any]
    body: Any
    content_type: str | None
    accept: str | None


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)


Answer = Any  # a dict (JSON body), bytes, an ApiError, or a callable(Sent) -> one of those


@dataclass
class ScriptedApi:
    answers: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    streams: dict[str, list[bytes]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer) -> ScriptedApi:
        """Answer ``method path`` with ``answers`` in turn, the last one from then on."""
        self.answers[(method, path)] = list(answers)
        return self

    def stream(self, path: str, lines: list[bytes]) -> ScriptedApi:
        self.streams[path] = lines
        return self

    def serve_discovery(self) -> ScriptedApi:
        registry = default_registry()
        self.on("GET", "/api", discovery.api_versions("127.0.0.1:6443"))
        self.on("GET", "/apis", discovery.api_group_list(registry))
        for group, versions in registry.groups().items():
            for version in versions:
                path = f"/apis/{group}/{version}" if group else f"/api/{version}"
                self.on("GET", path, discovery.resource_list(registry, group, version))
        return self

    def requests(self, method: str | None = None) -> list[Sent]:
        """What the verb sent, discovery left out."""
        return [s for s in self.sent
                if not (s.method == "GET" and _is_discovery(s.path))
                and (method is None or s.method == method)]

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                body: Any = None, content_type: str | None = None, accept: str | None = None,
                timeout: float | None = None) -> Reply:
        sent = Sent(method, path, dict(params or {}), body, content_type, accept)
        self.sent.append(sent)
        queue = self.answers.get((method, path))
        if not queue:
            raise ApiError(resource_not_found().to_status())
        answer = queue[0] if len(queue) == 1 else queue.pop(0)
        if callable(answer):
            answer = answer(sent)
        if isinstance(answer, BaseException):
            raise answer
        content = answer if isinstance(answer, bytes) else orjson.dumps(answer)
        return Reply(200, {}, content)

    def stream_lines(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                     accept: str | None = None) -> Iterator[bytes]:
        self.sent.append(Sent(method, path, dict(params or {}), None, None, accept))
        yield from self.streams.get(path, [])


def _is_discovery(path: str) -> bool:
    parts = path.strip("/").split("/")
    return (path in ("/api", "/apis") or (parts[0] == "api" and len(parts) == 2)
            or (parts[0] == "apis" and len(parts) == 3))


def api_error(code: int, reason: str, message: str) -> ApiError:
    return ApiError({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                     "code": code, "reason": reason, "message": message})


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_cli(api: ScriptedApi, *argv: str, stdin: str = "",
            factory: Callable[[ClientConfig], Any] | None = None) -> Outcome:
    """Run the CLI against ``api`` with no kubeconfig and a fixed server."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["--server", "http://127.0.0.1:6443", *argv], environ={"HOME": "/nonexistent"},
                stdout=out, stderr=err, stdin=io.StringIO(stdin),
                client_factory=factory or (lambda config: api))
    return Outcome(code, out.getvalue(), err.getvalue())

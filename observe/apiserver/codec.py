"""Request bodies in, responses out: media types, JSON/YAML decoding, Status responses.

Go and Python clients send JSON (a missing Content-Type is JSON, as the Python client sends
none on POST); YAML is accepted too, and kubectl 1.32's typed clients send protobuf, which
:mod:`observe.apiserver.protobuf` turns into JSON (:func:`decode_body`). Responses are
always JSON — clients that ask for protobuf accept JSON back (reference §2.2) — and a
client that asks for ``as=Table;g=meta.k8s.io`` gets a server-side Table.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import orjson
import yaml
from aiohttp import web

from observe.api import errors
from observe.apiserver import protobuf

JSON = "application/json"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)

# etcd's default request limit, which kube-apiserver inherits for stored objects.
MAX_OBJECT_BYTES = 1_572_864
# kube-apiserver's limit on a request body.
MAX_BODY_BYTES = 3 * 1024 * 1024


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def wants_table(accept: str | None) -> bool:
    """True when the first acceptable type the client lists is a meta.k8s.io Table."""
    for part in (accept or "").split(","):
        params = {p.split("=", 1)[0].strip(): p.split("=", 1)[-1].strip()
                  for p in part.split(";")[1:] if "=" in p}
        if params.get("as") == "Table" and params.get("g", "meta.k8s.io") == "meta.k8s.io":
            return True
        if part.strip():
            return False
    return False


def table_include_object(query: dict[str, str]) -> str:
    value = query.get("includeObject", "Metadata")
    if value not in ("None", "Metadata", "Object"):
        raise errors.bad_request(f"unsupported includeObject value: {value!r}")
    return value


async def read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise errors.too_large()
    chunks, size = [], 0
    while chunk := await request.content.read(65536):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise errors.too_large()
        chunks.append(chunk)
    return b"".join(chunks)


class _YamlLoader(yaml.SafeLoader):
    """YAML read as kube-apiserver reads it (converted to JSON): an unquoted timestamp stays
    the text it was written as."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return str(key)
    if isinstance(key, datetime.date):
        return json_values(key)
    raise errors.bad_request(f"error decoding YAML: a map key must be a scalar, got {key!r}")


def json_values(value: Any) -> Any:
    """A decoded YAML document as the JSON it stands for: map keys become strings (``1:``
    is ``"1"``), explicit timestamps and ``!!binary`` become text, a ``!!set`` a map of
    nulls; ``.inf`` and ``.nan`` have no JSON form and are refused."""
    if isinstance(value, dict):
        return {_json_key(k): json_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_values(v) for v in value]
    if isinstance(value, set):
        return {_json_key(k): None for k in value}
    if isinstance(value, float) and not math.isfinite(value):
        raise errors.bad_request(f"error decoding YAML: {value} is not a JSON number")
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def decode_object(body: bytes, content_type: str) -> dict[str, Any]:
    """A JSON or YAML object body; anything else is a 400 with the parser's message."""
    kind = media_type(content_type) or JSON
    if not body.strip():
        raise errors.bad_request("the request body is empty; an object is required")
    if kind in YAML_TYPES:
        try:
            data = json_values(yaml.load(body, Loader=_YamlLoader))
        except yaml.YAMLError as exc:
            raise errors.bad_request(f"error decoding YAML: {exc}") from exc
        except RecursionError:  # PyYAML's parser recurses once per nesting level
            raise errors.bad_request("error decoding YAML: the document is nested too "
                                     "deeply") from None
    elif kind in (JSON, "*/*") or kind.endswith("+json"):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise errors.bad_request(f"error decoding JSON: {exc}") from exc
    else:
        raise errors.unsupported_media_type(kind)
    if not isinstance(data, dict):
        raise errors.bad_request(
            f"expected a JSON object in the request body, got {type(data).__name__}")
    return data


async def decode_body(body: bytes, content_type: str,
                      transcoder: protobuf.Transcoder | None) -> dict[str, Any]:
    """An object body in any encoding a client writes: protobuf through ``transcoder``
    (415 when there is none), everything else as :func:`decode_object`."""
    if media_type(content_type) == protobuf.MEDIA_TYPE:
        if transcoder is None:
            raise protobuf.not_built("this server has no protobuf transcoder")
        return await transcoder.to_json(body)
    return decode_object(body, content_type)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type=JSON)


def status_response(exc: errors.StatusError) -> web.Response:
    response = json_response(exc.to_status(), exc.code)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def success_status(name: str, group: str, kind: str, uid: str | None = None) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "group": group, "kind": kind}
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": details}

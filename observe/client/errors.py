"""What the client raises, one level below every caller of the API.

The REST client (:mod:`observe.client.rest`) turns each failed exchange into one of these, so
callers decide by type whether to retry (the informer backs off and re-watches on
:class:`ConnectionFailed`, re-lists on a 410 :class:`ApiError`) or to report and stop::

    ClientError
     ├── ApiError          the server answered non-2xx; carries its ``Status`` dict
     └── ConnectionFailed  no usable answer: refused, reset, timed out, stream cut or garbled;
                           always worth retrying
"""

from __future__ import annotations

from typing import Any

import orjson

# What kube-apiserver (and client-go's NewGenericServerResponse) call a bare HTTP code, for
# the rare answer that is not a Status (a proxy's HTML page, a plain-text 404).
_REASON_BY_CODE = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Gone",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}

# Codes after which the same request may well succeed later.
_RETRYABLE_CODES = frozenset({429, 500, 502, 503, 504})


class ClientError(Exception):
    """Base of everything the client raises for a failed request."""


class ApiError(ClientError):
    """The server answered with a non-2xx code; ``status`` is its ``kind: Status`` body."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        super().__init__(self.message)

    @property
    def code(self) -> int:
        return int(self.status.get("code") or 0)

    @property
    def reason(self) -> str:
        return str(self.status.get("reason") or "")

    @property
    def message(self) -> str:
        return str(self.status.get("message") or "")

    @property
    def details(self) -> dict[str, Any]:
        return self.status.get("details") or {}

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later without changing it."""
        return self.code in _RETRYABLE_CODES

    @property
    def gone(self) -> bool:
        """410: the resourceVersion or continue token is older than the server keeps."""
        return self.code == 410

    def __str__(self) -> str:
        return f"({self.reason or self.code}) {self.message}"

    def __repr__(self) -> str:
        return f"ApiError(code={self.code}, reason={self.reason!r}, message={self.message!r})"


class ConnectionFailed(ClientError):
    """No usable answer from the server; the request may be retried as it is."""


def status_from_response(code: int, body: bytes) -> dict[str, Any]:
    """The ``Status`` a non-2xx answer carries, or one built from the code and body text
    when the answer is not a Status (so :class:`ApiError` always has the same shape)."""
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        parsed.setdefault("code", code)
        return parsed
    text = body.decode("utf-8", "replace").strip()
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": text or f"the server responded with the status code {code}",
        "reason": _REASON_BY_CODE.get(code, "Unknown"),
        "code": code,
    }

"""Kubernetes ``Status`` errors.

Every failure the API reports to a client is a :class:`StatusError`; the apiserver turns it
into a ``kind: Status`` body with the matching HTTP code, exactly as kube-apiserver does, so
kubectl prints ``Error from server (<reason>): <message>``.

    StatusError
     ├── BadRequest        400  malformed body, bad query parameter
     ├── NotFound          404  object or resource type does not exist
     ├── MethodNotAllowed  405  verb not supported on that path
     ├── AlreadyExists     409  create of an existing name
     ├── Conflict          409  stale resourceVersion / failed precondition
     ├── Gone (Expired)    410  watch or continue token older than the compaction window
     ├── RequestTooLarge   413  body over the size limit
     ├── UnsupportedMedia  415  unknown Content-Type for a write or patch
     ├── Invalid           422  schema violation, one cause per field
     └── InternalError     500  a bug: never for client input
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Cause:
    """One entry of ``details.causes``: which field is wrong and why."""

    field: str
    message: str
    reason: str = "FieldValueInvalid"

    def to_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "field": self.field}


@dataclass
class StatusError(Exception):
    """An API error carrying everything a ``metav1.Status`` needs."""

    code: int
    reason: str
    message: str
    name: str | None = None
    group: str | None = None
    kind: str | None = None
    causes: list[Cause] = field(default_factory=list)
    retry_after: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def to_status(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.name is not None:
            details["name"] = self.name
        if self.group is not None:
            details["group"] = self.group
        if self.kind is not None:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after is not None:
            details["retryAfterSeconds"] = self.retry_after
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if details:
            status["details"] = details
        return status


def _qualified(resource: str, group: str) -> str:
    """``deployments.apps``; kubectl prints ``services.core`` style names only for messages
    kube-apiserver builds with the group, and the core group prints as bare ``pods``."""
    return f"{resource}.{group}" if group else resource


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def not_found(resource: str, group: str, name: str) -> StatusError:
    return StatusError(
        404,
        "NotFound",
        f'{_qualified(resource, group)} "{name}" not found',
        name=name,
        group=group,
        kind=resource,
    )


def resource_not_found() -> StatusError:
    return StatusError(404, "NotFound", "the server could not find the requested resource")


def method_not_allowed(message: str) -> StatusError:
    return StatusError(405, "MethodNotAllowed", message)


def already_exists(resource: str, group: str, name: str) -> StatusError:
    return StatusError(
        409,
        "AlreadyExists",
        f'{_qualified(resource, group)} "{name}" already exists',
        name=name,
        group=group,
        kind=resource,
    )


def conflict(resource: str, group: str, name: str, why: str) -> StatusError:
    return StatusError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {why}',
        name=name,
        group=group,
        kind=resource,
    )


def stale_object(resource: str, group: str, name: str) -> StatusError:
    return conflict(
        resource,
        group,
        name,
        "the object has been modified; please apply your changes to the latest version "
        "and try again",
    )


def gone(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def too_large(message: str = "Request entity too large: limit is 3145728") -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", message)


def unsupported_media_type(content_type: str) -> StatusError:
    return StatusError(415, "UnsupportedMediaType", f"the body of the request was in an unknown "
                       f"format - accepted media types include: application/json, "
                       f"application/yaml, application/merge-patch+json, "
                       f"application/strategic-merge-patch+json, application/json-patch+json "
                       f"(got {content_type!r})")


def invalid(kind: str, group: str, name: str, causes: list[Cause]) -> StatusError:
    """422 Invalid, worded like kube-apiserver: ``Deployment.apps "web" is invalid: a, b``."""
    qualified = f"{kind}.{group}" if group else kind
    summary = "; ".join(f"{c.field}: {c.message}" for c in causes) or "invalid object"
    return StatusError(
        422,
        "Invalid",
        f'{qualified} "{name}" is invalid: [{summary}]' if len(causes) > 1
        else f'{qualified} "{name}" is invalid: {summary}',
        name=name,
        group=group,
        kind=kind,
        causes=causes,
    )


# metav1.StatusReason for the codes an HTTP layer produces on its own.
_HTTP_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                 405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict",
                 410: "Gone", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
                 422: "Invalid", 429: "TooManyRequests"}


def from_http_status(code: int, message: str) -> StatusError:
    """A Status for an error the HTTP layer raised rather than the API (an unrouted path or
    method); a 404 reads as kube-apiserver's."""
    if code == 404:
        return resource_not_found()
    reason = _HTTP_REASONS.get(code, "InternalError" if code >= 500 else "BadRequest")
    return StatusError(code, reason, message or reason)


def internal_error(message: str) -> StatusError:
    return StatusError(500, "InternalError", f"Internal error occurred: {message}")

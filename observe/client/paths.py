"""REST paths of the Kubernetes API, built from a :class:`~observe.api.registry.ResourceType`.

The same layout kube-apiserver serves and kubectl requests::

    /api/v1/namespaces/default/pods/web/status      core group
    /apis/apps/v1/namespaces/default/deployments    named group, one namespace
    /apis/apps/v1/deployments                       every namespace
    /api/v1/nodes/n1                                cluster-scoped

Used by :mod:`observe.client.rest`; pure functions, no I/O.
"""

from __future__ import annotations

from urllib.parse import quote

from observe.api.registry import ResourceType


def group_version_path(group: str, version: str) -> str:
    """``/api/v1`` for the core group, ``/apis/<group>/<version>`` otherwise."""
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def resource_path(
    resource_type: ResourceType,
    *,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    """The path of a collection (no ``name``) or of one object or its subresource.

    A namespaced type without ``namespace`` names the collection across all namespaces;
    one object of it always needs its namespace.
    """
    if subresource and not name:
        raise ValueError(f"subresource {subresource!r} needs an object name")
    if resource_type.namespaced and name and not namespace:
        raise ValueError(f"{resource_type.plural} are namespaced: {name!r} needs a namespace")
    parts = [group_version_path(resource_type.group, resource_type.version)]
    if resource_type.namespaced and namespace:
        parts += ["namespaces", _segment(namespace)]
    parts.append(resource_type.plural)
    if name:
        parts.append(_segment(name))
    if subresource:
        parts.append(_segment(subresource))
    return "/".join(parts)


def _segment(value: str) -> str:
    # Names are DNS-like, but a stray "/" or "?" from user input must not change the path.
    if not value:
        raise ValueError("empty path segment")
    return quote(value, safe="")

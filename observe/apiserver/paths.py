"""Kubernetes REST paths → what a request is about.

Resolves ``/api/v1/...`` and ``/apis/<group>/<version>/...`` paths against the registry into
a :class:`Target`: the resource type, namespace, name and subresource. The same shapes as
kube-apiserver's RequestInfoFactory:

    /api/v1/<plural>                                   cluster-scoped or all-namespaces list
    /api/v1/<plural>/<name>[/<subresource>]            cluster-scoped object
    /api/v1/namespaces/<ns>/<plural>                   namespaced collection
    /api/v1/namespaces/<ns>/<plural>/<name>[/<sub>]    namespaced object
"""

from __future__ import annotations

from dataclasses import dataclass

from observe.api import errors
from observe.api.registry import Registry, ResourceType


@dataclass(frozen=True)
class Target:
    resource: ResourceType
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None

    @property
    def is_collection(self) -> bool:
        return self.name is None


def parse(registry: Registry, group: str, version: str, segments: list[str]) -> Target:
    """Resolve the segments after ``/api/v1`` or ``/apis/<g>/<v>``."""
    if not segments:
        raise errors.resource_not_found()
    namespace = None
    if segments[0] == "namespaces" and len(segments) >= 3:
        candidate = registry.get(group, segments[2])
        if candidate is not None and candidate.namespaced and candidate.version == version:
            namespace = segments[1]
            segments = segments[2:]
    resource = registry.get(group, segments[0])
    if resource is None or resource.version != version or len(segments) > 3:
        raise errors.resource_not_found()
    name = segments[1] if len(segments) > 1 else None
    sub = segments[2] if len(segments) > 2 else None
    if resource.namespaced and namespace is None and name is not None:
        raise errors.resource_not_found()
    if name == "":
        raise errors.resource_not_found()
    if sub is not None and resource.subresource(sub) is None:
        raise errors.resource_not_found()
    return Target(resource, namespace, name, sub)

"""Which resource types the server serves, learnt the way kubectl learns it.

``GET /api`` and ``GET /apis`` list the group versions; one ``APIResourceList`` per group
version (``/api/v1``, ``/apis/apps/v1``, ...) names each resource, its kind, scope, verbs,
short names and categories, with subresources as ``pods/log``. The result is a
:class:`~observe.api.registry.Registry` of what *this* server serves, so the CLI works
against any Kubernetes apiserver. Only when the server has no discovery at all does the CLI
fall back to observe's built-in registry.

Words are resolved as kubectl resolves them: plural, singular, kind or short name, optionally
qualified as ``deployments.apps`` or ``deployments.v1.apps``; the preferred version of a
group wins, and the core group comes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from observe.api.registry import Registry, ResourceType, Subresource, default_registry
from observe.cli.errors import CliError
from observe.client.errors import ApiError


@dataclass(frozen=True)
class Served:
    """One discovered resource and whether its version is its group's preferred one."""

    resource: ResourceType
    preferred: bool


def parse_resource_list(body: dict[str, Any], preferred: bool) -> list[Served]:
    """The resources of one ``APIResourceList``, their subresources attached."""
    group, _, version = str(body.get("groupVersion", "")).rpartition("/")
    main: dict[str, dict[str, Any]] = {}
    subs: dict[str, list[Subresource]] = {}
    for entry in body.get("resources") or []:
        name = str(entry.get("name", ""))
        parent, slash, sub = name.partition("/")
        if slash:
            subs.setdefault(parent, []).append(Subresource(
                sub, kind=str(entry.get("kind", "")), group=str(entry.get("group", "")),
                version=str(entry.get("version", "")), verbs=tuple(entry.get("verbs") or ())))
        elif name:
            main[name] = entry
    out = []
    for name, entry in main.items():
        resource = ResourceType(
            group=group,
            version=version,
            kind=str(entry.get("kind", "")),
            plural=name,
            namespaced=bool(entry.get("namespaced")),
            short_names=tuple(entry.get("shortNames") or ()),
            categories=tuple(entry.get("categories") or ()),
            subresources=tuple(subs.get(name, ())),
            verbs=tuple(entry.get("verbs") or ()),
        )
        out.append(Served(resource, preferred))
    return out


class Discovery:
    """Lazy, per-invocation discovery of the server's resource types."""

    def __init__(self, client: Any, fallback: Registry | None = None) -> None:
        self._client = client
        self._fallback = fallback

    def _get(self, path: str) -> dict[str, Any]:
        return self._client.request("GET", path, accept="application/json, */*").json()

    @cached_property
    def served(self) -> list[Served]:
        """Every resource of every group version, core first, in the server's order."""
        try:
            core = self._get("/api")
            groups = self._get("/apis")
        except ApiError as e:
            if e.code not in (404, 405, 406, 501):
                raise
            registry = self._fallback or default_registry()
            return [Served(t, True) for t in registry]
        lists: list[tuple[str, bool]] = [
            (f"/api/{v}", i == 0) for i, v in enumerate(core.get("versions") or [])]
        for group in groups.get("groups") or []:
            preferred = (group.get("preferredVersion") or {}).get("groupVersion")
            for version in group.get("versions") or []:
                gv = version.get("groupVersion")
                lists.append((f"/apis/{gv}", gv == preferred))
        served: list[Served] = []
        for path, preferred_version in lists:
            try:
                served.extend(parse_resource_list(self._get(path), preferred_version))
            except ApiError:
                # kubectl goes on with the groups it could read (an aggregated API that is
                # down must not make every command fail).
                continue
        return served

    @cached_property
    def preferred(self) -> Registry:
        return Registry([s.resource for s in self.served if s.preferred])

    def resolve(self, word: str) -> ResourceType:
        """The resource a user's word names, or ``CliError`` as kubectl words it."""
        found = self.find(word)
        if found is None:
            raise CliError(f'the server doesn\'t have a resource type "{word}"')
        return found

    def find(self, word: str) -> ResourceType | None:
        lowered = word.lower()
        name, _, qualifier = lowered.partition(".")
        version, group = "", qualifier
        if qualifier:
            head, _, rest = qualifier.partition(".")
            # deployments.v1.apps: the first qualifier part is a version when the rest
            # names a group the server has in that version.
            if rest and any(s.resource.group == rest and s.resource.version == head
                            for s in self.served):
                version, group = head, rest
        candidates = [s.resource for s in self.served
                      if s.preferred or (version and s.resource.version == version)]
        for matches in (_by_plural, _by_short_name, _by_singular_or_kind):
            for resource in candidates:
                if not _group_matches(resource, group, version):
                    continue
                if matches(resource, name):
                    return resource
        return None

    def for_kind(self, api_version: str, kind: str) -> ResourceType | None:
        """The resource serving ``kind`` in exactly ``api_version`` (for manifests)."""
        group, _, version = api_version.rpartition("/")
        for served in self.served:
            r = served.resource
            if r.group == group and r.version == version and r.kind == kind:
                return r
        return None

    def category(self, name: str) -> list[ResourceType]:
        """The resources of a category such as ``all``, in discovery order."""
        return [s.resource for s in self.served
                if s.preferred and name in s.resource.categories]


def _group_matches(resource: ResourceType, group: str, version: str) -> bool:
    if version and resource.version != version:
        return False
    if not group:
        return True
    return resource.group == group or (group == "core" and resource.group == "")


def _by_plural(resource: ResourceType, name: str) -> bool:
    return resource.plural == name


def _by_short_name(resource: ResourceType, name: str) -> bool:
    return name in resource.short_names


def _by_singular_or_kind(resource: ResourceType, name: str) -> bool:
    return resource.singular == name

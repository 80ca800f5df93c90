"""From command-line words to the objects a verb acts on.

kubectl accepts ``TYPE``, ``TYPE1,TYPE2``, ``TYPE NAME...``, ``TYPE/NAME...`` and categories
such as ``all``; this module turns them into :class:`Target` values (a resource type plus the
names asked for, or none for the whole collection) and builds their REST paths.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from observe.api.registry import ResourceType
from observe.cli.discovery import Discovery
from observe.cli.errors import CliError
from observe.cli.manifests import Manifest
from observe.cli.printers import kind_prefix
from observe.client.paths import resource_path


@dataclass
class Target:
    resource: ResourceType
    names: list[str] = field(default_factory=list)
    namespace: str | None = None
    """Set when the target came from a manifest that names its namespace."""


@dataclass
class Targets:
    items: list[Target]
    category: bool
    """A category such as ``all`` was expanded: several types, kind prefixes."""

    @property
    def several_types(self) -> bool:
        return len({(t.resource.group, t.resource.plural) for t in self.items}) > 1


SLASH_MIX = (
    "there is no need to specify a resource type as a separate argument when passing "
    "arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
    "'kubectl get resource resource/<resource_name>'"
)


def parse_targets(args: list[str], discovery: Discovery) -> Targets:
    """Resolve ``args`` (everything after the verb that is not a flag)."""
    if not args:
        raise CliError("Required resource not specified.")
    if any("/" in arg for arg in args):
        if not all("/" in arg for arg in args):
            raise CliError(SLASH_MIX)
        by_type: dict[tuple[str, str], Target] = {}
        for arg in args:
            word, _, name = arg.partition("/")
            if not word or not name:
                raise CliError(f"arguments in resource/name form must have a single resource "
                               f"and name: {arg!r}")
            resource = discovery.resolve(word)
            target = by_type.setdefault((resource.group, resource.plural), Target(resource))
            target.names.append(name)
        return Targets(list(by_type.values()), category=False)
    words = [w for w in args[0].split(",") if w]
    names = args[1:]
    resources: list[ResourceType] = []
    category = False
    for word in words:
        found = discovery.find(word)
        if found is not None:
            resources.append(found)
            continue
        members = discovery.category(word.lower())
        if not members:
            raise CliError(f'the server doesn\'t have a resource type "{word}"')
        category = True
        resources.extend(members)
    unique: dict[tuple[str, str], ResourceType] = {}
    for resource in resources:
        unique.setdefault((resource.group, resource.plural), resource)
    return Targets([Target(r, list(names)) for r in unique.values()],
                   category=category)


def targets_from_manifests(manifests: list[Manifest], discovery: Discovery) -> Targets:
    """The objects of ``-f`` files by name, one target per type and namespace (so ``get``
    prints one table per type, as kubectl does)."""
    grouped: dict[tuple[str, str, str | None], Target] = {}
    for manifest in manifests:
        resource = resource_for(manifest, discovery)
        meta = manifest.obj.get("metadata") or {}
        namespace = meta.get("namespace")
        target = grouped.setdefault((resource.group, resource.plural, namespace),
                                    Target(resource, [], namespace))
        target.names.append(str(meta.get("name", "")))
    return Targets(list(grouped.values()), category=False)


def resource_for(manifest: Manifest, discovery: Discovery) -> ResourceType:
    """The served resource of a manifest's ``apiVersion``/``kind``, worded like kubectl when
    the server has none."""
    obj = manifest.obj
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    resource = discovery.for_kind(api_version, kind)
    if resource is None:
        meta = obj.get("metadata") or {}
        raise CliError(
            f'resource mapping not found for name: "{meta.get("name", "")}" namespace: '
            f'"{meta.get("namespace", "")}" from "{manifest.source}": no matches for kind '
            f'"{kind}" in version "{api_version}"\nensure CRDs are installed first')
    return resource


def object_path(resource: ResourceType, namespace: str | None, name: str | None = None,
                subresource: str | None = None) -> str:
    """The REST path; ``namespace`` is ignored for cluster-scoped types and ``None`` lists a
    namespaced type across all namespaces."""
    return resource_path(resource, namespace=namespace if resource.namespaced else None,
                         name=name, subresource=subresource)


def display_name(resource: ResourceType, name: str) -> str:
    """``deployment.apps/web``: how kubectl reports an object it acted on."""
    return f"{kind_prefix(resource.kind, resource.group)}/{name}"


def quoted_name(resource: ResourceType, name: str) -> str:
    """``deployment.apps "web"``: how ``delete`` reports an object."""
    return f'{kind_prefix(resource.kind, resource.group)} "{name}"'


def placed(manifest: Manifest, resource: ResourceType, namespace: str,
           namespace_explicit: bool) -> tuple[dict[str, Any], str | None]:
    """A copy of the manifest's object with its namespace filled in as kubectl fills it,
    and that namespace (``None`` for cluster-scoped types).

    An object that names a namespace other than an explicit ``-n`` is refused rather than
    written somewhere the user did not expect.
    """
    obj = copy.deepcopy(manifest.obj)
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    if not meta.get("name"):
        raise CliError(f'error when retrieving current configuration of "{manifest.source}": '
                       "resource name may not be empty")
    if not resource.namespaced:
        return obj, None
    own = meta.get("namespace")
    if own and namespace_explicit and own != namespace:
        raise CliError(
            f'the namespace from the provided object "{own}" does not match the namespace '
            f'"{namespace}". You must pass \'--namespace={own}\' to perform this operation.')
    meta["namespace"] = own or namespace
    return obj, meta["namespace"]

"""Discovery documents built from the registry: ``/version``, ``/api``, ``/apis``, each group
and group version, and the OpenAPI answers kubectl needs.

kubectl resolves resource words from these (``shortNames``, ``singularName``), builds URLs
from ``namespaced``, needs ``list``/``watch`` in ``verbs`` for get and ``-w``, and needs the
``all`` category for ``get all`` (reference §1.1). kubectl 1.32 asks for aggregated
discovery first and falls back to these plain documents.

OpenAPI: kubectl's validation fetches ``/openapi/v2`` as protobuf; an empty protobuf
document (valid, describing nothing) makes it skip validation of unknown kinds and fall back
to its compiled-in patch metadata (reference §1.4). A client asking for JSON gets a real
Swagger 2.0 document of our paths, which the REST fuzz tests drive.
"""

from __future__ import annotations

import platform
from typing import Any

from observe import KUBERNETES_VERSION
from observe.api.kinds import strategy_for
from observe.api.patch import patch_schema
from observe.api.registry import Registry, ResourceType


def version_info() -> dict[str, str]:
    major, minor, _ = KUBERNETES_VERSION.lstrip("v").split(".")
    return {
        "major": major, "minor": minor, "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "observe", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": f"python{platform.python_version()}", "compiler": "cpython",
        "platform": f"{platform.system().lower()}/amd64",
    }


def api_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(registry: Registry) -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(g, vs) for g, vs in registry.groups().items() if g]}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    versions = registry.groups().get(group)
    if not group or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)}


def _resource_entries(rt: ResourceType) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
        "kind": rt.kind, "verbs": list(rt.verbs),
    }
    if rt.short_names:
        main["shortNames"] = list(rt.short_names)
    if rt.categories:
        main["categories"] = list(rt.categories)
    entries = [main]
    for sub in rt.subresources:
        entry: dict[str, Any] = {"name": f"{rt.plural}/{sub.name}", "singularName": "",
                                 "namespaced": rt.namespaced, "kind": sub.kind or rt.kind,
                                 "verbs": list(sub.verbs)}
        if sub.group or sub.version:
            entry["group"], entry["version"] = sub.group, sub.version
        entries.append(entry)
    return entries


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = list(registry.in_group_version(group, version))
    if not types:
        return None
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": [e for rt in types for e in _resource_entries(rt)]}


# -- OpenAPI v2 --------------------------------------------------------------------------------
#
# A Swagger 2.0 description of every resource path, generated from what the server itself
# knows: the registry (kinds, scopes, verbs, subresources), each kind's name rule and
# strategic-merge metadata, and the shapes of ObjectMeta, Status and DeleteOptions it
# enforces. Objects stay open (additionalProperties) beyond that: the server is the validator.
# Black-box fuzzers (schemathesis) drive the API from it.

# metadata.name per NAME_RULES key: DNS-1123 subdomain and label, RFC 1035 label, and a
# path segment (no "/" or "%").
_NAME_PATTERNS = {
    "subdomain": (r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", 253),
    "label": (r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", 63),
    "rfc1035": (r"^[a-z]([-a-z0-9]*[a-z0-9])?$", 63),
    "path": (r"^[^/%]+$", 253),
}
_STRING = {"type": "string"}
_STRING_MAP = {"type": "object", "additionalProperties": _STRING}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _definition(group: str, version: str, kind: str) -> str:
    return f"{group or 'core'}.{version}.{kind}"


def _typed(api_version: str, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {
        "apiVersion": {"type": "string", "enum": [api_version]},
        "kind": {"type": "string", "enum": [kind]}, **properties}}


def _object_meta(name_rule: str) -> dict[str, Any]:
    pattern, longest = _NAME_PATTERNS.get(name_rule, _NAME_PATTERNS["subdomain"])
    reference = {"type": "object", "required": ["apiVersion", "kind", "name", "uid"],
                 "properties": {k: _STRING for k in ("apiVersion", "kind", "name", "uid")}
                 | {"controller": {"type": "boolean"}, "blockOwnerDeletion": {"type": "boolean"}}}
    return {"type": "object", "properties": {
        "name": {"type": "string", "pattern": pattern, "maxLength": longest},
        "generateName": _STRING, "namespace": _STRING, "uid": _STRING,
        "resourceVersion": _STRING, "generation": {"type": "integer"},
        "labels": _STRING_MAP, "annotations": _STRING_MAP,
        "finalizers": {"type": "array", "items": _STRING,
                       "x-kubernetes-patch-strategy": "merge"},
        "ownerReferences": {"type": "array", "items": reference,
                            "x-kubernetes-patch-merge-key": "uid",
                            "x-kubernetes-patch-strategy": "merge"},
    }}


def _shared_definitions() -> dict[str, Any]:
    cause = {"type": "object", "properties": {k: _STRING for k in ("reason", "message",
                                                                    "field")}}
    status = _typed("v1", "Status", {
        "metadata": {"type": "object"},
        "status": {"type": "string", "enum": ["Success", "Failure"]},
        "message": _STRING, "reason": _STRING, "code": {"type": "integer"},
        "details": {"type": "object", "properties": {
            "name": _STRING, "group": _STRING, "kind": _STRING, "uid": _STRING,
            "causes": {"type": "array", "items": cause},
            "retryAfterSeconds": {"type": "integer"}}}})
    status["required"] = ["kind", "apiVersion", "status"]
    delete_options = {"type": "object", "properties": {
        "apiVersion": _STRING, "kind": {"type": "string", "enum": ["DeleteOptions"]},
        "gracePeriodSeconds": {"type": "integer", "minimum": 0},
        "propagationPolicy": {"type": "string", "enum": ["Orphan", "Background", "Foreground"]},
        "orphanDependents": {"type": "boolean"},
        "dryRun": {"type": "array", "items": {"type": "string", "enum": ["All"]}},
        "preconditions": {"type": "object", "properties": {"uid": _STRING,
                                                           "resourceVersion": _STRING}}}}
    return {
        "meta.v1.Status": status,
        "meta.v1.ListMeta": {"type": "object", "properties": {
            "resourceVersion": _STRING, "continue": _STRING,
            "remainingItemCount": {"type": "integer"}}},
        "meta.v1.DeleteOptions": delete_options,
        "autoscaling.v1.Scale": _typed("autoscaling/v1", "Scale", {
            "metadata": _object_meta("subdomain"),
            "spec": {"type": "object", "properties": {
                "replicas": {"type": "integer", "minimum": 0}}},
            "status": {"type": "object"}}),
        "core.v1.Binding": _typed("v1", "Binding", {
            "metadata": _object_meta("subdomain"),
            "target": {"type": "object", "required": ["name"], "properties": {
                "apiVersion": _STRING, "kind": _STRING, "name": _STRING}}}),
        "policy.v1.Eviction": _typed("policy/v1", "Eviction", {
            "metadata": _object_meta("subdomain"),
            "deleteOptions": _ref("meta.v1.DeleteOptions")}),
    }


def _patch_structure(group: str, kind: str) -> dict[str, Any]:
    """The nested properties the strategic merge metadata of a kind describes: merging lists
    with their merge keys, sets, and retainKeys maps (with kube's x-kubernetes extensions)."""
    fields = patch_schema(group, kind).fields
    root: dict[str, Any] = {}
    for path, patch in sorted(fields.items(), key=lambda item: len(item[0])):
        node = root
        for depth, step in enumerate(path):
            node = node.setdefault("properties", {}).setdefault(step, {})
            node.setdefault("type", "array" if path[:depth + 1] in fields
                            and fields[path[:depth + 1]].merge else "object")
            if depth < len(path) - 1 and node["type"] == "array":
                node = node.setdefault("items", {"type": "object"})
        strategies = [name for name, on in (("merge", patch.merge),
                                            ("retainKeys", patch.retain_keys)) if on]
        node["x-kubernetes-patch-strategy"] = ",".join(strategies)
        if patch.merge_key:
            # Not "required": an element without its key cannot be merged, but whether it
            # is valid is the kind's validation to say.
            node["x-kubernetes-patch-merge-key"] = patch.merge_key
            node.setdefault("items", {"type": "object"})
    return root.get("properties", {})


def _kind_definition(rt: ResourceType) -> dict[str, Any]:
    properties = _patch_structure(rt.group, rt.kind)
    properties["metadata"] = {**properties.get("metadata", {}),
                              **_object_meta(strategy_for(rt.group, rt.kind).name_rule)}
    definition = _typed(rt.api_version, rt.kind, properties)
    definition["required"] = ["metadata"]
    return definition


def _parameters(*specs: tuple[str, str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": name, "in": where, "required": where == "path", **schema}
            for name, where, schema in specs]


_PATH = {"type": "string"}
_LIST_QUERY = _parameters(
    ("labelSelector", "query", _STRING), ("fieldSelector", "query", _STRING),
    ("limit", "query", {"type": "integer", "minimum": 0}), ("continue", "query", _STRING),
    ("resourceVersion", "query", _STRING),
    ("resourceVersionMatch", "query", {"type": "string", "enum": ["NotOlderThan", "Exact"]}),
    ("watch", "query", {"type": "boolean"}), ("allowWatchBookmarks", "query",
                                              {"type": "boolean"}),
    ("sendInitialEvents", "query", {"type": "boolean"}),
    ("timeoutSeconds", "query", {"type": "integer", "minimum": 0}))
_WRITE_QUERY = _parameters(
    ("dryRun", "query", {"type": "string", "enum": ["All"]}),
    ("fieldManager", "query", _STRING),
    ("fieldValidation", "query", {"type": "string", "enum": ["Ignore", "Warn", "Strict"]}))
_DELETE_QUERY = _parameters(
    ("gracePeriodSeconds", "query", {"type": "integer", "minimum": 0}),
    ("propagationPolicy", "query", {"type": "string",
                                    "enum": ["Orphan", "Background", "Foreground"]}),
    ("orphanDependents", "query", {"type": "boolean"}),
    ("dryRun", "query", {"type": "string", "enum": ["All"]}))
_OBJECT_TYPES = ["application/json", "application/yaml"]
_PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json"]
_ANY_OBJECT = {"type": "object", "required": ["apiVersion", "kind"],
               "properties": {"apiVersion": _STRING, "kind": _STRING}}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"name": "body", "in": "body", "required": required, "schema": schema}


def _operation(operation_id: str, parameters: list[dict[str, Any]], code: str,
               schema: dict[str, Any], consumes: list[str] | None = None,
               produces: list[str] | None = None) -> dict[str, Any]:
    """One operation; every error is a Status, whatever the code."""
    operation: dict[str, Any] = {
        "operationId": operation_id, "parameters": parameters,
        "responses": {code: {"description": "OK", "schema": schema},
                      "default": {"description": "a Status", "schema": _ref("meta.v1.Status")}}}
    if consumes:
        operation["consumes"] = consumes
    if produces:
        operation["produces"] = produces
    return operation


def _resource_paths(rt: ResourceType) -> dict[str, Any]:
    base = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    scope = _parameters(("namespace", "path", _PATH)) if rt.namespaced else []
    collection = (f"{base}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced
                  else f"{base}/{rt.plural}")
    one = [*scope, *_parameters(("name", "path", _PATH))]
    name = _definition(rt.group, rt.version, rt.kind)
    obj, patch = _ref(name), _body({"description": "a JSON patch (array) or a (strategic) "
                                                   "merge patch (object)"})
    list_schema = _ref(f"{name}List")
    paths: dict[str, Any] = {
        collection: {
            "get": _operation(f"list_{rt.plural}", [*scope, *_LIST_QUERY], "200", list_schema),
            "post": _operation(f"create_{rt.plural}", [*scope, *_WRITE_QUERY, _body(obj)],
                               "201", obj, _OBJECT_TYPES),
            "delete": _operation(f"deletecollection_{rt.plural}",
                                 [*scope, *_LIST_QUERY, *_DELETE_QUERY,
                                  _body(_ref("meta.v1.DeleteOptions"), required=False)],
                                 "200", list_schema),
        },
        f"{collection}/{{name}}": {
            "get": _operation(f"read_{rt.plural}", one, "200", obj),
            "put": _operation(f"replace_{rt.plural}", [*one, *_WRITE_QUERY, _body(obj)], "200",
                              obj, _OBJECT_TYPES),
            "patch": _operation(f"patch_{rt.plural}", [*one, *_WRITE_QUERY, patch], "200", obj,
                                _PATCH_TYPES),
            "delete": _operation(f"delete_{rt.plural}",
                                 [*one, *_DELETE_QUERY,
                                  _body(_ref("meta.v1.DeleteOptions"), required=False)],
                                 "200", _ANY_OBJECT),
        },
    }
    for sub in rt.subresources:
        schema = (_ref("autoscaling.v1.Scale") if sub.kind == "Scale"
                  else _ref(_definition(sub.group or rt.group, sub.version or rt.version,
                                        sub.kind)) if sub.kind not in ("", rt.kind)
                  else obj)
        item: dict[str, Any] = {}
        op = f"{rt.plural}_{sub.name}"
        if sub.name == "exec":
            # A connect operation: it streams only over a websocket upgrade; any other
            # request is answered with a Status.
            params = [*one, *_parameters(
                ("command", "query", _STRING), ("container", "query", _STRING),
                *((flag, "query", {"type": "boolean"})
                  for flag in ("stdin", "stdout", "stderr", "tty")))]
            paths[f"{collection}/{{name}}/{sub.name}"] = {
                method: _operation(f"connect_{method}_{op}", params, "101", _STRING,
                                   produces=["*/*"]) for method in ("get", "post")}
            continue
        if sub.name == "log":
            item["get"] = _operation(f"read_{op}", [*one, *_parameters(
                ("container", "query", _STRING), ("tailLines", "query", {"type": "integer"}))],
                "200", {"type": "string"}, produces=["text/plain"])
        elif "get" in sub.verbs:
            item["get"] = _operation(f"read_{op}", one, "200", schema)
        if "update" in sub.verbs:
            item["put"] = _operation(f"replace_{op}", [*one, *_WRITE_QUERY, _body(schema)],
                                     "200", schema, _OBJECT_TYPES)
        if "patch" in sub.verbs:
            item["patch"] = _operation(f"patch_{op}", [*one, *_WRITE_QUERY, patch], "200",
                                       schema, _PATCH_TYPES)
        if "create" in sub.verbs:
            item["post"] = _operation(f"create_{op}", [*one, *_WRITE_QUERY, _body(schema)],
                                      "201", _ref("meta.v1.Status"), _OBJECT_TYPES)
        paths[f"{collection}/{{name}}/{sub.name}"] = item
    return paths


def openapi_v2(registry: Registry) -> dict[str, Any]:
    """The Swagger 2.0 document of every resource path, its parameters, bodies and
    answers (see the comment above)."""
    definitions = _shared_definitions()
    paths: dict[str, Any] = {}
    for rt in registry:
        name = _definition(rt.group, rt.version, rt.kind)
        definitions[name] = _kind_definition(rt)
        definitions[f"{name}List"] = _typed(rt.api_version, rt.list_kind, {
            "metadata": _ref("meta.v1.ListMeta"),
            "items": {"type": "array", "items": _ref(name)}})
        paths.update(_resource_paths(rt))
    return {"swagger": "2.0", "info": {"title": "observe", "version": KUBERNETES_VERSION},
            "consumes": ["application/json"], "produces": ["application/json"],
            "paths": paths, "definitions": definitions}

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


def openapi_v2(registry: Registry) -> dict[str, Any]:
    """A Swagger 2.0 document of the resource paths: objects are free-form (the server is
    the validator), which is what a black-box fuzzer needs to drive every path."""
    paths: dict[str, Any] = {}
    obj_schema = {"type": "object"}
    body = {"name": "body", "in": "body", "required": True, "schema": obj_schema}
    ok = {"200": {"description": "OK", "schema": obj_schema}}
    list_params = [
        {"name": n, "in": "query", "type": t, "required": False}
        for n, t in (("labelSelector", "string"), ("fieldSelector", "string"),
                     ("limit", "integer"), ("continue", "string"),
                     ("resourceVersion", "string"), ("resourceVersionMatch", "string"))
    ]
    for rt in registry:
        base = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
        ns_param = [{"name": "namespace", "in": "path", "required": True, "type": "string"}]
        name_param = [{"name": "name", "in": "path", "required": True, "type": "string"}]
        collection = (f"{base}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced
                      else f"{base}/{rt.plural}")
        scope = ns_param if rt.namespaced else []
        tag = rt.plural
        paths[collection] = {
            "get": {"operationId": f"list_{tag}", "parameters": scope + list_params,
                    "responses": ok},
            "post": {"operationId": f"create_{tag}", "parameters": [*scope, body],
                     "responses": {"201": ok["200"]}},
            "delete": {"operationId": f"deletecollection_{tag}",
                       "parameters": scope + list_params, "responses": ok},
        }
        paths[f"{collection}/{{name}}"] = {
            "get": {"operationId": f"read_{tag}", "parameters": scope + name_param,
                    "responses": ok},
            "put": {"operationId": f"replace_{tag}", "parameters": [*scope, *name_param, body],
                    "responses": ok},
            "patch": {"operationId": f"patch_{tag}", "consumes": [
                "application/merge-patch+json", "application/strategic-merge-patch+json",
                "application/json-patch+json"],
                "parameters": [*scope, *name_param, body], "responses": ok},
            "delete": {"operationId": f"delete_{tag}", "parameters": scope + name_param,
                       "responses": ok},
        }
    return {"swagger": "2.0", "info": {"title": "observe", "version": KUBERNETES_VERSION},
            "consumes": ["application/json"], "produces": ["application/json"],
            "paths": paths}

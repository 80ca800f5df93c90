"""Subresources: ``status``, ``finalize``, ``scale``, ``pods/binding``, ``pods/eviction``,
``pods/log`` and ``pods/exec``.

``status``/``finalize`` are updates restricted to one part of the object (the restriction
itself lives in :meth:`Objects.update`). ``scale`` presents a workload as an
``autoscaling/v1 Scale``. ``binding`` is how the scheduler assigns a pod to a node.
``log`` is proxied to the kubelet of the pod's node, found through the Node's address and
``daemonEndpoints`` exactly as kube-apiserver does; so is ``exec``, as a websocket
(:mod:`observe.apiserver.execproxy`).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from aiohttp import web

from observe.api import errors
from observe.api import meta as m
from observe.api.patch import apply_patch
from observe.api.registry import ResourceType
from observe.api.selectors import label_selector_from_dict
from observe.api.validation import type_error
from observe.apiserver import codec
from observe.apiserver.objects import DeleteOptions
from observe.apiserver.paths import Target

if TYPE_CHECKING:
    from observe.apiserver.handlers import Query, ResourceHandlers


async def handle(h: ResourceHandlers, request: web.Request, target: Target, query: Query
                 ) -> web.StreamResponse:
    sub, method = target.subresource, request.method
    allowed = target.resource.subresource(sub or "")
    verb = {"GET": "get", "PUT": "update", "PATCH": "patch", "POST": "create"}.get(method)
    if allowed is None or verb not in allowed.verbs:
        raise errors.method_not_allowed(
            f"the server does not allow this method on the requested resource ({method} "
            f"{target.resource.plural}/{sub})")
    if sub in ("status", "finalize"):
        if method == "GET":
            return h.get(request, target)
        if method == "PUT":
            return await h.update(request, target, query, subresource=sub)
        return await h.patch(request, target, query, subresource=sub)
    if sub == "scale":
        return await _scale(h, request, target, query)
    if sub == "binding":
        return await _binding(h, request, target, query)
    if sub == "eviction":
        return await _eviction(h, request, target, query)
    if sub == "log":
        if h.log_proxy is None:
            raise errors.StatusError(503, "ServiceUnavailable", "pod logs are not available")
        pod = h.objects.get(target.resource, target.namespace, target.name or "")
        return await h.log_proxy(request, pod)
    if sub == "exec":
        if h.exec_proxy is None:
            raise errors.StatusError(503, "ServiceUnavailable", "exec is not available")
        pod = h.objects.get(target.resource, target.namespace, target.name or "")
        return await h.exec_proxy(request, pod)
    raise errors.resource_not_found()


# -- scale ----------------------------------------------------------------------------------

def scale_of(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    selector = label_selector_from_dict(spec.get("selector"))
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                          "creationTimestamp") if k in meta},
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {"replicas": status.get("replicas", 0), "selector": str(selector)},
    }


async def _scale(h: ResourceHandlers, request: web.Request, target: Target, query: Query
                 ) -> web.Response:
    rt, name = target.resource, target.name or ""
    current = h.objects.get(rt, target.namespace, name)
    scale = scale_of(rt, current)
    if request.method == "GET":
        return codec.json_response(scale)
    if request.method == "PUT":
        wanted = await h.read_object(request)
    else:
        body, content_type = await h.read_patch(request)
        wanted = apply_patch(scale, body, content_type, "autoscaling", "Scale")
    if not isinstance(wanted, dict):
        raise errors.bad_request("the patch does not produce an object")
    parts = {key: wanted.get(key) for key in ("metadata", "spec")}
    wrong = [type_error(key, value, "object") for key, value in parts.items()
             if value is not None and not isinstance(value, dict)]
    if wrong:
        raise errors.invalid("Scale", "autoscaling", name, wrong)
    replicas = (parts["spec"] or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise errors.invalid("Scale", "autoscaling", name, [errors.Cause(
            "spec.replicas", f"Invalid value: {replicas!r}: must be greater than or equal "
            "to 0", "FieldValueInvalid")])
    wanted_rv = (parts["metadata"] or {}).get("resourceVersion")
    if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
        raise errors.stale_object(rt.plural, rt.group, name)
    updated = copy.deepcopy(current)
    updated.setdefault("spec", {})["replicas"] = replicas
    obj = h.objects.update(rt, target.namespace, name, updated, dry_run=query.dry_run,
                           current=current)
    return codec.json_response(scale_of(rt, obj))


# -- binding and eviction -------------------------------------------------------------------

async def _binding(h: ResourceHandlers, request: web.Request, target: Target, query: Query
                   ) -> web.Response:
    rt, name = target.resource, target.name or ""
    binding = await h.read_object(request)
    reference = binding.get("target")
    if reference is not None and not isinstance(reference, dict):
        raise errors.bad_request(f"a Binding's target must be an object, got {reference!r:.100}")
    node = (reference or {}).get("name")
    if node is not None and not isinstance(node, str):
        raise errors.invalid("Binding", "", name, [type_error("target.name", node, "string")])
    if not node:
        raise errors.invalid("Binding", "", name, [errors.Cause(
            "target.name", "Required value", "FieldValueRequired")])
    current = h.objects.get(rt, target.namespace, name)
    if m.is_terminating(current):
        raise errors.conflict(rt.plural, rt.group, name, "pod is being deleted, cannot be "
                              "assigned to a host")
    assigned = (current.get("spec") or {}).get("nodeName")
    if assigned:
        raise errors.conflict(rt.plural, rt.group, name,
                              f'pod {name} is already assigned to node "{assigned}"')
    pod = copy.deepcopy(current)
    pod.setdefault("spec", {})["nodeName"] = node
    conditions = [c for c in (pod.setdefault("status", {}).get("conditions") or [])
                  if c.get("type") != "PodScheduled"]
    conditions.append({"type": "PodScheduled", "status": "True",
                       "lastProbeTime": None,
                       "lastTransitionTime": m.rfc3339(m.now())})
    pod["status"]["conditions"] = conditions
    # Binding writes spec and status together: it is the one write that may do both.
    h.objects.update(rt, target.namespace, name, pod, subresource="binding",
                     dry_run=query.dry_run, current=current)
    return codec.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Success", "code": 201}, 201)


async def _eviction(h: ResourceHandlers, request: web.Request, target: Target, query: Query
                    ) -> web.Response:
    body_bytes = await codec.read_body(request)
    eviction = await h.decode(request, body_bytes) if body_bytes.strip() else {}
    options = DeleteOptions.from_dict(eviction.get("deleteOptions"), {})
    h.objects.delete(target.resource, target.namespace, target.name or "", options,
                     dry_run=query.dry_run)
    return codec.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Success", "code": 201}, 201)

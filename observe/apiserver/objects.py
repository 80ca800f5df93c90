"""Generic object storage semantics: the apiserver's equivalent of genericregistry.Store.

Turns API verbs into store operations with Kubernetes' rules for every kind: server-owned
metadata, per-kind defaulting and validation (:mod:`observe.api.kinds`), spec/status split,
generation, optimistic concurrency on resourceVersion, finalizers and graceful deletion,
propagation policies, paging with continue tokens from one snapshot, and dry runs.

HTTP lives in :mod:`observe.apiserver.handlers`; this module only sees dicts and raises
:class:`~observe.api.errors.StatusError`.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from observe.api import errors
from observe.api import meta as m
from observe.api.kinds import KindStrategy, strategy_for
from observe.api.registry import Registry, ResourceType
from observe.api.validation import type_error
from observe.apiserver.codec import MAX_OBJECT_BYTES
from observe.apiserver.watchcache import decode
from observe.store.interface import (
    CompactedError,
    KeyExistsError,
    KeyNotFoundError,
    RevisionMismatch,
    Store,
)

Predicate = Callable[[dict[str, Any]], bool]
MAX_BATCH = 10_000
# Revisions are SQLite (and etcd) signed 64-bit integers.
MAX_REVISION = 2**63 - 1
# Far deeper than any real object (a CRD's schema stays within a few dozen levels).
MAX_NESTING = 100
NAMESPACE_FINALIZER = "kubernetes"
# kube-apiserver's words when a continue token or list revision has been compacted away.
EXPIRED_CONTINUE = ("The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter.")


@dataclass
class DeleteOptions:
    propagation_policy: str | None = None
    grace_period_seconds: int | None = None
    precondition_uid: str | None = None
    precondition_resource_version: str | None = None

    @classmethod
    def from_dict(cls, body: Any, query: dict[str, str]) -> DeleteOptions:
        if body is not None and not isinstance(body, dict):
            raise errors.bad_request(f"DeleteOptions must be an object, got {body!r:.100}")
        body = body or {}
        policy = body.get("propagationPolicy") or query.get("propagationPolicy")
        orphan = body.get("orphanDependents", query.get("orphanDependents"))
        if policy is None and orphan is not None:
            policy = "Orphan" if orphan in (True, "true") else "Background"
        if policy not in (None, "Orphan", "Background", "Foreground"):
            raise errors.invalid("DeleteOptions", "", "", [errors.Cause(
                "propagationPolicy", f'Unsupported value: "{policy}": supported values: '
                '"Foreground", "Background", "Orphan"', "FieldValueNotSupported")])
        grace = body.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
        if grace is not None:
            try:
                grace = int(grace)
            except (TypeError, ValueError, OverflowError) as exc:
                raise errors.bad_request(f"invalid gracePeriodSeconds: {grace!r}") from exc
            if grace >= 2**63:  # an int64 in Go
                raise errors.bad_request(f"invalid gracePeriodSeconds: {grace!r}")
            grace = max(grace, 0)
        pre = body.get("preconditions") or {}
        if not isinstance(pre, dict):
            raise errors.bad_request("preconditions must be an object")
        return cls(policy, grace, pre.get("uid"), pre.get("resourceVersion"))


@dataclass
class ListPage:
    items: list[dict[str, Any]]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


@dataclass
class Objects:
    store: Store
    registry: Registry
    clock: Callable[[], datetime] = m.now
    strategies: Callable[[str, str], KindStrategy] = field(default=strategy_for)
    # Per-kind steps that fill server-allocated fields after defaulting, before validation
    # (Service ClusterIPs and NodePorts): (group, kind) -> fn(new, old or None).
    allocators: dict[tuple[str, str], Callable[[dict[str, Any], dict[str, Any] | None], None]] \
        = field(default_factory=dict)

    # -- encoding ---------------------------------------------------------------------------

    @staticmethod
    def _encode(obj: dict[str, Any]) -> bytes:
        meta = obj.get("metadata", {})
        rv = meta.pop("resourceVersion", None)
        try:
            data = orjson.dumps(obj)
        except orjson.JSONEncodeError as exc:  # e.g. nested deeper than JSON encoders allow
            raise errors.bad_request(f"the object cannot be stored: {exc}") from exc
        finally:
            if rv is not None:
                meta["resourceVersion"] = rv
        if len(data) > MAX_OBJECT_BYTES:
            raise errors.too_large(
                f"Request entity too large: the object is {len(data)} bytes, the limit is "
                f"{MAX_OBJECT_BYTES}")
        return data

    @staticmethod
    def _with_revision(obj: dict[str, Any], revision: int) -> dict[str, Any]:
        obj["metadata"]["resourceVersion"] = str(revision)
        return obj

    # -- reads ------------------------------------------------------------------------------

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        kv = self.store.get(rt.store_key(namespace, name))
        if kv is None:
            raise errors.not_found(rt.plural, rt.group, name)
        return decode(kv)

    def _namespace_must_exist(self, namespace: str) -> dict[str, Any]:
        ns_type = self.registry.get("", "namespaces")
        assert ns_type is not None
        kv = self.store.get(ns_type.store_key(None, namespace))
        if kv is None:
            raise errors.not_found("namespaces", "", namespace)
        return decode(kv)

    def list(self, rt: ResourceType, namespace: str | None, predicate: Predicate | None, *,
             limit: int = 0, continue_token: str = "", resource_version: str = "",
             resource_version_match: str = "") -> ListPage:
        prefix = rt.store_prefix(namespace)
        start, revision = "", 0
        if continue_token:
            start, revision = _decode_continue(continue_token, prefix)
        elif resource_version_match == "Exact":
            revision = parse_resource_version(resource_version)
        elif resource_version_match not in ("", "NotOlderThan"):
            raise errors.bad_request(
                f"unsupported resourceVersionMatch value: {resource_version_match!r}")
        elif resource_version not in ("", "0"):
            # reject garbage; NotOlderThan is served by "latest"
            parse_resource_version(resource_version)
        items: list[dict[str, Any]] = []
        # Pages from the store are bounded however large a limit the client asks for.
        batch = min(max(limit, 500), MAX_BATCH) if limit else 0
        try:
            while True:
                page = self.store.list(prefix, revision=revision, start_after=start, limit=batch)
                revision = page.revision
                for index, kv in enumerate(page.items):
                    obj = decode(kv)
                    if predicate is None or predicate(obj):
                        items.append(obj)
                        if limit and len(items) == limit:
                            more = page.more or index + 1 < len(page.items)
                            token = _encode_continue(kv.key, revision) if more else ""
                            return ListPage(items, revision, token)
                if not page.more:
                    return ListPage(items, revision)
                start = page.items[-1].key
        except CompactedError as exc:
            raise errors.gone(EXPIRED_CONTINUE if continue_token else
                              f"too old resource version: {exc.requested} "
                              f"({exc.compacted})") from exc

    # -- create -----------------------------------------------------------------------------

    def _check_type(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        _check_nesting(obj)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if api_version and api_version != rt.api_version:
            raise errors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({rt.api_version})")
        if kind and kind != rt.kind:
            raise errors.bad_request(
                f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})")
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind

    def _check_namespace(self, rt: ResourceType, obj: dict[str, Any],
                         namespace: str | None) -> None:
        meta = m.metadata(obj)
        if not rt.namespaced:
            meta.pop("namespace", None)
            return
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request")
        meta["namespace"] = namespace

    def _validate(self, rt: ResourceType, strategy: KindStrategy, obj: dict[str, Any],
                  old: dict[str, Any] | None = None) -> None:
        causes = strategy.validate(obj)
        if old is not None:
            causes = causes + strategy.validate_update(obj, old)
        if causes:
            name = m.metadata(obj).get("name")
            raise errors.invalid(rt.kind, rt.group, name if isinstance(name, str) else "",
                                 causes)

    def create(self, rt: ResourceType, namespace: str | None, obj: dict[str, Any], *,
               dry_run: bool = False) -> dict[str, Any]:
        self._check_type(rt, obj)
        self._check_namespace(rt, obj, namespace)
        meta = m.metadata(obj)
        if not meta.get("name"):
            generate = meta.get("generateName")
            if not generate:
                raise errors.invalid(rt.kind, rt.group, "", [errors.Cause(
                    "metadata.name", "name or generateName is required",
                    "FieldValueRequired")])
            if not isinstance(generate, str):
                raise errors.invalid(rt.kind, rt.group, "", [
                    type_error("metadata.generateName", generate, "string")])
            meta["name"] = m.generate_name(generate)
        if rt.namespaced:
            ns_obj = self._namespace_must_exist(namespace or "")
            if m.is_terminating(ns_obj):
                raise errors.StatusError(
                    403, "Forbidden",
                    f'{rt.plural} "{meta["name"]}" is forbidden: unable to create new content '
                    f"in namespace {namespace} because it is being terminated",
                    name=meta["name"], group=rt.group, kind=rt.plural)
        strategy = self.strategies(rt.group, rt.kind)
        m.prepare_create(obj, tracks_generation=rt.has_status, moment=self.clock())
        strategy.prepare_for_create(obj)
        strategy.default(obj)
        allocate = self.allocators.get((rt.group, rt.kind))
        if allocate is not None:
            allocate(obj, None)
        self._validate(rt, strategy, obj)
        data = self._encode(obj)
        if dry_run:
            return obj
        try:
            kv = self.store.create(rt.store_key(namespace, meta["name"]), data)
        except KeyExistsError as exc:
            raise errors.already_exists(rt.plural, rt.group, meta["name"]) from exc
        return self._with_revision(obj, kv.mod_revision)

    # -- update -----------------------------------------------------------------------------

    def update(self, rt: ResourceType, namespace: str | None, name: str, obj: dict[str, Any],
               *, subresource: str | None = None, dry_run: bool = False,
               current: dict[str, Any] | None = None) -> dict[str, Any]:
        """PUT semantics. ``current`` lets a patch pass the object it was applied to."""
        self._check_type(rt, obj)
        self._check_namespace(rt, obj, namespace)
        meta = m.metadata(obj)
        if meta.get("name") and meta["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({meta['name']}) does not match the name on the URL "
                f"({name})")
        meta["name"] = name
        old = current if current is not None else self.get(rt, namespace, name)
        wanted_rv = meta.get("resourceVersion")
        old_rv = old["metadata"]["resourceVersion"]
        if wanted_rv and wanted_rv != old_rv:
            raise errors.stale_object(rt.plural, rt.group, name)
        new = self._merge_for_subresource(rt, obj, old, subresource)
        strategy = self.strategies(rt.group, rt.kind)
        m.carry_over(new, old, tracks_generation=rt.has_status)
        strategy.prepare_for_update(new, old)
        strategy.default(new)
        allocate = self.allocators.get((rt.group, rt.kind))
        if allocate is not None and subresource is None:
            allocate(new, old)
        # Binding is the one write allowed to set an otherwise immutable pod field.
        self._validate(rt, strategy, new, None if subresource == "binding" else old)
        new["metadata"]["resourceVersion"] = old_rv
        if new == old:
            return old  # a no-op write does not create a revision, as in Kubernetes
        if self._ready_to_delete(rt, new):
            return self._delete_now(rt, namespace, name, old, dry_run)
        data = self._encode(new)
        if dry_run:
            return new
        try:
            kv = self.store.update(rt.store_key(namespace, name), data, int(old_rv))
        except KeyNotFoundError as exc:
            raise errors.not_found(rt.plural, rt.group, name) from exc
        except RevisionMismatch as exc:
            raise errors.stale_object(rt.plural, rt.group, name) from exc
        return self._with_revision(new, kv.mod_revision)

    @staticmethod
    def _merge_for_subresource(rt: ResourceType, obj: dict[str, Any], old: dict[str, Any],
                               subresource: str | None) -> dict[str, Any]:
        """The spec/status split: the main resource cannot write status, ``/status`` can
        write nothing else (metadata included), ``/finalize`` only spec.finalizers."""
        if subresource == "status":
            new = copy.deepcopy(old)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
            return new
        if subresource == "finalize":
            spec = obj.get("spec") or {}
            finalizers = spec.get("finalizers") or [] if isinstance(spec, dict) else None
            if not isinstance(finalizers, list) or not all(
                    isinstance(f, str) for f in finalizers):
                raise errors.invalid(rt.kind, rt.group, m.metadata(old).get("name", ""), [
                    errors.Cause("spec.finalizers", "must be a list of strings",
                                 "FieldValueTypeInvalid")])
            new = copy.deepcopy(old)
            new.setdefault("spec", {})["finalizers"] = finalizers
            return new
        new = obj
        if rt.has_status and subresource != "binding":
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        return new

    # -- delete -----------------------------------------------------------------------------

    @staticmethod
    def _ready_to_delete(rt: ResourceType, obj: dict[str, Any]) -> bool:
        """A terminating object whose last finalizer is gone and whose grace period is over
        (or zero) is removed for real."""
        meta = obj["metadata"]
        if not meta.get("deletionTimestamp") or meta.get("finalizers"):
            return False
        if rt.kind == "Namespace" and (obj.get("spec") or {}).get("finalizers"):
            return False
        return not meta.get("deletionGracePeriodSeconds")

    def _delete_now(self, rt: ResourceType, namespace: str | None, name: str,
                    current: dict[str, Any], dry_run: bool) -> dict[str, Any]:
        if dry_run:
            return current
        try:
            kv = self.store.delete(rt.store_key(namespace, name),
                                   int(current["metadata"]["resourceVersion"]))
        except KeyNotFoundError as exc:
            raise errors.not_found(rt.plural, rt.group, name) from exc
        except RevisionMismatch as exc:
            raise errors.stale_object(rt.plural, rt.group, name) from exc
        return decode(kv)

    def _grace_period(self, rt: ResourceType, obj: dict[str, Any],
                      requested: int | None) -> int:
        """Only pods terminate gracefully: a bound, non-terminal pod gets its spec's grace
        period (or the one asked for); everything else goes at once."""
        if rt.kind != "Pod" or rt.group:
            return 0
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        if requested is not None:
            return requested
        return int(spec.get("terminationGracePeriodSeconds", 30))

    def delete(self, rt: ResourceType, namespace: str | None, name: str,
               options: DeleteOptions, *, dry_run: bool = False
               ) -> tuple[dict[str, Any], bool]:
        """Returns the object's final state and whether it is gone (False: only marked)."""
        current = self.get(rt, namespace, name)
        meta = current["metadata"]
        if options.precondition_uid and options.precondition_uid != meta.get("uid"):
            raise errors.conflict(
                rt.plural, rt.group, name,
                f"Precondition failed: UID in precondition: {options.precondition_uid}, "
                f"UID in object meta: {meta.get('uid')}")
        if (options.precondition_resource_version
                and options.precondition_resource_version != meta.get("resourceVersion")):
            raise errors.conflict(
                rt.plural, rt.group, name,
                "Precondition failed: ResourceVersion in precondition: "
                f"{options.precondition_resource_version}, ResourceVersion in object meta: "
                f"{meta.get('resourceVersion')}")
        new = copy.deepcopy(current)
        if options.propagation_policy == "Orphan":
            m.add_finalizer(new, m.FINALIZER_ORPHAN)
        elif options.propagation_policy == "Foreground":
            m.add_finalizer(new, m.FINALIZER_FOREGROUND)
        if rt.kind == "Namespace" and not rt.group:
            new.setdefault("status", {})["phase"] = "Terminating"
        grace = self._grace_period(rt, current, options.grace_period_seconds)
        pending = (grace > 0 or bool(m.finalizers(new))
                   or (rt.kind == "Namespace" and bool((new.get("spec") or {}).get("finalizers"))))
        if not pending:
            return self._delete_now(rt, namespace, name, current, dry_run), True
        m.mark_deleted(new, self.clock(), grace)
        if new == current:
            return current, False
        if self._ready_to_delete(rt, new):
            return self._delete_now(rt, namespace, name, current, dry_run), True
        data = self._encode(new)
        if dry_run:
            return new, False
        try:
            kv = self.store.update(rt.store_key(namespace, name), data,
                                   int(meta["resourceVersion"]))
        except (KeyNotFoundError, RevisionMismatch) as exc:
            raise errors.stale_object(rt.plural, rt.group, name) from exc
        return self._with_revision(new, kv.mod_revision), False


def _check_nesting(obj: dict[str, Any]) -> None:
    """Refuse objects nested deeper than :data:`MAX_NESTING` before defaulting and validation,
    which walk objects recursively (JSON parsers allow about a thousand levels)."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise errors.bad_request(
                f"the object is nested too deeply: more than {MAX_NESTING} levels")
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _encode_continue(key: str, revision: int) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": key})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str, prefix: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        start, revision = data["start"], int(data["rv"])
    except (ValueError, KeyError, TypeError, OverflowError, orjson.JSONDecodeError) as exc:
        raise errors.bad_request(f"continue key is not valid: {exc}") from exc
    if (not isinstance(start, str) or not start.startswith(prefix)
            or not 0 < revision <= MAX_REVISION):
        raise errors.bad_request("continue key is not valid: it does not belong to this list")
    return start, revision


def parse_resource_version(text: str) -> int:
    """A resourceVersion a client names: a revision the store can hold, or a 400."""
    try:
        value = int(text)
    except ValueError as exc:
        raise errors.bad_request(f"invalid resource version: {text!r}") from exc
    if not 0 < value <= MAX_REVISION:
        raise errors.bad_request(f"invalid resource version: {text!r}")
    return value

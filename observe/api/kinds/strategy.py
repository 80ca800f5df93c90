"""The per-kind strategy the apiserver calls, and the builder every kind module uses.

A :class:`KindStrategy` bundles what kube-apiserver's ``rest.RESTCreateStrategy`` /
``RESTUpdateStrategy`` and the scheme's defaulting functions do for one kind. The builder
adds what every kind shares, so kind modules only describe their own spec:

* ``default`` first drops JSON ``null`` members (Go clients send ``"creationTimestamp":
  null``), then applies the kind's defaults;
* ``validate`` validates ``metadata`` with the kind's name rule and scope, then the kind's
  own rules;
* ``prepare_for_create`` replaces ``status`` with the kind's initial status.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from observe.api.errors import Cause
from observe.api.kinds.fields import drop_nulls
from observe.api.validation import type_error, validate_object_meta


def _no_defaults(obj: dict) -> None:
    return None


def _no_rules(new: dict, old: dict | None = None) -> list[Cause]:
    return []


def _no_preparation(new: dict, old: dict | None = None) -> None:
    return None


@dataclass(frozen=True)
class KindStrategy:
    default: Callable[[dict], None]
    """Fill Kubernetes defaults in place; idempotent. Needs ``metadata.uid`` for Jobs."""
    validate: Callable[[dict], list[Cause]]
    """Full validation including metadata; ``[]`` when valid."""
    validate_update: Callable[[dict, dict], list[Cause]]
    """``(new, old)``: only what may not change (immutability); run ``validate`` too."""
    prepare_for_create: Callable[[dict], None]
    """Reset ``status`` to its initial value (and add create-only fields)."""
    name_rule: str = "subdomain"
    """How ``metadata.name`` is validated: a key of ``observe.api.validation.NAME_RULES``."""
    prepare_for_update: Callable[[dict, dict], None] = _no_preparation
    """``(new, old)``: carry over server-assigned values a full replace left out (a
    Service's clusterIP, nodePorts). Call before ``default``."""


def build_strategy(*, namespaced: bool | None, name_rule: str = "subdomain",
                   defaults: Callable[[dict], None] = _no_defaults,
                   rules: Callable[[dict], list[Cause]] = _no_rules,
                   update_rules: Callable[[dict, dict], list[Cause]] = _no_rules,
                   initial_status: Callable[[dict], dict] | dict | None = None,
                   on_create: Callable[[dict], None] = _no_defaults,
                   on_update: Callable[[dict, dict], None] = _no_preparation) -> KindStrategy:
    """A strategy from a kind's own pieces. ``namespaced`` None accepts either scope.
    ``initial_status`` is the status a created object starts with (None leaves status
    alone, for kinds whose creator reports it, like Nodes)."""

    def default(obj: dict) -> None:
        if isinstance(obj, dict):
            drop_nulls(obj)
            defaults(obj)

    def validate(obj: dict) -> list[Cause]:
        if not isinstance(obj, dict):
            return [type_error("", obj, "object")]
        causes = validate_object_meta(obj.get("metadata"), name_rule=name_rule,
                                      namespaced=namespaced)
        return causes + rules(obj)

    def validate_update(new: dict, old: dict) -> list[Cause]:
        if not isinstance(new, dict) or not isinstance(old, dict):
            return [type_error("", new, "object")]
        return update_rules(new, old)

    def prepare_for_create(obj: dict) -> None:
        if not isinstance(obj, dict):
            return
        if initial_status is not None:
            status = initial_status(obj) if callable(initial_status) else initial_status
            obj["status"] = copy.deepcopy(status)
        on_create(obj)

    def prepare_for_update(new: dict, old: dict) -> None:
        if isinstance(new, dict) and isinstance(old, dict):
            on_update(new, old)

    return KindStrategy(default=default, validate=validate, validate_update=validate_update,
                        prepare_for_create=prepare_for_create, name_rule=name_rule,
                        prepare_for_update=prepare_for_update)


"""core/v1 Event: kept as reported (``source``, ``reportingComponent`` and the rest); only
the legacy checks kube-apiserver applies to core/v1 Events.

Go always writes ``involvedObject`` and ``source`` (they are structs), and the Python client
requires ``involvedObject``, so both default to ``{}``.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.fields import set_default
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_dict,
    int_field,
    invalid,
    qualified_name_errors,
    required,
    string_field,
    time_field,
)

TEXT_LIMITS = {"reportingInstance": 128, "action": 128, "reason": 128, "message": 1024}


def default_event(obj: dict) -> None:
    set_default(obj, "involvedObject", {})
    set_default(obj, "source", {})


def validate_event(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    involved = as_dict(obj.get("involvedObject"), "involvedObject", causes)
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    namespace = metadata.get("namespace") or ""
    involved_namespace = involved.get("namespace") or ""
    for key in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
                "fieldPath"):
        causes += string_field(involved.get(key), f"involvedObject.{key}")
    for key in ("reason", "message", "type", "action", "reportingComponent",
                "reportingInstance"):
        causes += string_field(obj.get(key), key)
    causes += int_field(obj.get("count"), "count")
    for key in ("firstTimestamp", "lastTimestamp", "eventTime"):
        causes += time_field(obj.get(key), key)
    source = as_dict(obj.get("source"), "source", causes)
    for key in ("component", "host"):
        causes += string_field(source.get(key), f"source.{key}")
    series = as_dict(obj.get("series"), "series", causes)
    causes += int_field(series.get("count"), "series.count")
    causes += time_field(series.get("lastObservedTime"), "series.lastObservedTime")
    if causes:
        return causes
    if not obj.get("eventTime"):
        # Legacy events: the event lives in its object's namespace (cluster-scoped objects'
        # events in "default").
        if involved_namespace != namespace and not (
                not involved_namespace and namespace in ("", "default")):
            causes.append(invalid("involvedObject.namespace", involved_namespace,
                                  "does not match event.namespace"))
        return causes
    if not involved_namespace and namespace not in ("default", "kube-system"):
        causes.append(invalid("involvedObject.namespace", involved_namespace,
                              "does not match event.namespace"))
    controller = obj.get("reportingComponent")
    if not controller:
        causes.append(required("reportingComponent"))
    else:
        causes += [invalid("reportingComponent", controller, m)
                   for m in qualified_name_errors(controller)]
    for key in ("reportingInstance", "action", "reason"):
        if not obj.get(key):
            causes.append(required(key))
    for key, limit in TEXT_LIMITS.items():
        if len(obj.get(key) or "") > limit:
            causes.append(invalid(key, "", f"can have at most {limit} characters"))
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_event, rules=validate_event)

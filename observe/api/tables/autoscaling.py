"""The HorizontalPodAutoscaler printer (autoscaling/v2): REFERENCE, TARGETS such as
``cpu: 40%/80%``, MINPODS, MAXPODS and REPLICAS, as kube-apiserver 1.32 prints them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.api.tables.cells import (
    age,
    dicts,
    get,
    int_or_string,
    integer,
    list_with_more,
    mapping,
    name,
    text,
)
from observe.api.tables.columns import AGE, NAME, Column, Printer
from observe.api.tables.descriptions import DOCS

UNKNOWN_VALUE = "<unknown>"


def _value(value: Any) -> str:
    return value if isinstance(value, str) and value else UNKNOWN_VALUE


def _percent(value: Any) -> str | None:
    return f"{value}%" if isinstance(value, int) and not isinstance(value, bool) else None


def _named_target(source: dict, current: dict | None) -> str:
    """Resource and ContainerResource metrics: ``cpu: 40%/80%`` or ``memory: 1Gi/2Gi``."""
    target = mapping(source, "target")
    if get(target, "averageValue") is not None:
        now = _value(get(current, "current", "averageValue"))
        shown = f"{now}/{_value(target['averageValue'])}"
    else:
        now = _percent(get(current, "current", "averageUtilization")) or UNKNOWN_VALUE
        shown = f"{now}/{_percent(target.get('averageUtilization')) or '<auto>'}"
    return f"{text(source, 'name')}: {shown}"


def _value_target(source: dict, current: dict | None) -> str:
    """Object and External metrics: ``5/10`` or, for per-pod averages, ``5/10 (avg)``."""
    target = mapping(source, "target")
    if get(target, "averageValue") is not None:
        now = _value(get(current, "current", "averageValue"))
        return f"{now}/{_value(target['averageValue'])} (avg)"
    return f"{_value(get(current, 'current', 'value'))}/{_value(target.get('value'))}"


def _pods_target(source: dict, current: dict | None) -> str:
    now = _value(get(current, "current", "averageValue"))
    return f"{now}/{_value(get(source, 'target', 'averageValue'))}"


_FORMATS = {"Resource": ("resource", _named_target),
            "ContainerResource": ("containerResource", _named_target),
            "Object": ("object", _value_target), "External": ("external", _value_target),
            "Pods": ("pods", _pods_target)}


def format_metrics(hpa: dict) -> str:
    """Each metric as ``current/target`` (status and spec lists pair up by position), two
    at most, then ``+ N more...``."""
    specs = dicts(hpa, "spec", "metrics")
    if not specs:
        return "<none>"
    statuses = get(hpa, "status", "currentMetrics")
    statuses = statuses if isinstance(statuses, list) else []
    shown = []
    for i, spec in enumerate(specs):
        field, render = _FORMATS.get(text(spec, "type"), ("", None))
        if render is None:
            shown.append("<unknown type>")
            continue
        current = get(statuses[i], field) if i < len(statuses) else None
        shown.append(render(mapping(spec, field), current if isinstance(current, dict) else None))
    return list_with_more(shown, limit=2, separator=", ")


def _hpa_cells(hpa: dict, now: datetime) -> list:
    target = mapping(hpa, "spec", "scaleTargetRef")
    return [name(hpa), f"{text(target, 'kind')}/{text(target, 'name')}", format_metrics(hpa),
            int_or_string(get(hpa, "spec", "minReplicas"), "<unset>"),
            integer(hpa, "spec", "maxReplicas"), integer(hpa, "status", "currentReplicas"),
            age(hpa, now)]


HORIZONTAL_POD_AUTOSCALER = Printer(
    (NAME, Column("Reference", DOCS["HorizontalPodAutoscalerSpec.scaleTargetRef"]),
     Column("Targets", DOCS["HorizontalPodAutoscalerSpec.metrics"]),
     Column("MinPods", DOCS["HorizontalPodAutoscalerSpec.minReplicas"]),
     Column("MaxPods", DOCS["HorizontalPodAutoscalerSpec.maxReplicas"]),
     Column("Replicas", DOCS["HorizontalPodAutoscalerStatus.currentReplicas"]), AGE),
    _hpa_cells,
)

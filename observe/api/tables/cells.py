"""Reading objects and formatting cell values for the printers.

Objects reach the printers from the store, but a Table must never fail because one object
has a surprising shape, so every read here tolerates missing keys and wrong types. The
formatters reproduce the small helpers of Kubernetes' printers (labels, selectors,
container lists, ``<none>``/``<unset>`` placeholders).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.api.selectors import label_selector_from_dict, validate_label_selector_dict
from observe.api.tables.duration import since


def get(obj: Any, *path: str) -> Any:
    for step in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(step)
    return obj


def text(obj: Any, *path: str) -> str:
    value = get(obj, *path)
    return value if isinstance(value, str) else ""


def integer(obj: Any, *path: str, default: int = 0) -> int:
    value = get(obj, *path)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def items(obj: Any, *path: str) -> list[Any]:
    value = get(obj, *path)
    return value if isinstance(value, list) else []


def mapping(obj: Any, *path: str) -> dict[str, Any]:
    value = get(obj, *path)
    return value if isinstance(value, dict) else {}


def dicts(obj: Any, *path: str) -> list[dict[str, Any]]:
    return [item for item in items(obj, *path) if isinstance(item, dict)]


def name(obj: Any) -> str:
    return text(obj, "metadata", "name")


def age(obj: Any, now: datetime) -> str:
    """The AGE cell: time since ``metadata.creationTimestamp``."""
    return since(now, get(obj, "metadata", "creationTimestamp"))


def or_none(value: str, placeholder: str = "<none>") -> str:
    return value or placeholder


def format_labels(labels: dict[str, Any]) -> str:
    """``a=1,b=2`` sorted by key, or ``<none>``."""
    return or_none(",".join(f"{k}={v}" for k, v in sorted(labels.items())))


def selector_string(selector: Any, invalid: str = "<error>") -> str:
    """A metav1.LabelSelector in selector syntax (``app=web,tier in (a,b)``); ``invalid``
    when it could not be turned into a selector, "" when it selects nothing."""
    if validate_label_selector_dict(selector, "selector"):
        return invalid
    return str(label_selector_from_dict(selector))


def format_label_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: like :func:`selector_string` with ``<none>`` for ""."""
    return or_none(selector_string(selector))


def container_cells(pod_spec: Any) -> list[str]:
    """The Containers and Images cells: names and images joined by commas."""
    containers = dicts(pod_spec, "containers")
    return [",".join(text(c, "name") for c in containers),
            ",".join(text(c, "image") for c in containers)]


def bool_text(value: Any) -> str:
    """A ``*bool`` as the printers show it: True, False or ``<unset>``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return "<unset>"


def int_or_string(value: Any, missing: str) -> str:
    """An IntOrString such as ``1`` or ``25%``; ``missing`` when absent."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return missing
    return str(value)


def quantity(value: Any) -> str:
    """A resource quantity as stored (the apiserver keeps them canonical); Go prints an
    absent one as ``0``."""
    return value if isinstance(value, str) and value else "0"


def list_with_more(values: list[str], limit: int = 3, separator: str = ",") -> str:
    """The first ``limit`` values and ``+ N more...``, as the printers shorten long lists."""
    shown = separator.join(values[:limit])
    if len(values) > limit:
        return f"{shown} + {len(values) - limit} more..."
    return shown

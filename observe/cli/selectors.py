"""Label selectors written the way kubectl writes them, and controller ownership checks.

``logs deploy/web``, ``describe`` and ``rollout`` find a workload's pods or ReplicaSets by
turning its ``spec.selector`` into the ``labelSelector`` query string, then keep only the
objects whose controller reference points back at it.
"""

from __future__ import annotations

from typing import Any


def selector_string(selector: dict[str, Any] | None) -> str:
    """``app=web,tier in (a,b),!canary``: a LabelSelector (``matchLabels`` and
    ``matchExpressions``) or a plain map (a Service's ``spec.selector``) as query text."""
    if not selector:
        return ""
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return ",".join(f"{k}={selector[k]}" for k in sorted(selector))
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = ",".join(sorted(expr.get("values") or []))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def controlled_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    """Whether ``obj``'s controller ownerReference is ``owner`` (by uid)."""
    uid = (owner.get("metadata") or {}).get("uid")
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("uid") == uid:
            return True
    return False

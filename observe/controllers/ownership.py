"""Controller references: who controls an object, and adopting or releasing it.

Like client-go's ``ControllerRefManager``: a controller claims the objects its selector
matches. An object it already controls stays claimed while the selector matches and is
released (its ownerReference dropped) when it no longer does; an orphan that matches is
adopted (an ownerReference with ``controller: true`` added); objects controlled by someone
else are never touched. The decision is :func:`claim_action`, pure; the patches that carry it
out are built here too and sent by the controller with the object's resourceVersion, so a
concurrent change makes the patch fail (409) instead of clobbering it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

Object = dict[str, Any]


class Claim(Enum):
    OWNED = "owned"      # ours and matching: keep
    ADOPT = "adopt"      # an orphan that matches: take it
    RELEASE = "release"  # ours but no longer matching: let go
    IGNORE = "ignore"    # someone else's, or not ours to take


def controller_ref(owner: Object) -> Object:
    """The ownerReference a controller puts on what it creates or adopts."""
    meta = owner.get("metadata") or {}
    return {"apiVersion": owner.get("apiVersion", ""), "kind": owner.get("kind", ""),
            "name": meta.get("name", ""), "uid": meta.get("uid", ""),
            "controller": True, "blockOwnerDeletion": True}


def controller_of(obj: Object) -> Object | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: Object, owner: Object) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == (owner.get("metadata") or {}).get("uid")


def claim_action(owner: Object, obj: Object, matches: bool) -> Claim:
    """What ``owner`` (a controller object) should do about ``obj``, which its selector
    ``matches`` or not."""
    owner_meta, meta = owner.get("metadata") or {}, obj.get("metadata") or {}
    ref = controller_of(obj)
    owner_deleting = bool(owner_meta.get("deletionTimestamp"))
    if ref is not None:
        if ref.get("uid") != owner_meta.get("uid"):
            return Claim.IGNORE
        if matches:
            return Claim.OWNED
        return Claim.IGNORE if owner_deleting else Claim.RELEASE
    if owner_deleting or not matches or meta.get("deletionTimestamp"):
        return Claim.IGNORE
    if owner_meta.get("namespace") and owner_meta.get("namespace") != meta.get("namespace"):
        return Claim.IGNORE
    return Claim.ADOPT


def adopt_patch(owner: Object, obj: Object) -> Object:
    """A JSON merge patch making ``owner`` the controller of ``obj``."""
    meta = obj.get("metadata") or {}
    refs = [r for r in meta.get("ownerReferences") or []
            if r.get("uid") != (owner.get("metadata") or {}).get("uid")]
    return {"metadata": {"ownerReferences": [*refs, controller_ref(owner)],
                         "resourceVersion": meta.get("resourceVersion")}}


def release_patch(owner_uid: str, obj: Object) -> Object:
    """A JSON merge patch dropping the ownerReference to ``owner_uid`` from ``obj``."""
    meta = obj.get("metadata") or {}
    refs = [r for r in meta.get("ownerReferences") or [] if r.get("uid") != owner_uid]
    return {"metadata": {"ownerReferences": refs or None,
                         "resourceVersion": meta.get("resourceVersion")}}

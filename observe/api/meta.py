"""ObjectMeta rules the apiserver applies on every write, whatever the kind.

Pure functions over plain dicts: what a create fills in (uid, creationTimestamp, generation,
a name from ``generateName``), what an update may not change, when ``generation`` moves
(spec changes only), and how deletion marks an object that still has finalizers.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

# kube-apiserver's generateName alphabet: no vowels (no accidental words) and no
# look-alike characters.
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_GENERATED_SUFFIX = 5
_MAX_NAME = 253

# Fields of metadata the server owns: a client can never set or change them.
SERVER_OWNED = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "generation", "selfLink")

_LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()

FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"


def now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """Kubernetes' metav1.Time form: seconds precision, UTC, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def new_uid() -> str:
    return str(uuid.uuid4())


def generate_name(base: str) -> str:
    base = base[: _MAX_NAME - _GENERATED_SUFFIX]
    return base + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(_GENERATED_SUFFIX))


def metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's metadata, created if missing or null (Go clients send null)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    return meta


def prepare_create(obj: dict[str, Any], *, tracks_generation: bool, moment: datetime) -> None:
    """Fill the server-owned metadata of a new object; the name is resolved by the caller."""
    meta = metadata(obj)
    for key in (*SERVER_OWNED, "resourceVersion", "managedFields"):
        meta.pop(key, None)
    meta["uid"] = new_uid()
    meta["creationTimestamp"] = rfc3339(moment)
    if tracks_generation:
        meta["generation"] = 1
    # Go clients send empty maps and nulls; keep the stored form canonical.
    for key in ("labels", "annotations", "finalizers", "ownerReferences"):
        if not meta.get(key):
            meta.pop(key, None)


def spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything but metadata, status and the type fields: what ``generation`` tracks."""
    return {k: v for k, v in obj.items()
            if k not in ("metadata", "status", "apiVersion", "kind")}


def carry_over(new: dict[str, Any], old: dict[str, Any], *, tracks_generation: bool) -> None:
    """On update, keep what a client may not change and bump generation on spec change."""
    new_meta, old_meta = metadata(new), metadata(old)
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "namespace", "name"):
        if key in old_meta:
            new_meta[key] = old_meta[key]
        else:
            new_meta.pop(key, None)
    new_meta.pop("managedFields", None)
    new_meta.pop("selfLink", None)
    for key in ("labels", "annotations", "finalizers", "ownerReferences"):
        if not new_meta.get(key):
            new_meta.pop(key, None)
    if tracks_generation:
        generation = old_meta.get("generation", 1)
        if spec_of(new) != spec_of(old):
            generation += 1
        new_meta["generation"] = generation
    else:
        new_meta.pop("generation", None)


def is_terminating(obj: dict[str, Any]) -> bool:
    return bool(metadata(obj).get("deletionTimestamp"))


def finalizers(obj: dict[str, Any]) -> list[str]:
    return list(metadata(obj).get("finalizers") or [])


def add_finalizer(obj: dict[str, Any], name: str) -> None:
    current = finalizers(obj)
    if name not in current:
        metadata(obj)["finalizers"] = [*current, name]


def remove_finalizer(obj: dict[str, Any], name: str) -> None:
    current = [f for f in finalizers(obj) if f != name]
    if current:
        metadata(obj)["finalizers"] = current
    else:
        metadata(obj).pop("finalizers", None)


def mark_deleted(obj: dict[str, Any], moment: datetime, grace_seconds: int) -> None:
    """Set deletionTimestamp the way kube-apiserver does: now + grace, never moved later."""
    meta = metadata(obj)
    existing = parse_time(meta.get("deletionTimestamp"))
    # A grace period of centuries ends with the calendar instead of overflowing it.
    deadline = datetime.fromtimestamp(min(moment.timestamp() + grace_seconds, _LATEST), UTC)
    if existing is None or deadline < existing:
        meta["deletionTimestamp"] = rfc3339(deadline)
        meta["deletionGracePeriodSeconds"] = grace_seconds


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The ownerReference with ``controller: true``, if any."""
    for ref in metadata(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None

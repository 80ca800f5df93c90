"""Building blocks the per-kind generators share, each reading one object and returning
:class:`~exporters.state.exposition.Sample` values the way kube-state-metrics computes them.

Objects are plain Kubernetes JSON dicts straight from the informer; anything may be
missing, so every accessor tolerates absent fields. Timestamps become whole Unix seconds
(Go's ``Time.Unix()``), quantities the floats ksm derives from ``resource.Quantity``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from exporters.state.allowlist import AllowList, prometheus_labels, sanitize_label_name, select
from exporters.state.exposition import GAUGE, FamilyGenerator, Object, Sample
from observe.api.quantity import QuantityError, parse_quantity

NO_SAMPLES: tuple[Sample, ...] = ()
CONDITION_STATUSES = ("True", "False", "Unknown")
# apimachinery's resource.MaxMilliValue: beyond it MilliValue() would overflow.
MAX_MILLI_VALUE = (2**63 - 1) // 1000
UNIT_CORE, UNIT_BYTE, UNIT_INTEGER = "core", "byte", "integer"
_QUALIFIED_NAME = re.compile(
    r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def metadata(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def spec(obj: Object) -> dict[str, Any]:
    return obj.get("spec") or {}


def status(obj: Object) -> dict[str, Any]:
    return obj.get("status") or {}


def unix(timestamp: Any) -> int | None:
    """Whole seconds since the epoch of an RFC 3339 timestamp, ``None`` if absent or
    unreadable."""
    if not timestamp or not isinstance(timestamp, str):
        return None
    try:
        return int(datetime.fromisoformat(timestamp).timestamp())
    except ValueError:
        return None


def number(value: Any) -> float:
    """A JSON number (absent means 0, as Go's zero value)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else 0.0


def one(value: float, *labels: tuple[str, str]) -> tuple[Sample]:
    return (Sample(labels, value),)


def timestamp_samples(timestamp: Any) -> tuple[Sample, ...]:
    seconds = unix(timestamp)
    return NO_SAMPLES if seconds is None else one(seconds)


def condition_samples(condition_status: Any, *labels: tuple[str, str],
                      key: str = "status") -> list[Sample]:
    """One sample per possible condition status (``true``/``false``/``unknown``), 1 for
    the one the condition has; ``labels`` come before the ``key`` label."""
    return [Sample((*labels, (key, s.lower())), 1.0 if condition_status == s else 0.0)
            for s in CONDITION_STATUSES]


def conditions_samples(obj: Object, *, with_reason: bool = False) -> list[Sample]:
    """``condition``/``status`` samples for every entry of ``status.conditions``."""
    out: list[Sample] = []
    for c in status(obj).get("conditions") or []:
        labels = [("condition", str(c.get("type", "")))]
        if with_reason:
            labels.insert(0, ("reason", str(c.get("reason") or "")))
        out.extend(condition_samples(c.get("status"), *labels))
    return out


def condition_of(obj: Object, condition_type: str) -> list[dict[str, Any]]:
    return [c for c in status(obj).get("conditions") or [] if c.get("type") == condition_type]


def owner_samples(obj: Object) -> list[Sample]:
    """``owner_kind``/``owner_name``/``owner_is_controller`` per owner reference, one empty
    series when there is none."""
    owners = metadata(obj).get("ownerReferences") or []
    if not owners:
        return [Sample((("owner_kind", ""), ("owner_name", ""),
                        ("owner_is_controller", "")), 1.0)]
    return [Sample((("owner_kind", str(o.get("kind", ""))), ("owner_name", str(o.get("name", ""))),
                    ("owner_is_controller", "true" if o.get("controller") else "false")), 1.0)
            for o in owners]


def controller_of(obj: Object) -> dict[str, Any] | None:
    return next((o for o in metadata(obj).get("ownerReferences") or [] if o.get("controller")),
                None)


def quantity(value: Any) -> tuple[int, int] | None:
    """``(Value(), MilliValue())`` of a quantity, ``None`` if it is not one."""
    try:
        q = parse_quantity(value)
    except QuantityError:
        return None
    return q.value(), q.milli_value()


def cores(value: Any) -> float | None:
    """ksm's ``convertValueToFloat64``: milli precision unless that would overflow."""
    q = quantity(value)
    if q is None:
        return None
    whole, milli = q
    return float(whole) if whole > MAX_MILLI_VALUE else milli / 1000


def is_native_resource(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def is_extended_resource(name: str) -> bool:
    """A name like ``example.com/gpu``: not native, not a quota ``requests.`` name, and a
    valid qualified name once prefixed with ``requests.``."""
    if is_native_resource(name) or name.startswith("requests."):
        return False
    prefix, _, short = f"requests.{name}".rpartition("/")
    return bool(_QUALIFIED_NAME.match(short)) and len(short) <= 63 and (
        not prefix or (bool(_DNS_SUBDOMAIN.match(prefix)) and len(prefix) <= 253))


def container_resource_samples(resources: Mapping[str, Any], *leading: tuple[str, str]
                               ) -> list[Sample]:
    """``resource``/``unit`` samples of a container's requests or limits, the resource kinds
    ksm reports: CPU in cores, memory and storage in bytes, hugepages and attachable volumes
    in bytes, extended resources as integers."""
    out: list[Sample] = []
    for name, raw in resources.items():
        q = quantity(raw)
        if q is None:
            continue
        label = sanitize_label_name(name)
        if name == "cpu":
            out.append(Sample((*leading, ("resource", label), ("unit", UNIT_CORE)),
                              cores(raw) or 0.0))
        elif name in ("memory", "storage", "ephemeral-storage"):
            out.append(Sample((*leading, ("resource", label), ("unit", UNIT_BYTE)), q[0]))
        else:
            if name.startswith(("hugepages-", "attachable-volumes-")):
                out.append(Sample((*leading, ("resource", label), ("unit", UNIT_BYTE)), q[0]))
            if is_extended_resource(name):
                out.append(Sample((*leading, ("resource", label), ("unit", UNIT_INTEGER)),
                                  q[0]))
    return out


# -- families every kind has -------------------------------------------------------------


def created_family(prefix: str, *, stable: bool = True) -> FamilyGenerator:
    return FamilyGenerator(
        f"{prefix}_created", "Unix creation timestamp", GAUGE,
        lambda obj: timestamp_samples(metadata(obj).get("creationTimestamp")), stable=stable)


def deletion_timestamp_family(prefix: str, *, stable: bool = False) -> FamilyGenerator:
    return FamilyGenerator(
        f"{prefix}_deletion_timestamp", "Unix deletion timestamp", GAUGE,
        lambda obj: timestamp_samples(metadata(obj).get("deletionTimestamp")), stable=stable)


def _mapping_family(name: str, field: str, prefix: str, allowed: AllowList,
                    stable: bool) -> FamilyGenerator:
    def generate(obj: Object) -> Sequence[Sample]:
        if not allowed:
            return NO_SAMPLES
        chosen = select(metadata(obj).get(field) or {}, allowed)
        return one(1.0, *prometheus_labels(prefix, chosen))

    help_text = ("Kubernetes labels converted to Prometheus labels." if field == "labels"
                 else "Kubernetes annotations converted to Prometheus labels.")
    return FamilyGenerator(name, help_text, GAUGE, generate, stable=stable)


def labels_family(prefix: str, allowed: AllowList, *, stable: bool = True) -> FamilyGenerator:
    """``<prefix>_labels``: allowed Kubernetes labels as ``label_*`` labels."""
    return _mapping_family(f"{prefix}_labels", "labels", "label", allowed, stable)


def annotations_family(prefix: str, allowed: AllowList, *,
                       stable: bool = False) -> FamilyGenerator:
    """``<prefix>_annotations``: allowed annotations as ``annotation_*`` labels."""
    return _mapping_family(f"{prefix}_annotations", "annotations", "annotation", allowed,
                           stable)


def gauge(name: str, help_text: str, value: Callable[[Object], float], *,
          stable: bool = True) -> FamilyGenerator:
    """A family with exactly one unlabelled sample per object."""
    return FamilyGenerator(name, help_text, GAUGE, lambda obj: one(value(obj)), stable=stable)


def optional_gauge(name: str, help_text: str, value: Callable[[Object], Any], *,
                   stable: bool = True) -> FamilyGenerator:
    """A family with one sample when ``value`` is a number, none when it is absent."""
    def generate(obj: Object) -> Sequence[Sample]:
        v = value(obj)
        return NO_SAMPLES if v is None or isinstance(v, bool) else one(float(v))

    return FamilyGenerator(name, help_text, GAUGE, generate, stable=stable)


def phase_samples(current: Any, phases: Sequence[str]) -> list[Sample]:
    """One ``phase`` sample per possible phase, 1 for the current one; none without a
    phase."""
    if not current:
        return []
    return [Sample((("phase", p),), 1.0 if current == p else 0.0) for p in phases]

"""Which Kubernetes labels and annotations become ``label_*``/``annotation_*`` Prometheus
labels, as kube-state-metrics' ``--metric-labels-allowlist`` and
``--metric-annotations-allowlist`` decide.

The flag reads ``pods=[app,team],namespaces=[*],*=[tier]``: per resource (plural, or ``*``
for every resource) the keys to keep, ``*`` for all of them, ``part*`` for keys matching a
wildcard. The default, as in ksm, is nothing, so the ``kube_*_labels`` and
``kube_*_annotations`` families carry no series. Selected keys are sanitized
(``app.kubernetes.io/name`` -> ``label_app_kubernetes_io_name``, camelCase to snake_case),
sorted, and names that collide get ksm's ``_conflictN`` suffixes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

WILDCARD = "*"
_INVALID_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]")
_CAMEL_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")
_ENTRY = re.compile(r"\s*([^=,\s]+)\s*=\s*\[([^\]]*)\]\s*(?:,|$)")

AllowList = tuple[str, ...]


class AllowListError(ValueError):
    """The flag's text is not ``resource=[key,...],...``."""


def parse_allowlist(text: str) -> dict[str, AllowList]:
    """``resource -> allowed keys`` from the flag's text; ``*`` as a resource applies to
    every resource that has no entry of its own."""
    text = text.strip()
    out: dict[str, AllowList] = {}
    position = 0
    while position < len(text):
        match = _ENTRY.match(text, position)
        if match is None:
            raise AllowListError(f"cannot read {text[position:]!r}: want resource=[key,...]")
        resource, keys = match.group(1), match.group(2)
        out[resource] = tuple(k.strip() for k in keys.split(",") if k.strip())
        position = match.end()
    return out


def allowed_for(allowlists: Mapping[str, AllowList], resource: str) -> AllowList:
    return allowlists.get(resource, allowlists.get(WILDCARD, ()))


def sanitize_label_name(name: str) -> str:
    """Every character Prometheus does not allow in a label name becomes ``_``."""
    return _INVALID_LABEL_CHARS.sub("_", name)


def _label_name(prefix: str, key: str) -> str:
    snake = _CAMEL_BOUNDARY.sub(r"\1_\2", sanitize_label_name(key)).lower()
    return f"{prefix}_{snake}"


@lru_cache(maxsize=256)
def _pattern(wildcard: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(map(re.escape, wildcard.split(WILDCARD))) + "$")


def select(mapping: Mapping[str, str], allowed: Sequence[str]) -> Mapping[str, str]:
    """The entries of ``mapping`` the allowlist keeps (a leading ``*`` keeps them all)."""
    if not allowed:
        return {}
    if allowed[0] == WILDCARD:
        return mapping
    chosen: dict[str, str] = {}
    for entry in allowed:
        if entry == WILDCARD:
            continue
        if WILDCARD not in entry:
            if entry in mapping:
                chosen[entry] = mapping[entry]
            continue
        pattern = _pattern(entry)
        chosen.update((k, v) for k, v in mapping.items() if pattern.match(k))
    return chosen


def prometheus_labels(prefix: str, mapping: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``(label_name, value)`` pairs in key order, with ksm's conflict renaming: the first
    two keys that sanitize to one name become ``_conflict1`` and ``_conflict2``, and so on,
    skipping suffixed names another key already produced."""
    names: list[str] = []
    values: list[str] = []
    used: dict[str, int] = {}
    conflicts: dict[str, int] = {}

    def next_free(base: str, count: int) -> tuple[str, int]:
        while True:
            count += 1
            candidate = f"{base}_conflict{count}"
            if candidate not in used:
                return candidate, count

    for key in sorted(mapping):
        base = _label_name(prefix, key)
        name = base
        if base in conflicts:
            name, conflicts[base] = next_free(base, conflicts[base])
        elif base in used:
            index = used.pop(base)
            renamed, count = next_free(base, 0)
            names[index] = renamed
            used[renamed] = index
            name, conflicts[base] = next_free(base, count)
        used[name] = len(names)
        names.append(name)
        values.append(mapping[key])
    return tuple(zip(names, values, strict=True))

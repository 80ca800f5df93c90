"""Pod template identity for the Deployment controller: the ``pod-template-hash`` and the
"same template" test.

A Deployment's ReplicaSets are named ``<deployment>-<hash>`` and carry the hash as a label
(``pod-template-hash``) in their selector and template, so pods of different revisions never
overlap. Whether a ReplicaSet runs the Deployment's current template is decided by comparing
the two templates without that label (upstream's ``EqualIgnoreHash``).

Both work on a *normalised* template: defaulted as the apiserver defaults it, with nulls and
empty objects and lists dropped. ``kubectl rollout undo`` sends back an old ReplicaSet's
template with Go's zero values (``"creationTimestamp": null``, ``"resources": {}``); after
normalising it equals the old ReplicaSet's template again, so the rollback re-uses that
ReplicaSet instead of creating a third one.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from observe.api.kinds.podspec import default_pod_template

HASH_LABEL = "pod-template-hash"
# Upstream's rand.SafeEncodeString alphabet: no vowels, no look-alike characters.
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193

Template = dict[str, Any]


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def normalize(template: Template) -> Template:
    """``template`` defaulted like the apiserver would, without nulls and empty values."""
    holder = {"template": copy.deepcopy(template) if isinstance(template, dict) else {}}
    default_pod_template(holder)
    return _pruned(holder["template"])


def without_hash(template: Template) -> Template:
    """A copy of ``template`` without the ``pod-template-hash`` label."""
    result = copy.deepcopy(template) if isinstance(template, dict) else {}
    labels = (result.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return result


def equal_ignore_hash(a: Template, b: Template) -> bool:
    """Whether two templates describe the same pods, whatever their hash labels say."""
    return normalize(without_hash(a)) == normalize(without_hash(b))


def fnv32a(data: bytes) -> int:
    h = _FNV32_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in text)


def template_hash(template: Template, collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` of ``template`` (its own hash label ignored).

    FNV-32a over the normalised template's canonical JSON, then, as upstream, the decimal
    value spelled in the safe alphabet. ``collision_count`` (the Deployment's
    ``status.collisionCount``) changes the hash when two templates collide.
    """
    data = orjson.dumps(normalize(without_hash(template)), option=orjson.OPT_SORT_KEYS)
    if collision_count:
        data += collision_count.to_bytes(4, "little", signed=False)
    return safe_encode(str(fnv32a(data)))

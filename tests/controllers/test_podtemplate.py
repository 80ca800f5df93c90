"""pod-template-hash stability: the same pods hash the same whatever Go zero values or
defaults a client adds, and a ReplicaSet's template is recognised again after a rollback."""

from __future__ import annotations

import copy

import pytest

from observe.api.kinds.podspec import default_pod_template
from observe.controllers.podtemplate import (
    HASH_LABEL,
    equal_ignore_hash,
    fnv32a,
    safe_encode,
    template_hash,
)

TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1",
                                     "ports": [{"containerPort": 80}]}]}}


def defaulted(template: dict) -> dict:
    holder = {"template": copy.deepcopy(template)}
    default_pod_template(holder)
    return holder["template"]


def as_kubectl_undo_sends(template: dict, pod_hash: str) -> dict:
    """An old ReplicaSet's template as ``rollout undo`` patches it back: hash label gone,
    Go's zero values present."""
    sent = copy.deepcopy(template)
    sent["metadata"]["labels"].pop(HASH_LABEL, None)
    sent["metadata"]["creationTimestamp"] = None
    for container in sent["spec"]["containers"]:
        container["resources"] = {}
    return sent


def with_hash(template: dict, pod_hash: str) -> dict:
    out = copy.deepcopy(template)
    out["metadata"]["labels"][HASH_LABEL] = pod_hash
    return out


@pytest.mark.parametrize(("name", "other"), [
    ("defaulted by the apiserver", defaulted(TEMPLATE)),
    ("with its hash label", with_hash(TEMPLATE, "abc")),
    ("as rollout undo sends it", as_kubectl_undo_sends(with_hash(defaulted(TEMPLATE), "x"),
                                                        "x")),
    ("with an empty securityContext", {**TEMPLATE, "spec": {**TEMPLATE["spec"],
                                                            "securityContext": {}}}),
])
def test_the_same_pods_hash_and_compare_the_same(name, other):
    assert template_hash(other) == template_hash(TEMPLATE), name
    assert equal_ignore_hash(other, TEMPLATE), name


@pytest.mark.parametrize(("name", "change"), [
    ("image", lambda t: t["spec"]["containers"][0].update(image="nginx:2")),
    ("label", lambda t: t["metadata"]["labels"].update(tier="front")),
    ("annotation", lambda t: t["metadata"].update(annotations={"a": "b"})),
    ("env", lambda t: t["spec"]["containers"][0].update(env=[{"name": "X", "value": "1"}])),
])
def test_a_different_template_hashes_differently(name, change):
    other = copy.deepcopy(TEMPLATE)
    change(other)
    assert template_hash(other) != template_hash(TEMPLATE), name
    assert not equal_ignore_hash(other, TEMPLATE), name


def test_collision_count_changes_the_hash():
    hashes = {template_hash(TEMPLATE, count) for count in (None, 1, 2)}
    assert len(hashes) == 3


def test_hash_is_stable_across_releases():
    # A golden value: changing the algorithm renames every future ReplicaSet.
    assert template_hash(TEMPLATE) == "6dc654f64f"


def test_hash_uses_upstreams_fnv_and_safe_alphabet():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C
    assert safe_encode("0123456789") == "456789bcdf"
    assert set(template_hash(TEMPLATE)) <= set("bcdfghjklmnpqrstvwxz2456789")

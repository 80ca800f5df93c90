"""DefaultTolerationSeconds: every pod tolerates a not-ready or unreachable node for 300 s
unless it says otherwise, so the node lifecycle controller evicts it after five minutes."""

from __future__ import annotations

import pytest

from observe.api.kinds.pod import add_default_tolerations

NOT_READY, UNREACHABLE = "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"


def default(key: str) -> dict:
    return {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}


@pytest.mark.parametrize(("name", "given", "expected"), [
    ("none given", None, [default(NOT_READY), default(UNREACHABLE)]),
    ("its own for not-ready", [{"key": NOT_READY, "operator": "Exists",
                                "effect": "NoExecute", "tolerationSeconds": 5}],
     [{"key": NOT_READY, "operator": "Exists", "effect": "NoExecute",
       "tolerationSeconds": 5}, default(UNREACHABLE)]),
    ("tolerates everything", [{"operator": "Exists"}], [{"operator": "Exists"}]),
    ("any effect of the key", [{"key": UNREACHABLE, "operator": "Exists"}],
     [{"key": UNREACHABLE, "operator": "Exists"}, default(NOT_READY)]),
    ("another effect does not count", [{"key": NOT_READY, "effect": "NoSchedule",
                                        "operator": "Exists"}],
     [{"key": NOT_READY, "effect": "NoSchedule", "operator": "Exists"}, default(NOT_READY),
      default(UNREACHABLE)]),
])
def test_default_tolerations(name, given, expected):
    pod = {"spec": {"containers": []}}
    if given is not None:
        pod["spec"]["tolerations"] = given
    add_default_tolerations(pod)
    assert pod["spec"]["tolerations"] == expected, name


def test_adding_them_again_changes_nothing():
    pod = {"spec": {}}
    add_default_tolerations(pod)
    once = [dict(t) for t in pod["spec"]["tolerations"]]
    add_default_tolerations(pod)
    assert pod["spec"]["tolerations"] == once

"""The Deployment arithmetic against upstream's documented examples and its unit-test tables
(``deployment_util_test.go``, ``rolling_test.go``, ``sync_test.go``)."""

from __future__ import annotations

import pytest

from observe.controllers import deployment_rollout as rollout
from observe.controllers.deployment_revisions import replicas_annotations


def deployment(replicas: int, surge: object = 0, unavailable: object = 0,
               strategy: str = "RollingUpdate", **spec: object) -> dict:
    body: dict = {"replicas": replicas, "strategy": {"type": strategy}, **spec}
    if strategy == "RollingUpdate":
        body["strategy"]["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"name": "foo", "generation": 1}, "spec": body, "status": {}}


def rs(name: str, replicas: int, available: int | None = None, created: int = 0,
       annotations: dict | None = None) -> dict:
    return {"metadata": {"name": name, "uid": f"uid-{name}",
                         "creationTimestamp": f"2024-01-01T00:00:{created:02d}Z",
                         "annotations": annotations or {}},
            "spec": {"replicas": replicas},
            "status": {"replicas": replicas,
                       "availableReplicas": replicas if available is None else available}}


@pytest.mark.parametrize(("surge", "unavailable", "desired", "expected"), [
    # TestResolveFenceposts
    ("0", "0", 0, (0, 1)),
    ("39%", "39%", 10, (4, 3)),
    (None, "39%", 10, (0, 3)),
    ("39%", None, 10, (4, 0)),
    (None, None, 10, (0, 1)),
    # the defaults: 25% of 10 is 3 surge (rounded up), 2 unavailable (rounded down)
    ("25%", "25%", 10, (3, 2)),
    ("25%", "25%", 1, (1, 0)),
    (2, "0%", 3, (2, 0)),
])
def test_resolve_fenceposts(surge, unavailable, desired, expected):
    assert rollout.resolve_fenceposts(surge, unavailable, desired) == expected


@pytest.mark.parametrize(("surge", "unavailable"), [("oops", "39%"), ("55%", "urg")])
def test_resolve_fenceposts_rejects_what_is_not_a_percentage(surge, unavailable):
    with pytest.raises(ValueError):
        rollout.resolve_fenceposts(surge, unavailable, 10)


@pytest.mark.parametrize(("d", "expected"), [
    (deployment(10, 0, 20), 10),            # clamped to spec.replicas
    (deployment(0, 1, 1), 0),               # nothing to make unavailable
    (deployment(4, "25%", "25%"), 1),
    (deployment(4, strategy="Recreate"), 0),
])
def test_max_unavailable(d, expected):
    assert rollout.max_unavailable(d) == expected


@pytest.mark.parametrize(("d", "new", "old", "expected"), [
    # TestNewRSNewReplicas
    (deployment(1, surge=1), rs("new", 5), [rs("old", 5)], 5),       # cannot scale up
    (deployment(6, surge=10), rs("new", 2), [rs("old", 5)], 6),      # to spec.replicas
    (deployment(3, strategy="Recreate"), rs("new", 1), [rs("old", 5)], 3),
    (deployment(10, surge=3, unavailable=2), rs("new", 0), [rs("old", 10)], 3),
])
def test_new_rs_replicas(d, new, old, expected):
    assert rollout.new_rs_replicas(d, [*old, new], new) == expected


@pytest.mark.parametrize(("replicas", "unavailable", "old", "new", "old_ready", "new_ready",
                          "expected"), [
    # TestDeploymentController_reconcileOldReplicaSets
    (10, 0, 10, 0, 10, 0, 9),
    (10, 2, 10, 0, 10, 0, 8),
    (10, 2, 10, 0, 8, 0, 8),    # the unhealthy replicas go first
    (10, 2, 10, 0, 9, 0, 8),    # one unhealthy, then one ready
    (10, 2, 8, 2, 8, 0, None),  # unavailable new pods stop further scale-downs
])
def test_old_replicaset_scale_downs(replicas, unavailable, old, new, old_ready, new_ready,
                                    expected):
    d = deployment(replicas, 0, unavailable)
    old_rs, new_rs = rs("old", old, old_ready), rs("new", new, new_ready, created=1)
    ops = rollout.old_rs_scale_downs(d, [old_rs, new_rs], [old_rs], new_rs)
    assert (ops[-1][1] if ops else None) == expected


def simulate(replicas: int, surge: object, unavailable: object, *, ready: bool = True,
             steps: int = 20) -> list[str]:
    """Run the rolling-update steps of one sync at a time, pods becoming available at once
    (or never), and spell what each sync did as upstream's comments do: new(+1), old(-1)."""
    d = deployment(replicas, surge, unavailable)
    old, new = rs("old", replicas), rs("new", 0, created=1)
    log: list[str] = []
    for _ in range(steps):
        wanted = rollout.new_rs_replicas(d, [old, new], new)
        if wanted != new["spec"]["replicas"]:
            log.append(f"new({wanted - new['spec']['replicas']:+d})")
            new = rs("new", wanted, wanted if ready else 0, created=1)
            continue
        ops = rollout.old_rs_scale_downs(d, [old, new], rollout.active([old]), new)
        if not ops:
            break
        size = ops[-1][1]
        log.append(f"old({size - old['spec']['replicas']:+d})")
        old = rs("old", size)
    return log


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "expected"), [
    # The examples in upstream's ResolveFenceposts comment.
    (2, "0%", "1%", ["old(-1)", "new(+1)", "old(-1)", "new(+1)"]),
    (1, "0%", "1%", ["old(-1)", "new(+1)"]),
    (2, "1%", "25%", ["new(+1)", "old(-1)", "new(+1)", "old(-1)"]),
    (1, "1%", "25%", ["new(+1)", "old(-1)"]),
    (2, "1%", "0%", ["new(+1)", "old(-1)", "new(+1)", "old(-1)"]),
    (1, "1%", "0%", ["new(+1)", "old(-1)"]),
    # The defaults on 4 replicas: one surge, one unavailable.
    (4, "25%", "25%", ["new(+1)", "old(-2)", "new(+2)", "old(-2)", "new(+1)"]),
])
def test_rolling_update_steps_match_upstream_examples(replicas, surge, unavailable, expected):
    assert simulate(replicas, surge, unavailable) == expected


def test_a_new_replicaset_that_never_becomes_available_stalls_the_rollout():
    # upstream's reconcileOldReplicaSets comment: 10 replicas, maxUnavailable 2, maxSurge 3
    assert simulate(10, 3, 2, ready=False) == ["new(+3)", "old(-2)", "new(+2)"]


def annotated(name: str, replicas: int, desired: int, created: int) -> dict:
    return rs(name, replicas, created=created,
              annotations=replicas_annotations(desired, desired))


@pytest.mark.parametrize(("desired", "before", "new", "old", "expected"), [
    # TestScale (surge 0, so max-replicas == the old desired count)
    (10, 5, ("v2", 2), [("v1", 3)], {"v2": 4, "v1": 6}),
    (3, 5, ("v2", 2), [("v1", 3)], {"v2": 1, "v1": 2}),
    (4, 9, ("v2", 8), [("v1", 1)], {"v2": 4, "v1": 0}),
    (10, 7, ("v3", 2), [("v2", 2), ("v1", 3)], {"v3": 3, "v2": 3, "v1": 4}),
    (8, 13, ("v3", 2), [("v2", 8), ("v1", 3)], {"v3": 1, "v2": 5, "v1": 2}),
    (4, 3, ("v3", 1), [("v2", 1), ("v1", 1)], {"v3": 2, "v2": 1, "v1": 1}),  # leftover up
    (2, 3, ("v3", 1), [("v2", 1), ("v1", 1)], {"v3": 1, "v2": 1, "v1": 0}),  # leftover down
])
def test_proportional_scaling(desired, before, new, old, expected):
    ages = {"v1": 0, "v2": 1, "v3": 2}
    new_rs = annotated(new[0], new[1], before, ages[new[0]])
    old_rss = [annotated(name, size, before, ages[name]) for name, size in old]
    sizes, _ = rollout.proportional_sizes(deployment(desired), new_rs, old_rss)
    assert dict(sizes) == expected


@pytest.mark.parametrize(("new", "old", "expected"), [
    (rs("new", 0, created=2), [rs("a", 3, created=1)], "a"),      # the only active one
    (rs("new", 0, created=2), [rs("a", 0, created=1)], "new"),    # none active: the newest
    (None, [rs("a", 0, created=1), rs("b", 0, created=3)], "b"),
    (rs("new", 1, created=2), [rs("a", 3, created=1)], None),     # several: proportional
])
def test_find_active_or_latest(new, old, expected):
    found = rollout.find_active_or_latest(new, old)
    assert (found["metadata"]["name"] if found else None) == expected


def test_scaling_event_is_a_changed_desired_replicas_annotation():
    d = deployment(5)
    assert not rollout.is_scaling_event(d, annotated("new", 5, 5, 1), [])
    assert rollout.is_scaling_event(d, annotated("new", 3, 3, 1), [])
    assert not rollout.is_scaling_event(d, annotated("new", 0, 3, 1), []), \
        "an inactive ReplicaSet does not count"


def test_history_cleanup_keeps_the_newest_revisions_and_anything_still_running():
    def old(name: str, revision: str, replicas: int = 0) -> dict:
        r = rs(name, replicas)
        r["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": revision}
        return r

    d = deployment(1, revisionHistoryLimit=1)
    rss = [old("r3", "3"), old("r1", "1"), old("r2", "2", replicas=1)]
    doomed = rollout.replicasets_to_clean_up(d, rss)
    assert [r["metadata"]["name"] for r in doomed] == ["r1"], \
        "r2 is over the limit too but still has replicas"
    assert rollout.replicasets_to_clean_up(deployment(1, revisionHistoryLimit=5), rss) == []

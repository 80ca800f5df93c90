"""Room made by preemption is held for the pod it was made for."""

from __future__ import annotations

from observe.api.podinfo import PodInfo
from observe.scheduler.algorithm import Algorithm, ScheduleResult
from observe.scheduler.framework import CycleState, FitError
from observe.scheduler.nominator import Nominator
from tests.scheduler.builders import cluster, framework, node, node_info, pod, pod_info


def test_nominated_pods_count_against_less_important_pods_only() -> None:
    cache = cluster(node("n1", cpu="2"))
    fw = framework(cache)
    preemptor = PodInfo(pod("urgent", cpu="2", priority=100))
    fw.nominator.add(preemptor, "n1")
    algorithm = Algorithm(fw, cache)
    low = algorithm.schedule_pod(CycleState(), PodInfo(pod("low", cpu="1", priority=0)))
    assert isinstance(low, FitError)
    assert low.message.startswith("0/1 nodes are available: 1 Insufficient cpu.")
    high = algorithm.schedule_pod(CycleState(), PodInfo(pod("high", cpu="1", priority=500)))
    assert isinstance(high, ScheduleResult)
    # The preemptor itself is not in its own way.
    assert isinstance(algorithm.schedule_pod(CycleState(), preemptor), ScheduleResult)


def test_nominations_follow_the_pod() -> None:
    nominator = Nominator()
    p = pod_info("p", priority=10)
    nominator.add(p, "n1")
    assert nominator.node_of(p.uid) == "n1"
    nominator.update(p)  # status not caught up yet: the nomination stays
    assert nominator.node_of(p.uid) == "n1"
    nominator.add(p, "")
    assert nominator.node_of(p.uid) is None and not nominator
    n = node_info("n1")
    assert nominator.with_nominated(pod_info("q"), n) is None

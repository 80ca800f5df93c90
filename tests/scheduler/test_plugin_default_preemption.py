"""DefaultPreemption: victims, candidate choice and the preemption half of the message."""

from __future__ import annotations

import asyncio

from observe.api.podinfo import PodInfo
from observe.scheduler.algorithm import Algorithm
from observe.scheduler.framework import Code, CycleState, FitError, PluginSpec
from observe.scheduler.plugins import default_preemption, node_resources_fit, taint_toleration
from observe.scheduler.plugins.default_preemption import candidate_rank, select_victims
from tests.scheduler.builders import cluster, framework, node, node_info, pod, pod_info

PLUGINS = (PluginSpec(taint_toleration.NAME), PluginSpec(node_resources_fit.NAME),
           PluginSpec(default_preemption.NAME))


def attempt(cache, incoming: PodInfo):
    fw = framework(cache, PLUGINS)
    state = CycleState()
    result = Algorithm(fw, cache).schedule_pod(state, incoming)
    assert isinstance(result, FitError), result
    nominated, status = asyncio.run(fw.run_post_filter(
        state, incoming, result.diagnosis.node_to_status))
    return fw, result, nominated, status


def test_no_lower_priority_pods_means_no_victims() -> None:
    cache = cluster(node("n1", cpu="1"), node("n2", cpu="1"), node("n3", cpu="1"))
    _, result, nominated, status = attempt(cache, PodInfo(pod("big", cpu="2")))
    assert nominated is None
    result.diagnosis.post_filter_msg = status.message
    assert result.message == (
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod.")


def test_unresolvable_nodes_are_not_helped_by_preemption() -> None:
    cache = cluster(node("n1", cpu="1"), node("n2", cpu="4", taints=[
        {"key": "dedicated", "value": "x", "effect": "NoSchedule"}]),
        pods=[pod("low", cpu="1", node_name="n1", priority=0)])
    _, result, _, status = attempt(cache, PodInfo(pod("big", cpu="2", priority=10)))
    result.diagnosis.post_filter_msg = status.message
    assert result.message == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
        "{dedicated: x}. preemption: 0/2 nodes are available: 1 Insufficient cpu, "
        "1 Preemption is not helpful for scheduling.")


def test_preemption_policy_never() -> None:
    cache = cluster(node("n1", cpu="1"), pods=[pod("low", cpu="1", node_name="n1")])
    _, _, nominated, status = attempt(
        cache, PodInfo(pod("p", cpu="1", priority=5, preemptionPolicy="Never")))
    assert nominated is None
    assert status.message == "preemption: not eligible due to preemptionPolicy=Never."


def test_lower_priority_pods_are_evicted_and_the_node_nominated() -> None:
    cache = cluster(node("n1", cpu="2"), node("n2", cpu="2"), pods=[
        pod("keep", cpu="1", node_name="n1", priority=0),
        pod("evict", cpu="1", node_name="n1", priority=0),
        pod("important", cpu="2", node_name="n2", priority=100),
    ])
    fw, _, nominated, status = attempt(cache, PodInfo(pod("urgent", cpu="1", priority=50)))
    assert (nominated, status.code) == ("n1", Code.SUCCESS)
    # One victim is enough; which one is the less important (the later started) of equals.
    assert len(fw.handle.evicted) == 1 and fw.handle.evicted[0][1] == "n1"


def test_select_victims_reprieves_what_it_can() -> None:
    low = pod_info("low", cpu="1", priority=1)
    lower = pod_info("lower", cpu="1", priority=0)
    n = node_info("n1", cpu="2", with_pods=[low, lower])
    incoming = pod_info("in", cpu="1", priority=5)

    def fits(candidate):
        return None if candidate.req_cpu + incoming.cpu <= candidate.alloc_cpu else "full"

    victims, status = select_victims(incoming, n, fits)
    assert status is None and [v.name for v in victims] == ["lower"]


def test_candidates_rank_by_their_most_important_victim_first() -> None:
    from observe.scheduler.plugins.default_preemption import Candidate
    cheap = Candidate(node_info("a"), [pod_info("x", priority=1), pod_info("y", priority=1)])
    dear = Candidate(node_info("b"), [pod_info("z", priority=5)])
    fewer = Candidate(node_info("c"), [pod_info("w", priority=1)])
    assert min([cheap, dear, fewer], key=candidate_rank).node.name == "c"
    assert min([cheap, dear], key=candidate_rank).node.name == "a"

"""The DaemonSet controller against a real apiserver: one pod per eligible node, following a
node that joins and one that leaves, and a rolling update one node at a time. No scheduler
or kubelet runs: the tests bind pods to the node their affinity names and mark them ready.

Nodes are cluster-wide and outlive a test, so each test's DaemonSet selects only its own
nodes (``pool: <namespace>``)."""

from __future__ import annotations

from observe.api.registry import default_registry
from observe.client.errors import ApiError
from observe.controllers.daemonpods import target_node
from tests.controllers.cluster import NODES, PODS, events_for, eventually, live_pods, run_pod

REGISTRY = default_registry()
DAEMONSETS = REGISTRY.get("apps", "daemonsets")
REVISIONS = REGISTRY.get("apps", "controllerrevisions")


def daemonset(pool: str, image: str = "agent:1") -> dict:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "template": {"metadata": {"labels": {"app": "agent"}},
                                  "spec": {"nodeSelector": {"pool": pool},
                                           "containers": [{"name": "c", "image": image}]}}}}


async def add_node(api, name: str, pool: str, taints: list | None = None) -> None:
    await api.create(NODES, {"apiVersion": "v1", "kind": "Node",
                             "metadata": {"name": name, "labels": {"pool": pool}},
                             "spec": {"taints": taints} if taints else {}})


async def bind_and_run(api, ns: str) -> None:
    """Play scheduler and kubelet: bind each pod to its pinned node and mark it ready."""
    for pod in await live_pods(api, ns):
        name = pod["metadata"]["name"]
        if not pod["spec"].get("nodeName"):
            binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                       "target": {"kind": "Node", "name": target_node(pod)}}
            await _tolerating_races(api.create(PODS, binding, namespace=ns, name=name,
                                               subresource="binding"))
        if (pod.get("status") or {}).get("phase") != "Running":
            await _tolerating_races(run_pod(api, pod))


async def _tolerating_races(call) -> None:
    """A conflict or a vanished pod only means the next poll will try again."""
    try:
        await call
    except ApiError as e:
        if e.code not in (404, 409):
            raise


def describe(pods: list[dict]) -> list[tuple]:
    return [(p["metadata"]["name"], target_node(p), p["spec"]["containers"][0]["image"],
             (p.get("status") or {}).get("phase")) for p in pods]


async def pods_per_node(api, ns: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for pod in await live_pods(api, ns):
        result.setdefault(target_node(pod), []).append(pod["metadata"]["name"])
    return result


async def test_one_pod_per_node_following_nodes(api, ns, controllers):
    nodes = [f"{ns}-a", f"{ns}-b"]
    for name in nodes:
        await add_node(api, name, ns)
    await add_node(api, f"{ns}-tainted", ns, [{"key": "dedicated", "effect": "NoSchedule"}])
    await controllers("daemonset", "podgc")
    await api.create(DAEMONSETS, daemonset(ns), namespace=ns)

    async def placed(expected: set[str]):
        await bind_and_run(api, ns)
        layout = await pods_per_node(api, ns)
        return layout if set(layout) == expected and \
            all(len(v) == 1 for v in layout.values()) else None
    await eventually(lambda: placed(set(nodes)), "one pod on each untainted node")

    await add_node(api, f"{ns}-c", ns)
    await eventually(lambda: placed({*nodes, f"{ns}-c"}), "a pod on the new node")

    async def status_is(**want: int):
        await bind_and_run(api, ns)
        status = (await api.get(DAEMONSETS, "agent", namespace=ns)).get("status") or {}
        return status if all(status.get(k) == v for k, v in want.items()) else None
    status = await eventually(lambda: status_is(desiredNumberScheduled=3, numberReady=3),
                              "status")
    assert status["currentNumberScheduled"] == 3 and status["numberMisscheduled"] == 0
    assert status["updatedNumberScheduled"] == 3 and status["numberAvailable"] == 3

    await api.delete(NODES, f"{ns}-a")
    await eventually(lambda: placed({f"{ns}-b", f"{ns}-c"}), "the pod of a gone node removed")
    await eventually(lambda: status_is(desiredNumberScheduled=2), "status after a node left")
    reasons = {r for r, _ in await events_for(api, ns, "agent")}
    assert "SuccessfulCreate" in reasons


async def test_rolling_update_replaces_pods_one_node_at_a_time(api, ns, controllers):
    nodes = [f"{ns}-{i}" for i in range(3)]
    for name in nodes:
        await add_node(api, name, ns)
    await controllers("daemonset")
    await api.create(DAEMONSETS, daemonset(ns, "agent:1"), namespace=ns)

    async def images() -> dict[str, str]:
        await bind_and_run(api, ns)
        return {target_node(p): p["spec"]["containers"][0]["image"]
                for p in await live_pods(api, ns)}

    async def all_on(image: str, max_missing: int):
        pods = await live_pods(api, ns)
        ready = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
        assert len(nodes) - len(ready) <= max_missing, \
            f"more than maxUnavailable pods down: {describe(pods)}"
        current = await images()
        done = sorted(current) == nodes and set(current.values()) == {image} and \
            len(ready) == len(nodes)
        return current if done else None
    await eventually(lambda: all_on("agent:1", len(nodes)), "the first rollout")
    await api.patch(DAEMONSETS, "agent", {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "agent:2"}]}}}}, namespace=ns, patch_type="strategic")
    await eventually(lambda: all_on("agent:2", 1), "the update, within maxUnavailable 1")
    revisions = (await api.list(REVISIONS, namespace=ns))["items"]
    assert sorted(r["revision"] for r in revisions) == [1, 2]
    hashes = {p["metadata"]["labels"]["controller-revision-hash"]
              for p in await live_pods(api, ns)}
    assert hashes == {max(revisions, key=lambda r: r["revision"])["metadata"]["labels"][
        "controller-revision-hash"]}

"""Real kubectl (1.20 and 1.32) driving Deployments through the real controllers: create,
``rollout status``, ``set image``, ``rollout undo`` re-using the old ReplicaSet, ``rollout
history``, and ``delete`` cascading through the garbage collector."""

from __future__ import annotations

import asyncio

import pytest

from observe.client.informer import Informer
from tests.controllers.cluster import (
    PODS,
    REPLICASETS,
    FakeKubelet,
    eventually,
    live_pods,
)
from tests.e2e.conftest import KUBECTL_VERSIONS, Kubectl, kubectl_path, table, unavailable

REVISION = "deployment.kubernetes.io/revision"


@pytest.fixture(params=KUBECTL_VERSIONS, ids=lambda v: f"kubectl-{v}")
def kubectl(request, cluster_apiserver, ns, tmp_path) -> Kubectl:
    binary = kubectl_path(request.param)
    if binary is None:
        unavailable(f"kubectl {request.param} not found")
    assert binary is not None
    return Kubectl(request.param, binary, cluster_apiserver.kubeconfig, tmp_path / "cache", ns)


async def run(kubectl: Kubectl, *args: str) -> str:
    """kubectl in a thread: the controllers share this event loop and must keep running."""
    result = await asyncio.to_thread(kubectl.run, *args)
    assert result.returncode == 0, f"kubectl {kubectl.version} failed:\n{result}"
    return result.stdout


async def test_rollout_undo_and_delete_with_kubectl(api, ns, controllers, kubectl):
    await controllers("replicaset", "deployment", "garbagecollector")
    async with FakeKubelet(api, Informer(api, PODS, namespace=ns)):
        await run(kubectl, "create", "deployment", "web", "--image=nginx:1", "--replicas=2")
        await run(kubectl, "rollout", "status", "deployment/web", "--timeout=60s")
        await run(kubectl, "set", "image", "deployment/web", "nginx=nginx:2")
        await run(kubectl, "rollout", "status", "deployment/web", "--timeout=60s")
        before = {r["metadata"]["name"] for r in
                  (await api.list(REPLICASETS, namespace=ns))["items"]}

        out = await run(kubectl, "rollout", "undo", "deployment/web")
        assert "rolled back" in out
        await run(kubectl, "rollout", "status", "deployment/web", "--timeout=60s")

        rss = (await api.list(REPLICASETS, namespace=ns))["items"]
        assert {r["metadata"]["name"] for r in rss} == before, "no third ReplicaSet"
        by_revision = {r["metadata"]["annotations"][REVISION]: r for r in rss}
        assert set(by_revision) == {"2", "3"}
        assert by_revision["3"]["spec"]["template"]["spec"]["containers"][0]["image"] == \
            "nginx:1"
        assert by_revision["3"]["spec"]["replicas"] == 2
        history = await run(kubectl, "rollout", "history", "deployment/web")
        assert [row["REVISION"] for row in table(history.partition("\n")[2])] == ["2", "3"]

        await run(kubectl, "delete", "deployment", "web")

        async def cascaded() -> bool:
            left = (await api.list(REPLICASETS, namespace=ns))["items"]
            return not left and not await live_pods(api, ns)

        await eventually(cascaded, "the ReplicaSets and pods deleted")

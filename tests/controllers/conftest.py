"""Fixtures of the controller tests: an apiserver of the module's own (controllers act on
every namespace, so they must not meet other test modules' leftovers), a client, a fresh
namespace per test, and the controller manager running in-process with short timings."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from observe.client.config import load_kubeconfig
from observe.client.rest import ApiClient
from observe.controllers.manager import ControllerManager
from observe.controllers.options import ControllerOptions
from observe.testing import ApiServerProcess
from tests.controllers.cluster import NAMESPACES


@pytest.fixture(scope="module")
def cluster_apiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServerProcess]:
    server = ApiServerProcess(tmp_path_factory.mktemp("cm-apiserver"),
                              extra_args=("--bookmark-interval", "1"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def api(cluster_apiserver: ApiServerProcess) -> AsyncIterator[ApiClient]:
    async with ApiClient(load_kubeconfig(str(cluster_apiserver.kubeconfig)),
                         timeout=15) as client:
        yield client


@pytest.fixture
async def ns(api: ApiClient) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    await api.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                  "metadata": {"name": name}})
    return name


FAST = ControllerOptions(node_monitor_period=0.2, node_monitor_grace_period=2.0,
                         node_startup_grace_period=2.0, pod_gc_period=0.2,
                         orphan_pod_quarantine=0.5)


@pytest.fixture
async def controllers(api: ApiClient) -> AsyncIterator[Callable[..., Any]]:
    """``await controllers("replicaset", ...)`` starts those controllers in-process (all
    without names), with :data:`FAST` timings; keyword arguments override options."""
    started: list[ControllerManager] = []

    async def start(*names: str, **overrides: Any) -> ControllerManager:
        options = dataclasses.replace(FAST, **overrides)
        if names:
            options = dataclasses.replace(options, controllers=names)
        manager = ControllerManager(api, options)
        manager.start()
        started.append(manager)
        assert await manager.wait_synced(15), "informers did not sync"
        return manager

    yield start
    for manager in started:
        await manager.stop()

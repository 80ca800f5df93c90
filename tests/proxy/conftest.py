"""Fixtures of the proxy tests: the controller tests' apiserver, client, namespace and
in-process controllers (the EndpointSlice controller feeds the proxy), and a proxier running
in-process on a node address of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from observe.client.informer import SharedInformerFactory
from observe.proxy.metrics import ProxyMetrics
from observe.proxy.proxier import Proxier
from tests.controllers.conftest import api, cluster_apiserver, controllers, ns  # noqa: F401
from tests.proxy.backends import random_loopback


@pytest.fixture
async def proxier(api) -> AsyncIterator[Callable[..., Any]]:  # noqa: F811
    """``await proxier()`` starts a Proxier (with its own metrics registry as ``.registry``)
    and waits for its first sync."""
    started: list[tuple[Proxier, SharedInformerFactory]] = []

    async def start(**options: Any) -> Proxier:
        factory = SharedInformerFactory(api)
        registry = CollectorRegistry()
        proxy = Proxier(api, factory, node_name="node-1",
                        node_address=options.pop("node_address", random_loopback(77)),
                        metrics=ProxyMetrics.create(registry), **options)
        proxy.registry = registry  # type: ignore[attr-defined]
        factory.start()
        proxy.start()
        started.append((proxy, factory))
        assert await proxy.wait_synced(15), "the proxier did not sync"
        return proxy

    yield start
    for proxy, factory in started:
        await proxy.stop()
        await factory.shutdown()

"""Start order follows dependencies; stop order is its reverse, level by level."""

from __future__ import annotations

import pytest

from observe.supervisor.order import OrderError, start_order, stop_levels
from observe.supervisor.specs import ComponentSpec


def spec(name: str, *deps: str) -> ComponentSpec:
    return ComponentSpec(name, ("x",), "127.0.0.1", 1, depends_on=deps)


CLUSTER = [spec("apiserver"), spec("scheduler", "apiserver"),
           spec("kubelet-node-1", "apiserver"), spec("prometheus", "scheduler")]


@pytest.mark.parametrize(("specs", "starts", "stops"), [
    (CLUSTER, ["apiserver", "scheduler", "kubelet-node-1", "prometheus"],
     [["prometheus"], ["scheduler", "kubelet-node-1"], ["apiserver"]]),
    # Declared before its dependency: still starts after it.
    ([spec("scheduler", "apiserver"), spec("apiserver")], ["apiserver", "scheduler"],
     [["scheduler"], ["apiserver"]]),
    ([spec("a"), spec("b")], ["a", "b"], [["a", "b"]]),
    ([], [], []),
])
def test_orders(specs, starts, stops):
    assert [s.name for s in start_order(specs)] == starts
    assert stop_levels(specs) == stops


@pytest.mark.parametrize(("specs", "message"), [
    ([spec("scheduler", "apiserver")], "scheduler depends on apiserver"),
    ([spec("a", "b"), spec("b", "a")], "cycle"),
    ([spec("a", "a")], "cycle"),
])
def test_bad_dependencies(specs, message):
    with pytest.raises(OrderError, match=message):
        start_order(specs)

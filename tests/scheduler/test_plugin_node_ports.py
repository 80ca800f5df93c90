"""NodePorts: hostPort conflicts."""

from __future__ import annotations

import pytest

from observe.scheduler.framework import Code
from observe.scheduler.plugins.node_ports import NodePorts
from tests.scheduler.builders import node_info, pod_info, reasons, run_filter

CONFLICT = ("node(s) didn't have free ports for the requested pod ports",)


def with_port(name: str, host_port: int, protocol: str = "TCP", host_ip: str = ""):
    port = {"containerPort": 80, "hostPort": host_port, "protocol": protocol}
    if host_ip:
        port["hostIP"] = host_ip
    return pod_info(name, containers=[{"name": "c", "image": "x", "ports": [port]}])


@pytest.mark.parametrize(("name", "incoming", "existing", "want"), [
    ("no host ports", pod_info("new"), [with_port("old", 8080)], ()),
    ("free port", with_port("new", 8081), [with_port("old", 8080)], ()),
    ("same port", with_port("new", 8080), [with_port("old", 8080)], CONFLICT),
    ("other protocol", with_port("new", 8080, "UDP"), [with_port("old", 8080)], ()),
    ("specific addresses differ", with_port("new", 8080, host_ip="127.0.0.2"),
     [with_port("old", 8080, host_ip="127.0.0.1")], ()),
    ("wildcard against a specific address", with_port("new", 8080),
     [with_port("old", 8080, host_ip="127.0.0.1")], CONFLICT),
])
def test_filter(name: str, incoming, existing, want: tuple[str, ...]) -> None:
    status = run_filter(NodePorts(), incoming, node_info(with_pods=existing))
    assert reasons(status) == want, name
    if status is not None:
        assert status.code == Code.UNSCHEDULABLE

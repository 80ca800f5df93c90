"""How ``observe up`` runs Prometheus, its discovery and Alertmanager (the supervisor's
``prometheus`` kind)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from observe.monitoring import binaries
from observe.supervisor.layout import ClusterLayout
from observe.supervisor.order import start_order
from observe.supervisor.specs import COMPONENT_KINDS, ClusterOptions, build_specs, node_names

DATA = Path("/data")
MONITORING = ("prometheus-sd", "alertmanager", "prometheus")


def build(found: bool, monkeypatch):
    monkeypatch.setattr(binaries, "find", lambda tool, path=None: f"/usr/bin/{tool.name}"
                        if found else None)
    ports = itertools.count(7000)
    options = ClusterOptions(ClusterLayout(DATA), node_names(1), "py")
    specs, _ = build_specs(options, lambda name: next(ports),
                           [command for command, _ in COMPONENT_KINDS])
    return {s.name: s for s in specs}


def flag(argv, name):
    return argv[argv.index(name) + 1]


def test_monitoring_components_when_installed(monkeypatch):
    specs = build(True, monkeypatch)
    sd, am, prom = (specs[n] for n in MONITORING)
    assert sd.argv[:4] == ("py", "-m", "observe", "prometheus-sd")
    assert flag(sd.argv, "--kubeconfig") == "/data/kubeconfig"
    assert flag(sd.argv, "--data-dir") == "/data"
    assert sd.depends_on == ("apiserver",)
    assert flag(am.argv, "--data-dir") == "/data/alertmanager"
    assert am.health_url == f"http://127.0.0.1:{am.port}/-/ready"
    assert flag(prom.argv, "--data-dir") == "/data/prometheus"
    assert flag(prom.argv, "--sd-url") == sd.url
    assert flag(prom.argv, "--alertmanager") == f"127.0.0.1:{am.port}"
    assert prom.health_path == "/-/ready"
    assert set(prom.depends_on) == {"prometheus-sd", "alertmanager"}
    assert len({sd.port, am.port, prom.port}) == 3
    names = [s.name for s in start_order(list(specs.values()))]
    assert names.index("prometheus") > max(names.index("prometheus-sd"),
                                            names.index("alertmanager"))


@pytest.mark.parametrize("name", MONITORING)
def test_monitoring_left_out_when_not_installed(monkeypatch, name):
    assert name not in build(False, monkeypatch)

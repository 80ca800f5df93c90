"""Flags of ``observe controller-manager``: Go durations and ``--controllers``."""

from __future__ import annotations

import pytest

from observe.controllers.main import options_from, parse_args
from observe.controllers.options import ALL_CONTROLLERS, parse_duration, select_controllers


@pytest.mark.parametrize(("text", "seconds"), [
    ("40s", 40.0), ("1m30s", 90.0), ("500ms", 0.5), ("1h", 3600.0), ("2.5s", 2.5),
    ("5", 5.0), ("1m0.5s", 60.5),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "5x", "1m 2s", "--1s"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("spec", "expected"), [
    ("*", ALL_CONTROLLERS),
    ("replicaset,deployment", ("replicaset", "deployment")),
    ("deployment,replicaset", ("replicaset", "deployment")),
    ("*,-podgc", tuple(c for c in ALL_CONTROLLERS if c != "podgc")),
    ("garbage-collector-controller", ("garbagecollector",)),
])
def test_select_controllers(spec, expected):
    assert select_controllers(spec) == expected


def test_unknown_controller_is_refused():
    with pytest.raises(ValueError, match="unknown controller 'frobnicator'"):
        select_controllers("frobnicator")


def test_flags_become_options():
    options = options_from(parse_args([
        "--kubeconfig", "k", "--controllers", "nodelifecycle",
        "--node-monitor-grace-period", "1m", "--terminated-pod-gc-threshold", "10"]))
    assert options.controllers == ("nodelifecycle",)
    assert options.node_monitor_grace_period == 60.0
    assert options.node_monitor_period == 5.0
    assert options.terminated_pod_gc_threshold == 10

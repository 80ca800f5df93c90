"""``observe pod-exporter`` flags."""

from __future__ import annotations

import pytest

from exporters.state.main import DEFAULT_PORT, options_from, parse_args
from exporters.state.metrics import KINDS


def test_defaults_export_every_kind_like_ksm() -> None:
    args = parse_args([])
    assert args.port == DEFAULT_PORT
    options = options_from(args)
    assert list(options.resources) == [k.resource for k in KINDS]
    assert options.metric_options.labels_allowlist == {}


def test_resources_and_allowlists() -> None:
    options = options_from(parse_args([
        "--resources", "pods,nodes", "--metric-labels-allowlist", "pods=[app],*=[team]",
        "--metric-annotations-allowlist", "namespaces=[*]"]))
    assert options.resources == ("pods", "nodes")
    assert options.metric_options.labels_allowlist == {"pods": ("app",), "*": ("team",)}
    assert options.metric_options.annotations_allowlist == {"namespaces": ("*",)}


@pytest.mark.parametrize("argv", [["--resources", "pods,widgets"],
                                  ["--metric-labels-allowlist", "pods=app"]])
def test_bad_flags_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_registered_as_a_component() -> None:
    from observe.__main__ import COMPONENTS

    assert COMPONENTS["pod-exporter"] == "exporters.state.main"

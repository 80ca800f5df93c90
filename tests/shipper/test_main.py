"""The ``observe shipper`` entry point: flags, outputs, and what ``/metrics`` reports."""

from __future__ import annotations

import urllib.request
import uuid

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from observe.shipper.main import build_output, config_from, parse_args
from observe.shipper.metrics import ShipperCollector

from .harness import RunningShipper, fast_config
from .logfiles import append, container_dir, cri
from .store import ShipperProcess, wait_count


def test_flags_become_the_config(tmp_path):
    args = parse_args(["--node-name", "n1", "--root-dir", str(tmp_path), "--index", "x-%Y",
                       "--multiline", "java,go", "--dead-letter-index", "",
                       "--retry-max", "5"])
    config = config_from(args)
    assert config.node == "n1" and config.root == str(tmp_path.resolve())
    assert config.state_dir == tmp_path.resolve() / "shipper"
    assert config.multiline == ("java", "go") and config.dead_letter_index is None
    assert config.index == "x-%Y" and config.retry_max == 5


def test_a_custom_multiline_rule_needs_both_regexes(tmp_path, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--node-name", "n", "--root-dir", str(tmp_path),
                    "--multiline-start", "^BEGIN"])
    assert "go together" in capsys.readouterr().err


@pytest.mark.parametrize("output, name", [("opensearch", "opensearch"),
                                          ("elasticsearch", "elasticsearch"),
                                          ("forward", "forward"), ("stdout", "stdout"),
                                          ("null", "null")])
async def test_every_output_can_be_built(tmp_path, output, name):
    args = parse_args(["--node-name", "n", "--root-dir", str(tmp_path), "--output", output])
    built = build_output(args)
    assert built.name == name
    await built.close()


async def test_metrics_report_reading_shipping_and_lag(tmp_path):
    append(container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log",
           *(cri(f"line {i}") for i in range(25)))
    async with RunningShipper(fast_config(tmp_path)) as run:
        await run.until_count(25)
        await run.until(lambda: all(s.lag_bytes() == 0
                                    for s in run.shipper.tailer.files.values()), what="lag 0")
        registry = CollectorRegistry()
        registry.register(ShipperCollector(run.shipper))
        text = generate_latest(registry).decode()
    assert "observe_shipper_lines_read_total 25.0" in text
    assert 'observe_shipper_records_shipped_total{outcome="delivered",output="fake"} 25.0' \
        in text
    assert 'observe_shipper_output_up{output="fake"} 1.0' in text
    assert "observe_shipper_file_lag_bytes{path=" in text
    assert "observe_shipper_lag_bytes 0.0" in text


@pytest.mark.slow
def test_the_process_serves_health_and_metrics(tmp_path, opensearch):
    index = f"t-{uuid.uuid4().hex[:12]}"
    append(container_dir(tmp_path, "ns", "web", "uid-1", "app") / "0.log",
           *(cri(f"line {i}") for i in range(10)))
    shipper = ShipperProcess(tmp_path, opensearch.url, index).start()
    try:
        wait_count(opensearch.url, index, 10, 60, "shipped")
        base = f"http://127.0.0.1:{shipper.port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert response.read() == b"ok"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        shipper.stop()
    assert "observe_shipper_bytes_read_total" in text
    assert 'observe_shipper_records_shipped_total{outcome="delivered",output="opensearch"}' \
        in text

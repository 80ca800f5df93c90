"""The ``observe node-exporter`` command: flags, the registry it serves, and a real process
answering /metrics and /healthz."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from exporters.node.main import build_registry, config_from, parse_args
from exporters.node.testing import ExporterProcess


def test_defaults_are_node_exporters():
    args = parse_args([])
    assert (args.port, args.address) == (9100, "127.0.0.1")
    config = config_from(args)
    assert config.procfs == Path("/proc") and config.rootfs == Path("/")
    assert config.mount_points_exclude.search("/run/credentials/x.service")
    assert not config.mount_points_exclude.search("/run")
    assert config.textfile_directory is None


def test_paths_and_collectors_are_read(tmp_path):
    args = parse_args(["--procfs", str(tmp_path / "p"), "--sysfs", str(tmp_path / "s"),
                       "--rootfs", str(tmp_path), "--collectors", "cpu,meminfo",
                       "--collectors", "loadavg", "--netdev-device-exclude", "^(lo|eth1)$"])
    config = config_from(args)
    assert (config.procfs, config.sysfs, config.rootfs) == (tmp_path / "p", tmp_path / "s",
                                                           tmp_path)
    assert args.collectors == ["cpu", "meminfo", "loadavg"]
    assert config.netdev_device_exclude.search("eth1")


@pytest.mark.parametrize("argv", [["--collectors", "cpu,bogus"],
                                  ["--fs-types-exclude", "(unclosed"],
                                  ["--port", "nine"]])
def test_bad_flags_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_registry_serves_chosen_collectors_and_process_metrics(tmp_path):
    (tmp_path / "loadavg").write_text("1.5 1.0 0.5 1/100 42\n")
    args = parse_args(["--procfs", str(tmp_path), "--collectors", "loadavg"])
    text = generate_latest(build_registry(config_from(args), args.collectors)).decode()
    assert "node_load1 1.5" in text
    assert 'node_scrape_collector_success{collector="loadavg"} 1.0' in text
    assert "node_cpu_seconds_total" not in text
    assert "process_resident_memory_bytes" in text


def test_process_serves_metrics_and_health(tmp_path):
    exporter = ExporterProcess.ours(tmp_path / "ours.log", "--node-name", "node-1").start()
    try:
        assert "node_cpu_seconds_total" in exporter.scrape()
        health = exporter.url.replace("/metrics", "/healthz")
        with urllib.request.urlopen(health, timeout=10) as response:
            assert response.read() == b"ok"
    finally:
        exporter.stop()
    assert exporter.proc is not None and exporter.proc.returncode == 0, \
        "SIGTERM should end the exporter cleanly"
    assert "node-1" in (tmp_path / "ours.log").read_text()

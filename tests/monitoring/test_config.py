"""The generated ``prometheus.yml`` and ``alertmanager.yml``: what they say, that the real
tools accept them, and what ``observe prometheus``/``observe alertmanager`` would run."""

from __future__ import annotations

import shlex

import pytest
import yaml

from observe.monitoring import alertmanager_main, binaries, jobs, prometheus_main
from observe.monitoring.alertmanager_config import AlertmanagerSettings, alertmanager_config
from observe.monitoring.prometheus_config import PrometheusSettings, prometheus_config
from observe.monitoring.rules import alerts, load
from tests.monitoring import tools

SETTINGS = PrometheusSettings(sd_url="http://127.0.0.1:9797/", alertmanagers=("127.0.0.1:9093",),
                              rule_files=("/r/*.yaml",), scrape_interval=5,
                              evaluation_interval=2, sd_refresh_interval=3)


def test_one_scrape_config_per_job_fed_by_http_sd():
    doc = prometheus_config(SETTINGS)
    by_job = {c["job_name"]: c for c in doc["scrape_configs"]}
    assert list(by_job) == [j.name for j in jobs.JOBS]
    assert by_job["kubelet"]["http_sd_configs"] == [
        {"url": "http://127.0.0.1:9797/targets/kubelet", "refresh_interval": "3s"}]
    assert by_job["kubelet"]["honor_labels"] is True
    assert by_job["kube-state-metrics"]["honor_labels"] is True
    assert by_job["node-exporter"]["honor_labels"] is False


@pytest.mark.parametrize(("interval", "timeout"), [(15, "10s"), (5, "5s"), (1, "1s")])
def test_scrape_timeout_never_exceeds_the_interval(interval, timeout):
    doc = prometheus_config(PrometheusSettings("http://sd", (), (), scrape_interval=interval))
    assert doc["global"]["scrape_timeout"] == timeout


def test_alerting_section():
    doc = prometheus_config(SETTINGS)
    assert doc["alerting"]["alertmanagers"] == [
        {"api_version": "v2", "static_configs": [{"targets": ["127.0.0.1:9093"]}]}]
    assert doc["rule_files"] == ["/r/*.yaml"]
    assert "alerting" not in prometheus_config(PrometheusSettings("http://sd", (), ()))


def test_alertmanager_routes_to_the_webhooks():
    doc = alertmanager_config(AlertmanagerSettings(webhook_urls=("http://t/hook",),
                                                   group_wait=1))
    assert doc["route"]["receiver"] == "webhook"
    assert doc["route"]["group_wait"] == "1s"
    (hook,) = [r for r in doc["receivers"] if r["name"] == "webhook"]
    assert hook["webhook_configs"] == [{"url": "http://t/hook", "send_resolved": True}]


def test_alertmanager_without_webhook_notifies_nobody():
    doc = alertmanager_config(AlertmanagerSettings())
    assert doc["route"]["receiver"] == "default"
    assert doc["receivers"] == [{"name": "default"}]


def test_prometheus_main_writes_valid_config_and_the_command(tmp_path, capsys):
    promtool = tools.require(binaries.PROMTOOL)
    data = tmp_path / "prometheus"
    code = prometheus_main.main(["--data-dir", str(data), "--sd-url", "http://127.0.0.1:1",
                                 "--alertmanager", "127.0.0.1:2", "--port", "19090",
                                 "--scrape-interval", "2s", "--no-exec"])
    assert code == 0
    argv = shlex.split(capsys.readouterr().out)
    assert argv[0].endswith("prometheus")
    assert f"--config.file={data.resolve() / 'prometheus.yml'}" in argv
    assert "--web.listen-address=127.0.0.1:19090" in argv
    tools.assert_ok(tools.run([promtool, "check", "config", str(data / "prometheus.yml")]))
    doc = yaml.safe_load((data / "prometheus.yml").read_text())
    assert doc["global"]["scrape_interval"] == "2s"


@pytest.mark.parametrize(("flag", "env", "expected"), [
    (None, None, {"1h", "30m", "15m", "10m", "0m"}),
    ("20s", None, {"20s", "0m"}),
    (None, "5s", {"5s", "0m"}),
    ("20s", "5s", {"20s", "0m"}),
])
def test_alert_for_from_flag_or_environment(tmp_path, flag, env, expected):
    tools.require(binaries.PROMETHEUS)
    args = ["--data-dir", str(tmp_path), "--sd-url", "http://sd", "--no-exec"]
    if flag:
        args += ["--alert-for", flag]
    environ = {prometheus_main.ALERT_FOR_ENV: env} if env else {}
    prometheus_main.prepare(prometheus_main.parse_args(args, environ))
    durations = {str(r["for"]) for p in (tmp_path / "rules").glob("*.yaml")
                 for r in alerts(load(p))}
    assert durations == expected


def test_prometheus_main_rejects_a_bad_duration(tmp_path):
    with pytest.raises(SystemExit):
        prometheus_main.parse_args(["--data-dir", str(tmp_path), "--sd-url", "x",
                                    "--alert-for", "soon"], {})


def test_alertmanager_main_writes_valid_config_and_the_command(tmp_path, capsys):
    amtool = tools.require(binaries.AMTOOL)
    data = tmp_path / "alertmanager"
    code = alertmanager_main.main(["--data-dir", str(data), "--port", "19093",
                                   "--webhook-url", "http://127.0.0.1:5000/hook",
                                   "--group-wait", "1s", "--no-exec"])
    assert code == 0
    argv = shlex.split(capsys.readouterr().out)
    assert "--web.listen-address=127.0.0.1:19093" in argv
    assert "--cluster.listen-address=" in argv, "gossip on :9094 must be off"
    tools.assert_ok(tools.run([amtool, "check-config", str(data / "alertmanager.yml")]))


def test_missing_binary_is_a_clear_error(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))
    code = alertmanager_main.main(["--data-dir", str(tmp_path / "am"), "--no-exec"])
    assert code == 1
    assert "apt-get install prometheus-alertmanager" in caplog.text

"""``observe proxy`` as a process: flags, health, readiness and metrics, clean exit."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

from observe.testing import free_port, wait_http_ok


def test_proxy_process_serves_health_and_metrics(apiserver, tmp_path):
    port = free_port()
    log = open(tmp_path / "proxy.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "observe", "proxy", "--kubeconfig", str(apiserver.kubeconfig),
         "--node-name", "node-1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/readyz", 30, proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
        for family in ("kubeproxy_sync_proxy_rules_duration_seconds_count",
                       "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
                       "rest_client_requests_total"):
            assert family in text, f"/metrics lacks {family}"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def test_bad_kubeconfig_is_an_error_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "observe", "proxy", "--kubeconfig", str(tmp_path / "missing"),
         "--port", "0"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr

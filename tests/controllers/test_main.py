"""``observe controller-manager`` as a process: serves health, readiness and metrics with
per-controller work queue names, manages objects, and exits cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from observe.testing import free_port, wait_http_ok
from tests.controllers.cluster import REPLICASETS, eventually, live_pods, replicaset


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


async def test_the_controller_manager_process(cluster_apiserver, api, ns, tmp_path):
    port = free_port()
    log = open(tmp_path / "cm.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "observe", "controller-manager",
         "--kubeconfig", str(cluster_apiserver.kubeconfig), "--port", str(port),
         "--controllers", "replicaset,deployment,garbagecollector"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{base}/healthz", 20, proc)
        wait_http_ok(f"{base}/readyz", 20, proc)
        await api.create(REPLICASETS, replicaset("web", 2), namespace=ns)

        async def pods() -> bool:
            return len(await live_pods(api, ns, "app=web")) == 2

        await eventually(pods, "the process to create the pods")
        metrics = fetch(f"{base}/metrics")
        for name in ("replicaset", "deployment", "garbage_collector_attempt_to_delete",
                     "garbage_collector_attempt_to_orphan"):
            assert f'workqueue_unfinished_work_seconds{{name="{name}"}}' in metrics, name
        assert 'workqueue_adds_total{name="replicaset"}' in metrics
        assert "rest_client_requests_total" in metrics
        assert 'workqueue_adds_total{name="podgc"}' not in metrics, "only chosen controllers run"

        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.returncode == 0, (tmp_path / "cm.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()

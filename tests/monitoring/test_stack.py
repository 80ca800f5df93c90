"""The real Prometheus and Alertmanager, started by ``observe prometheus``/``observe
alertmanager`` and fed by ``observe prometheus-sd`` from a real apiserver:

- an alert (a test rule, ``vector(1)`` with ``for: 0s``) goes from Prometheus into
  Alertmanager's ``/api/v2/alerts`` and out to a webhook;
- a Node that registers becomes a pair of kubelet targets that Prometheus scrapes, and
  stops being one when it is deleted;
- every shipped rule loads and evaluates without error.

The "kubelet" here is a small HTTP server of the test serving ``/metrics``: this checks
discovery and scraping, not the kubelet (see ``test_cluster.py`` for the whole cluster).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from observe.monitoring import binaries
from observe.monitoring.rules import alerts, load, rule_files, shipped_rules_dir, write_rules
from observe.testing import ApiServerProcess, free_port
from tests.monitoring import tools
from tests.monitoring.processes import Component
from tests.monitoring.promapi import (
    active_targets,
    alertmanager_alerts,
    poll,
    rule_groups,
)

pytestmark = pytest.mark.slow

TEST_ALERT = "ObserveTestAlwaysFiring"
TEST_RULES = {"groups": [{"name": "observe-test", "rules": [{
    "alert": TEST_ALERT, "expr": "vector(1)", "for": "0s",
    "labels": {"severity": "warning", "namespace": "observe-test"},
    "annotations": {"summary": "Always firing.", "description": "A test alert.",
                    "runbook_url": "docs/runbooks/none.md"}}]}]}


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that also serves a tiny ``/metrics``, as a kubelet would."""

    notifications: list[dict] = []

    def do_GET(self) -> None:
        if self.path not in ("/metrics", "/metrics/cadvisor"):
            self.send_error(404)
            return
        body = b"# TYPE observe_test_up gauge\nobserve_test_up 1\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.notifications.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Stack:
    api: ApiServerProcess
    prometheus: str
    alertmanager: str
    receiver_port: int
    notifications: list[dict]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tools.require(binaries.PROMETHEUS)
    tools.require(binaries.ALERTMANAGER)
    tmp = tmp_path_factory.mktemp("monitoring")
    logs = tmp / "logs"
    rules = tmp / "rules"
    write_rules(shipped_rules_dir(), rules)
    (rules / "observe-test.yaml").write_text(yaml.safe_dump(TEST_RULES))

    Receiver.notifications = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_port}/hook"

    api = ApiServerProcess(tmp / "apiserver").start()
    sd_port, am_port, prom_port = free_port(), free_port(), free_port()
    components = [
        Component("prometheus-sd", ["prometheus-sd", "--kubeconfig", str(api.kubeconfig),
                                    "--port", str(sd_port)],
                  logs, f"http://127.0.0.1:{sd_port}/healthz"),
        Component("alertmanager", ["alertmanager", "--data-dir", str(tmp / "alertmanager"),
                                   "--port", str(am_port), "--webhook-url", hook,
                                   "--group-wait", "1s", "--group-interval", "1s"],
                  logs, f"http://127.0.0.1:{am_port}/-/ready"),
        Component("prometheus", ["prometheus", "--data-dir", str(tmp / "prometheus"),
                                 "--port", str(prom_port),
                                 "--sd-url", f"http://127.0.0.1:{sd_port}",
                                 "--alertmanager", f"127.0.0.1:{am_port}",
                                 "--rules-dir", str(rules), "--scrape-interval", "1s",
                                 "--evaluation-interval", "1s", "--sd-refresh-interval", "1s",
                                 # The first send may precede Alertmanager's discovery.
                                 "--alert-resend-delay", "2s"],
                  logs, f"http://127.0.0.1:{prom_port}/-/ready"),
    ]
    started: list[Component] = []
    try:
        for component in components:
            started.append(component.start())
        yield Stack(api, f"http://127.0.0.1:{prom_port}", f"http://127.0.0.1:{am_port}",
                    receiver.server_port, Receiver.notifications)
    finally:
        for component in reversed(started):
            component.stop()
        api.stop()
        receiver.shutdown()


def api_call(api: ApiServerProcess, method: str, path: str, body: dict | None = None,
             content_type: str = "application/json") -> dict:
    request = urllib.request.Request(f"{api.url}{path}", method=method,
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_alert_fires_into_alertmanager_and_out_to_the_webhook(stack: Stack):
    alert = poll(f"{TEST_ALERT} in Alertmanager", lambda: next(
        (a for a in alertmanager_alerts(stack.alertmanager)
         if a["labels"].get("alertname") == TEST_ALERT), None))
    assert alert["labels"]["severity"] == "warning"
    assert alert["annotations"]["summary"] == "Always firing."
    assert alert["status"]["state"] == "active"

    payload = poll("the webhook notification", lambda: next(
        (n for n in stack.notifications
         if any(a["labels"].get("alertname") == TEST_ALERT for a in n["alerts"])), None))
    assert payload["version"] == "4"
    assert payload["status"] == "firing"
    assert payload["groupLabels"] == {"alertname": TEST_ALERT, "namespace": "observe-test"}


def kubelet_targets(stack: Stack, node: str) -> list[dict]:
    return [t for t in active_targets(stack.prometheus)
            if t["labels"].get("job") == "kubelet" and t["labels"].get("node") == node]


def test_kubelet_targets_follow_nodes_as_they_come_and_go(stack: Stack):
    node = "sd-node"
    api_call(stack.api, "POST", "/api/v1/nodes",
             {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}})
    api_call(stack.api, "PATCH", f"/api/v1/nodes/{node}/status", {"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": stack.receiver_port}}}},
        content_type="application/merge-patch+json")

    targets = poll(f"both kubelet targets of {node} to be scraped", lambda: (
        found if len(found := kubelet_targets(stack, node)) == 2
        and all(t["health"] == "up" for t in found) else None))
    assert sorted(t["labels"]["metrics_path"] for t in targets) == [
        "/metrics", "/metrics/cadvisor"]
    assert {t["labels"]["instance"] for t in targets} == {f"127.0.0.1:{stack.receiver_port}"}
    assert {t["scrapeUrl"] for t in targets} == {
        f"http://127.0.0.1:{stack.receiver_port}/metrics",
        f"http://127.0.0.1:{stack.receiver_port}/metrics/cadvisor"}

    api_call(stack.api, "DELETE", f"/api/v1/nodes/{node}")
    poll(f"the targets of deleted {node} to go", lambda: not kubelet_targets(stack, node))


def test_apiserver_is_scraped(stack: Stack):
    (target,) = poll("the apiserver target to be up", lambda: [
        t for t in active_targets(stack.prometheus)
        if t["labels"]["job"] == "apiserver" and t["health"] == "up"])
    assert target["labels"]["namespace"] == "default"
    assert target["labels"]["service"] == "kubernetes"


def test_every_shipped_rule_loads_and_evaluates(stack: Stack):
    shipped = sorted({r["alert"] for p in rule_files(shipped_rules_dir())
                      for r in alerts(load(p))})

    def evaluated() -> list[dict] | None:
        rules = [r for g in rule_groups(stack.prometheus) for r in g["rules"]]
        # An unevaluated rule's lastEvaluation is Go's zero time, 0001-01-01T00:00:00Z.
        done = all(not r.get("lastEvaluation", "0001").startswith("0001") for r in rules)
        return rules if rules and done else None

    rules = poll("every rule to be evaluated once", evaluated)
    unhealthy = {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"}
    assert not unhealthy, f"rules with errors: {unhealthy}"
    assert set(shipped) <= {r["name"] for r in rules if r["type"] == "alerting"}


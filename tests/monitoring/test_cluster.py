"""The acceptance of monitoring on a running cluster (``observe up``): Prometheus scrapes
every target ``up == 1``, the alert rules load without errors, every query of every
shipped dashboard panel runs against the live Prometheus, and a crash-looping pod raises
KubePodCrashLooping in Alertmanager (with ``for:`` capped at 0s through
``$OBSERVE_ALERT_FOR``).

A job whose component this build does not run yet has no targets and is skipped, naming
it; so is a target whose endpoint answers 404 (its component exists but does not serve that
path yet, e.g. the kubelet's ``/metrics/cadvisor``). Everything else must be up.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from observe.monitoring import binaries, dashboards, jobs, prometheus_main
from observe.monitoring.rules import alerts, load, rule_files, shipped_rules_dir
from tests.monitoring import tools
from tests.monitoring.promapi import (
    active_targets,
    alertmanager_alerts,
    poll,
    query,
    rule_groups,
    status_of,
)

pytestmark = pytest.mark.slow

UP_TIMEOUT = 240.0
# Values Grafana would put in for its built-in and "All" variables.
GRAFANA_VALUES = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}


def observe(*args: str, timeout: float = 120.0,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "observe", *args], capture_output=True,
                          text=True, timeout=timeout, check=False, env=env)


@dataclass(frozen=True)
class Cluster:
    prometheus: str
    alertmanager: str
    apiserver: str


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tools.require(binaries.PROMETHEUS)
    tools.require(binaries.ALERTMANAGER)
    data_dir = tmp_path_factory.mktemp("cluster") / "data"
    # Every alert fires as soon as its condition holds, so the test need not wait 15m.
    env = {**os.environ, prometheus_main.ALERT_FOR_ENV: "0s"}
    try:
        up = observe("up", "--nodes", "1", "--data-dir", str(data_dir), timeout=UP_TIMEOUT,
                     env=env)
        assert up.returncode == 0, f"observe up failed:\n{up.stdout}\n{up.stderr}"
        done = observe("status", "-o", "json", "--data-dir", str(data_dir))
        components = json.loads(done.stdout)["components"]
        for name in ("prometheus-sd", "alertmanager", "prometheus"):
            assert components[name]["healthy"], f"{name}: {components[name]}"
        yield Cluster(*(components[n]["url"] for n in ("prometheus", "alertmanager",
                                                       "apiserver")))
    finally:
        observe("down", "--data-dir", str(data_dir))


@pytest.fixture(scope="module")
def prometheus(cluster: Cluster) -> str:
    return cluster.prometheus


def substitute(expr: str) -> str:
    """A panel's query as Grafana sends it with "All" selected in every variable."""
    return re.sub(r"\$(\w+)", lambda m: GRAFANA_VALUES.get(m.group(1), ".*"), expr)


def discovered_and_scraped(prometheus: str) -> list[dict] | None:
    """Every active target once discovery has run (the apiserver, always there, has a
    target) and each target has been scraped at least once."""
    found = active_targets(prometheus)
    ready = (any(t["labels"]["job"] == jobs.APISERVER.name for t in found)
             and all(t["health"] != "unknown" for t in found))
    return found if ready else None


@pytest.mark.parametrize("job", [j.name for j in jobs.JOBS])
def test_every_target_of_the_job_is_up(prometheus: str, job: str):
    found = [t for t in poll("discovery and a first scrape of every target",
                             lambda: discovered_and_scraped(prometheus), timeout=90)
             if t["labels"]["job"] == job]
    if not found:
        pytest.skip(f"no {job} target: this build does not run its component yet")
    not_served = sorted(t["scrapeUrl"] for t in found
                        if t["health"] != "up" and status_of(t["scrapeUrl"]) == 404)

    def served_are_up() -> bool:
        return all(t["health"] == "up" for t in active_targets(prometheus)
                   if t["labels"]["job"] == job and t["scrapeUrl"] not in not_served)

    try:
        poll(f"every served {job} target to be up", served_are_up, timeout=60)
    except AssertionError:
        broken = {t["scrapeUrl"]: t["lastError"] for t in active_targets(prometheus)
                  if t["labels"]["job"] == job and t["health"] != "up"
                  and t["scrapeUrl"] not in not_served}
        raise AssertionError(f"{job} targets down: {broken}") from None
    if not_served:
        pytest.skip(f"not served yet (404): {', '.join(not_served)}")


def test_alert_rules_load_and_evaluate_without_errors(prometheus: str):
    def evaluated() -> list[dict] | None:
        rules = [r for g in rule_groups(prometheus) for r in g["rules"]]
        done = all(not r.get("lastEvaluation", "0001").startswith("0001") for r in rules)
        return rules if rules and done else None

    rules = poll("every rule to be evaluated once", evaluated, timeout=90)
    errors = {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"}
    assert not errors, f"rules with errors: {errors}"
    shipped = {r["alert"] for p in rule_files(shipped_rules_dir()) for r in alerts(load(p))}
    assert shipped <= {r["name"] for r in rules if r["type"] == "alerting"}


def dashboard_queries(path: Path) -> list[tuple[str, str]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    found = [(p["title"], t["expr"]) for p in doc["panels"] for t in p.get("targets", [])]
    for var in doc["templating"]["list"]:
        if var["type"] == "query":
            # label_values(<selector>, <label>) is Grafana's; the series it reads are these.
            selector, label = re.fullmatch(r"label_values\((.*), (\w+)\)", var["query"]).groups()
            found.append((f"${var['name']}", f"group by ({label}) ({selector})"))
    return found


@pytest.mark.parametrize("path", sorted(dashboards.default_dir().glob("*.json")),
                         ids=lambda p: p.name)
def test_every_dashboard_query_runs(prometheus: str, path: Path):
    failures = {}
    for title, expr in dashboard_queries(path):
        answer = query(prometheus, substitute(expr))
        if answer.get("status") != "success":
            failures[f"{title}: {expr}"] = answer.get("error")
    assert not failures, json.dumps(failures, indent=2)


CRASHING = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "crasher", "namespace": "default"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "crasher"}},
             "template": {"metadata": {"labels": {"app": "crasher"}},
                          "spec": {"containers": [{"name": "app", "image": "busybox",
                                                   "command": ["sh", "-c", "exit 1"]}]}}},
}


def test_a_crash_looping_pod_alerts_through_to_alertmanager(cluster: Cluster):
    """The shipped KubePodCrashLooping rule, on the pod exporter's real series, reaches
    Alertmanager with its labels and runbook."""
    if not any(t["labels"]["job"] == jobs.KUBE_STATE_METRICS.name
               for t in active_targets(cluster.prometheus)):
        pytest.skip("no kube-state-metrics target: this build does not run the pod exporter")
    request = urllib.request.Request(
        f"{cluster.apiserver}/apis/apps/v1/namespaces/default/deployments",
        data=json.dumps(CRASHING).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201

    alert = poll("KubePodCrashLooping for the crasher pod in Alertmanager", lambda: next(
        (a for a in alertmanager_alerts(cluster.alertmanager)
         if a["labels"].get("alertname") == "KubePodCrashLooping"
         and a["labels"].get("pod", "").startswith("crasher-")), None), timeout=180)
    assert alert["labels"]["namespace"] == "default"
    assert alert["labels"]["container"] == "app"
    assert alert["labels"]["severity"] == "warning"
    assert alert["annotations"]["runbook_url"] == "docs/runbooks/KubePodCrashLooping.md"

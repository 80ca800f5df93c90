"""Pods really run: the acceptance scenarios of a 2-node ``observe up`` cluster, driven with
the real kubectl (1.32) as a user would.

One cluster serves the module; each scenario works in its own namespace. Every wait polls
the API with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

pytestmark = pytest.mark.slow

NODES = ("node-1", "node-2")


def observe(*args: str, timeout: float = 240.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observe", *args], capture_output=True,
                          text=True, timeout=timeout)


def poll(what: str, check: Callable[[], Any], timeout: float = 60.0,
         interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


class Cluster:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.kubeconfig = data_dir / "kubeconfig"

    def kubectl(self, *args: str, namespace: str | None = None, check: bool = True,
                stdin: str | None = None, timeout: float = 60.0
                ) -> subprocess.CompletedProcess:
        cmd = ["kubectl", "--kubeconfig", str(self.kubeconfig),
               "--cache-dir", str(self.data_dir / "kubectl-cache")]
        if namespace:
            cmd += ["-n", namespace]
        done = subprocess.run([*cmd, *args], capture_output=True, text=True, input=stdin,
                              timeout=timeout)
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done

    def json(self, *args: str, namespace: str | None = None) -> dict:
        return json.loads(self.kubectl(*args, "-o", "json", namespace=namespace).stdout)

    def apply(self, manifest: dict, namespace: str) -> None:
        self.kubectl("apply", "-f", "-", namespace=namespace, stdin=json.dumps(manifest))

    def pods(self, namespace: str, selector: str | None = None) -> list[dict]:
        args = ["get", "pods"] + (["-l", selector] if selector else [])
        return self.json(*args, namespace=namespace)["items"]

    def pod(self, namespace: str, name: str) -> dict:
        return self.json("get", "pod", name, namespace=namespace)

    def events(self, namespace: str, name: str) -> list[dict]:
        return self.json("get", "events", "--field-selector",
                         f"involvedObject.name={name}", namespace=namespace)["items"]

    def component_pid(self, name: str) -> int:
        done = observe("status", "-o", "json", "--data-dir", str(self.data_dir))
        return json.loads(done.stdout)["components"][name]["pid"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("acceptance") / "cluster"
    up = observe("up", "--nodes", str(len(NODES)), "--data-dir", str(data_dir))
    assert up.returncode == 0, f"observe up failed:\n{up.stdout}\n{up.stderr}"
    try:
        yield Cluster(data_dir)
    finally:
        observe("down", "--data-dir", str(data_dir))


@pytest.fixture
def ns(cluster: Cluster) -> str:
    name = f"acc-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    return name


def container_status(pod: dict) -> dict:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return statuses[0] if statuses else {}


def web_deployment(name: str, image: str = "python:3.12", replicas: int = 3) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {
                "terminationGracePeriodSeconds": 2,
                "containers": [{
                    "name": "app", "image": image,
                    "command": ["python", "-u", "-m", "http.server", "8000",
                                "--bind", "$(POD_IP)"],
                    "env": [{"name": "POD_IP",
                             "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                    "readinessProbe": {"httpGet": {"path": "/", "port": 8000},
                                       "periodSeconds": 1},
                    "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}},
                }]}}}}


def single_pod(name: str, command: list[str], *, image: str = "busybox",
               restart: str = "Always", **container: Any) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": restart, "terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "main", "image": image, "command": command,
                                     **container}]}}


def ready_count(cluster: Cluster, ns: str, selector: str) -> int:
    return sum(1 for p in cluster.pods(ns, selector)
               if container_status(p).get("ready") and not p["metadata"].get(
                   "deletionTimestamp"))


def test_deployment_runs_ready_and_serves(cluster: Cluster, ns: str) -> None:
    cluster.apply(web_deployment("web"), ns)
    poll("3 ready web pods", lambda: ready_count(cluster, ns, "app=web") == 3, 90)
    pods = cluster.pods(ns, "app=web")
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert {p["spec"]["nodeName"] for p in pods} <= set(NODES)
    import urllib.request
    with urllib.request.urlopen(f"http://{pods[0]['status']['podIP']}:8000/",
                                timeout=5) as reply:
        assert reply.status == 200
    done = cluster.kubectl("rollout", "status", "deployment/web", "--timeout=60s",
                           namespace=ns)
    assert 'successfully rolled out' in done.stdout


def test_rollout_respects_max_unavailable_and_undo_restores(cluster: Cluster, ns: str
                                                            ) -> None:
    cluster.apply(web_deployment("roll"), ns)
    poll("3 ready pods", lambda: ready_count(cluster, ns, "app=roll") == 3, 90)
    first_rs = {rs["metadata"]["name"] for rs in
                cluster.json("get", "rs", "-l", "app=roll", namespace=ns)["items"]}
    cluster.kubectl("set", "image", "deployment/roll", "app=python:3.13", namespace=ns)
    lowest = 3
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lowest = min(lowest, ready_count(cluster, ns, "app=roll"))
        dep = cluster.json("get", "deployment", "roll", namespace=ns)
        status = dep.get("status") or {}
        if (status.get("updatedReplicas") == 3 and status.get("availableReplicas") == 3
                and status.get("replicas") == 3):
            break
        time.sleep(0.2)
    assert lowest >= 2, f"maxUnavailable 1 was exceeded: {lowest} ready at one point"
    images = {p["spec"]["containers"][0]["image"] for p in cluster.pods(ns, "app=roll")
              if not p["metadata"].get("deletionTimestamp")}
    assert images == {"python:3.13"}
    cluster.kubectl("rollout", "undo", "deployment/roll", namespace=ns)
    poll("the old ReplicaSet back at 3", lambda: any(
        rs["metadata"]["name"] in first_rs and rs["spec"]["replicas"] == 3
        for rs in cluster.json("get", "rs", "-l", "app=roll", namespace=ns)["items"]), 120)
    all_rs = cluster.json("get", "rs", "-l", "app=roll", namespace=ns)["items"]
    assert len(all_rs) == 2, "undo must reuse the old ReplicaSet, not create a third"


def test_killed_container_is_restarted(cluster: Cluster, ns: str) -> None:
    marker = f"marker-{uuid.uuid4().hex[:8]}"
    cluster.apply(single_pod("victim", ["sh", "-c", f"sleep 3600; echo {marker}"]), ns)
    poll("victim running", lambda: container_status(cluster.pod(ns, "victim")).get(
        "state", {}).get("running"), 60)

    def victim_processes() -> list[psutil.Process]:
        return [p for p in psutil.process_iter(["cmdline"])
                if marker in " ".join(p.info["cmdline"] or []) and
                p.info["cmdline"][0] in ("sh", "/bin/sh")]

    procs = poll("the container's process", victim_processes, 20)
    os.kill(procs[0].pid, signal.SIGKILL)
    status = poll("restartCount 1", lambda: (lambda s: s if s.get("restartCount") == 1
                                             and s.get("state", {}).get("running") else None)(
        container_status(cluster.pod(ns, "victim"))), 60)
    assert status["lastState"]["terminated"]["exitCode"] == 137


def test_over_limit_container_is_oom_killed(cluster: Cluster, ns: str) -> None:
    hog = single_pod("hog", ["python", "-c", "x = bytearray(300 * 1024 * 1024)\n"
                             "import time; time.sleep(60)"], image="python:3.12",
                     resources={"limits": {"memory": "64Mi"}})
    cluster.apply(hog, ns)
    last = poll("OOMKilled in lastState", lambda: container_status(
        cluster.pod(ns, "hog")).get("lastState", {}).get("terminated"), 60)
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)


def test_unknown_image_backs_off(cluster: Cluster, ns: str) -> None:
    cluster.apply(single_pod("ghost", ["true"], image="no-such-registry/ghost:1"), ns)
    poll("ImagePullBackOff", lambda: container_status(cluster.pod(ns, "ghost")).get(
        "state", {}).get("waiting", {}).get("reason") == "ImagePullBackOff", 60)
    reasons = {e["reason"] for e in cluster.events(ns, "ghost")}
    assert {"Failed", "BackOff"} <= reasons


def test_failing_command_crash_loops_with_growing_back_off(cluster: Cluster, ns: str
                                                           ) -> None:
    cluster.apply(single_pod("crasher", ["sh", "-c", "echo failing; exit 1"]), ns)
    poll("CrashLoopBackOff", lambda: container_status(cluster.pod(ns, "crasher")).get(
        "state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff", 60)
    starts: list[float] = []

    def restarts() -> int:
        return container_status(cluster.pod(ns, "crasher")).get("restartCount", 0)

    seen = restarts()
    deadline = time.monotonic() + 75
    while time.monotonic() < deadline and len(starts) < 2:
        now = restarts()
        if now > seen:
            starts.append(time.monotonic())
            seen = now
        time.sleep(0.25)
    assert len(starts) == 2, "the container was not restarted twice in 75 s"
    # Back-off doubles (10 s, 20 s, ...): the gap between restarts is well over 10 s.
    assert starts[1] - starts[0] > 12
    logs = cluster.kubectl("logs", "crasher", "--previous", namespace=ns)
    assert "failing" in logs.stdout


def test_unschedulable_pod_is_pending_with_the_reason(cluster: Cluster, ns: str) -> None:
    cluster.apply(single_pod("huge", ["sleep", "60"],
                             resources={"requests": {"cpu": "1000"}}), ns)
    event = poll("FailedScheduling", lambda: next(
        (e for e in cluster.events(ns, "huge") if e["reason"] == "FailedScheduling"), None),
        60)
    assert event["message"].startswith(f"0/{len(NODES)} nodes are available: "
                                       f"{len(NODES)} Insufficient cpu.")
    assert cluster.pod(ns, "huge")["status"]["phase"] == "Pending"


def test_logs_follow(cluster: Cluster, ns: str) -> None:
    cluster.apply(single_pod("talker", ["sh", "-c",
                                        "for i in 1 2 3; do echo line-$i; sleep 1; done"],
                             restart="Never"), ns)
    poll("talker started", lambda: container_status(cluster.pod(ns, "talker")).get(
        "state", {}).get("running") or container_status(cluster.pod(ns, "talker")).get(
        "state", {}).get("terminated"), 60)
    followed = cluster.kubectl("logs", "-f", "talker", namespace=ns, timeout=30)
    assert followed.stdout.split() == ["line-1", "line-2", "line-3"]


def test_exec_runs_in_the_pod(cluster: Cluster, ns: str) -> None:
    cluster.apply(single_pod("shell", ["sleep", "3600"]), ns)
    poll("shell running", lambda: container_status(cluster.pod(ns, "shell")).get(
        "state", {}).get("running"), 60)
    done = cluster.kubectl("exec", "shell", "--", "hostname", namespace=ns)
    assert done.stdout.strip() == "shell"


def test_deleting_a_deployment_cascades(cluster: Cluster, ns: str) -> None:
    cluster.apply(web_deployment("gone", replicas=2), ns)
    poll("2 pods", lambda: len(cluster.pods(ns, "app=gone")) == 2, 60)
    cluster.kubectl("delete", "deployment", "gone", namespace=ns)
    poll("replica sets gone", lambda: not cluster.json(
        "get", "rs", "-l", "app=gone", namespace=ns)["items"], 60)
    poll("pods gone", lambda: not cluster.pods(ns, "app=gone"), 60)


def test_a_stopped_kubelet_makes_its_node_not_ready_and_pods_move(cluster: Cluster,
                                                                   ns: str) -> None:
    deployment = web_deployment("mover", replicas=2)
    spec = deployment["spec"]["template"]["spec"]
    # Short tolerations so the eviction happens within the test (default is 300 s).
    spec["tolerations"] = [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}
        for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")]
    spec["nodeSelector"] = {"kubernetes.io/hostname": NODES[1]}
    cluster.apply(deployment, ns)
    poll("2 ready pods on node-2", lambda: ready_count(cluster, ns, "app=mover") == 2, 90)
    # Let the pods go anywhere once they are re-created.
    cluster.kubectl("patch", "deployment", "mover", "--type=json", "-p",
                    json.dumps([{"op": "remove",
                                 "path": "/spec/template/spec/nodeSelector"}]),
                    namespace=ns)
    poll("rolled out without the selector", lambda: ready_count(
        cluster, ns, "app=mover") == 2 and all(
        "nodeSelector" not in p["spec"] for p in cluster.pods(ns, "app=mover")), 90)
    victim = next(p["spec"]["nodeName"] for p in cluster.pods(ns, "app=mover"))
    pid = cluster.component_pid(f"kubelet-{victim}")
    os.kill(pid, signal.SIGSTOP)  # frozen, not crashed: the supervisor must not restart it
    stopped = time.monotonic()
    try:
        def not_ready() -> bool:
            node = cluster.json("get", "node", victim)
            ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
            return ready["status"] != "True"

        poll(f"{victim} NotReady", not_ready, 60, interval=1)
        assert time.monotonic() - stopped <= 50 + 2
        poll("pods re-created on the other node", lambda: ready_count(
            cluster, ns, "app=mover") == 2 and all(
            p["spec"]["nodeName"] != victim for p in cluster.pods(ns, "app=mover")
            if not p["metadata"].get("deletionTimestamp")), 90, interval=1)
    finally:
        os.kill(pid, signal.SIGCONT)
    poll(f"{victim} Ready again", lambda: not [
        c for c in cluster.json("get", "node", victim)["status"]["conditions"]
        if c["type"] == "Ready" and c["status"] != "True"], 60, interval=1)


@pytest.mark.parametrize("component", ["apiserver", "controller-manager", "scheduler"])
def test_killing_a_control_plane_process_loses_nothing(cluster: Cluster, ns: str,
                                                       component: str) -> None:
    cluster.apply(web_deployment("before", replicas=1), ns)
    poll("the first deployment ready", lambda: ready_count(cluster, ns, "app=before") == 1,
         90)
    pid = cluster.component_pid(component)
    os.kill(pid, signal.SIGKILL)
    # Written while the component is down (for the apiserver: as soon as it is back).
    poll("the API answering", lambda: cluster.kubectl(
        "get", "ns", ns, check=False).returncode == 0, 60)
    cluster.apply(web_deployment("during", replicas=2), ns)
    poll(f"{component} restarted", lambda: cluster.component_pid(component) != pid, 60)
    poll("the new deployment ready", lambda: ready_count(cluster, ns, "app=during") == 2, 120)
    assert ready_count(cluster, ns, "app=before") == 1
    assert cluster.json("get", "deployment", "before", namespace=ns)["metadata"]["uid"]

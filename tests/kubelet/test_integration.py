"""A real kubelet against the real apiserver: pods bound by ``spec.nodeName`` at create run
as processes, and what a user sees through ``kubectl`` and the official Python client
behaves as on Kubernetes (logs, restarts, OOM kills, image and configuration errors,
CrashLoopBackOff, namespaces and volumes, graceful deletion, node API)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from observe.client.errors import ApiError
from observe.kubelet.runtime import cgroups, namespaces
from tests.kubelet.conftest import NODES, PODS, REGISTRY, wait_until

CONFIGMAPS = REGISTRY.get("", "configmaps")
EVENTS = REGISTRY.get("", "events")
KUBECTL = shutil.which("kubectl")
# The 1.20 client .ci/setup unpacks (see tests/e2e): logs must work with both.
KUBECTL_120 = Path(__file__).resolve().parents[2] / ".cache/kubectl-1.20/usr/bin/kubectl"
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
CLIENTS = [pytest.param(KUBECTL, id="kubectl-1.32"),
           pytest.param(str(KUBECTL_120), id="kubectl-1.20", marks=pytest.mark.skipif(
               not KUBECTL_120.is_file(), reason="kubectl 1.20 is not unpacked (.ci/setup)"))]


def kubectl(apiserver, namespace, *args, timeout=60, binary=None):
    result = subprocess.run([binary or KUBECTL, "--kubeconfig", str(apiserver.kubeconfig),
                             "-n", namespace, *args], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"kubectl {' '.join(args)} failed: {result.stderr}"
    return result.stdout


def make_pod(kubelet, name, containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": kubelet.node_name, "terminationGracePeriodSeconds": 5,
                     "containers": containers, **spec}}


def busybox(command, name="app", **extra):
    return {"name": name, "image": "busybox", "imagePullPolicy": "IfNotPresent",
            "command": ["sh", "-c", command], **extra}


def get_pod(api, namespace, name):
    return api.get(PODS, name, namespace=namespace)


def container_status(api, namespace, name, index=0):
    statuses = (get_pod(api, namespace, name).get("status") or {}).get("containerStatuses")
    return statuses[index] if statuses else {}


def events_for(api, namespace, name):
    return [(e["reason"], e["message"]) for e in api.list(EVENTS, namespace=namespace)["items"]
            if e["involvedObject"]["name"] == name]


def wait_events(api, namespace, name, *wanted):
    """The pod's events once every ``wanted`` one (a (reason, message) pair, or a predicate
    over the list) is there: the kubelet writes events in the background."""
    def check():
        seen = events_for(api, namespace, name)
        return all(w(seen) if callable(w) else w in seen for w in wanted) and seen

    return wait_until(check, what=f"events {wanted} of {name}")


def wait_running(api, namespace, name, timeout=30):
    return wait_until(lambda: "running" in container_status(api, namespace, name).get(
        "state", {}), timeout, what=f"pod {name} running")


def test_node_is_registered_and_ready(kubelet, api):
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    node = api.get(NODES, kubelet.node_name)
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == kubelet.node_name
    assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == kubelet.port
    assert node["spec"]["podCIDR"] == kubelet.pod_cidr
    ready = {c["type"]: c for c in node["status"]["conditions"]}["Ready"]
    assert (ready["status"], ready["reason"]) == ("True", "KubeletReady")
    lease = api.get(REGISTRY.get("coordination.k8s.io", "leases"), kubelet.node_name,
                    namespace="kube-node-lease")
    assert lease["spec"]["holderIdentity"] == kubelet.node_name
    # The official client validates required fields (nodeInfo, addresses) strictly.
    official = k8s.CoreV1Api(k8s_config.new_client_from_config(
        str(kubelet.apiserver.kubeconfig)))
    read = official.read_node(kubelet.node_name)
    assert read.status.node_info.kubelet_version.startswith("v1.")


@needs_kubectl
@pytest.mark.parametrize("binary", CLIENTS)
def test_pod_runs_and_kubectl_reads_its_logs(kubelet, api, namespace, binary):
    script = "for i in 1 2 3 4 5; do echo line $i; done; echo to-stderr >&2; sleep 3600"
    api.create(PODS, make_pod(kubelet, "talker", [busybox(script)]), namespace=namespace)
    wait_running(api, namespace, "talker")

    def logs(*args):
        return kubectl(kubelet.apiserver, namespace, "logs", "talker", *args, binary=binary)

    out = wait_until(lambda: (o := logs()).count("\n") >= 6 and o, what="six log lines")
    assert sorted(out.splitlines()) == sorted([f"line {i}" for i in range(1, 6)] +
                                              ["to-stderr"])
    assert logs("--tail=1") in ("line 5\n", "to-stderr\n")
    assert len(logs("--tail=3").splitlines()) == 3
    stamped = logs("--timestamps")
    assert stamped.splitlines()[0].split(" ", 1)[0].endswith("Z")
    pod = get_pod(api, namespace, "talker")
    status = pod["status"]
    assert status["phase"] == "Running"
    assert status["podIP"].startswith(kubelet.pod_cidr.rsplit(".", 2)[0])
    assert status["containerStatuses"][0]["containerID"].startswith("observe://")
    uid = pod["metadata"]["uid"]
    log_file = kubelet.root / "pods" / f"{namespace}_talker_{uid}" / "app" / "0.log"
    assert log_file.is_file()
    links = list((kubelet.root / "containers").glob(f"talker_{namespace}_app-*.log"))
    assert len(links) == 1 and links[0].resolve() == log_file.resolve()
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    official = k8s.CoreV1Api(k8s_config.new_client_from_config(
        str(kubelet.apiserver.kubeconfig)))
    [listed] = official.list_namespaced_pod(namespace).items
    assert listed.status.container_statuses[0].image_id


@needs_kubectl
@pytest.mark.parametrize("binary", CLIENTS)
def test_kubectl_logs_follow_ends_when_the_container_exits(kubelet, api, namespace, binary):
    script = "echo start; sleep 2; echo middle; sleep 1; echo end"
    api.create(PODS, make_pod(kubelet, "follower", [busybox(script)], restartPolicy="Never"),
               namespace=namespace)
    wait_until(lambda: container_status(api, namespace, "follower").get("state", {})
               .get("running") or container_status(api, namespace, "follower").get(
                   "state", {}).get("terminated"), what="container started")
    started = time.monotonic()
    out = kubectl(kubelet.apiserver, namespace, "logs", "-f", "follower", binary=binary)
    assert out == "start\nmiddle\nend\n"
    assert time.monotonic() - started < 30


@needs_kubectl
@pytest.mark.parametrize("binary", CLIENTS)
def test_killed_container_restarts_and_previous_logs(kubelet, api, namespace, binary):
    api.create(PODS, make_pod(kubelet, "victim", [busybox("echo generation; sleep 3600")]),
               namespace=namespace)
    wait_running(api, namespace, "victim")
    first = container_status(api, namespace, "victim")
    state = kubelet.container_state(first["containerID"])
    os.kill(state["pid"], signal.SIGKILL)
    restarted = wait_until(lambda: (s := container_status(api, namespace, "victim"))
                           .get("restartCount") == 1 and "running" in s["state"] and s,
                           what="restartCount 1")
    assert restarted["lastState"]["terminated"]["exitCode"] == 137
    assert restarted["lastState"]["terminated"]["reason"] == "Error"
    assert restarted["lastState"]["terminated"]["containerID"] == first["containerID"]
    assert restarted["containerID"] != first["containerID"]
    previous = wait_until(lambda: kubectl(kubelet.apiserver, namespace, "logs", "victim",
                                          "--previous", binary=binary), what="previous logs")
    assert previous == "generation\n"


def cgroups_writable() -> bool:
    driver = cgroups.detect(f"probe-{os.getpid()}")
    if driver is not None:
        driver.release()
    return driver is not None


@pytest.mark.skipif(not cgroups_writable(),
                    reason="cgroups are not writable here: no memory limit to exceed")
def test_container_beyond_its_memory_limit_is_oom_killed(kubelet, api, namespace):
    hog = {"name": "hog", "image": "python:3.12", "imagePullPolicy": "IfNotPresent",
           "command": ["python", "-c", "x = bytearray(300 * 1024 * 1024); print(len(x))"],
           "resources": {"limits": {"memory": "50Mi"}}}
    api.create(PODS, make_pod(kubelet, "hog", [hog], restartPolicy="Never"),
               namespace=namespace)
    terminated = wait_until(lambda: container_status(api, namespace, "hog").get(
        "state", {}).get("terminated"), what="hog terminated")
    assert (terminated["reason"], terminated["exitCode"]) == ("OOMKilled", 137)
    assert get_pod(api, namespace, "hog")["status"]["phase"] == "Failed"


def test_unknown_image_is_err_image_pull_then_image_pull_back_off(kubelet, api, namespace):
    api.create(PODS, make_pod(kubelet, "ghost", [{"name": "app", "image": "no-such-image:9"}]),
               namespace=namespace)
    reasons = set()

    def back_off():
        waiting = container_status(api, namespace, "ghost").get("state", {}).get("waiting", {})
        reasons.add(waiting.get("reason"))
        return waiting.get("reason") == "ImagePullBackOff" and waiting

    waiting = wait_until(back_off, interval=0.02, what="ImagePullBackOff")
    assert waiting["message"] == 'Back-off pulling image "no-such-image:9"'
    wait_events(api, namespace, "ghost", ("Failed", "Error: ErrImagePull"),
                ("BackOff", 'Back-off pulling image "no-such-image:9"'),
                lambda seen: any(r == "Failed" and m.startswith(
                    'Failed to pull image "no-such-image:9"') for r, m in seen))
    assert get_pod(api, namespace, "ghost")["status"]["phase"] == "Pending"


def test_exit_1_is_crash_loop_back_off_with_growing_delay(kubelet, api, namespace):
    api.create(PODS, make_pod(kubelet, "crasher", [busybox("echo crashing; exit 1")]),
               namespace=namespace)
    messages = []

    def loop(count, delay):
        status = container_status(api, namespace, "crasher")
        waiting = status.get("state", {}).get("waiting", {})
        if waiting.get("reason") == "CrashLoopBackOff" and waiting["message"] not in messages:
            messages.append(waiting["message"])
        return status.get("restartCount", 0) >= count and \
            f"back-off {delay} " in waiting.get("message", "") and status

    status = wait_until(lambda: loop(1, "10s"), timeout=30, what="first back-off")
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert get_pod(api, namespace, "crasher")["status"]["phase"] == "Running"
    wait_until(lambda: loop(2, "20s"), timeout=40, what="back-off doubled to 20s")
    uid = get_pod(api, namespace, "crasher")["metadata"]["uid"]
    assert messages[:2] == [
        f"back-off 10s restarting failed container=app pod=crasher_{namespace}({uid})",
        f"back-off 20s restarting failed container=app pod=crasher_{namespace}({uid})"]
    wait_events(api, namespace, "crasher", ("BackOff", f"Back-off restarting failed container "
                                                       f"app in pod crasher_{namespace}({uid})"))


def test_missing_config_map_is_create_container_config_error(kubelet, api, namespace):
    env = [{"name": "COLOUR", "valueFrom": {"configMapKeyRef": {"name": "palette",
                                                                "key": "colour"}}}]
    api.create(PODS, make_pod(kubelet, "painter", [busybox("echo $COLOUR; sleep 3600",
                                                           env=env)]), namespace=namespace)
    waiting = wait_until(lambda: container_status(api, namespace, "painter").get(
        "state", {}).get("waiting", {}).get("reason") == "CreateContainerConfigError" and
        container_status(api, namespace, "painter")["state"]["waiting"],
        what="CreateContainerConfigError")
    assert waiting["message"] == 'configmap "palette" not found'
    wait_events(api, namespace, "painter", ("Failed", 'Error: configmap "palette" not found'))
    api.create(CONFIGMAPS, {"metadata": {"name": "palette"}, "data": {"colour": "teal"}},
               namespace=namespace)
    wait_running(api, namespace, "painter", timeout=30)


@pytest.mark.skipif(not namespaces.supported(), reason="mount/UTS namespaces need root")
@needs_kubectl
def test_hostname_is_the_pod_name_and_volumes_are_mounted(kubelet, api, namespace,
                                                          tmp_path):
    api.create(CONFIGMAPS, {"metadata": {"name": "settings"}, "data": {"mode": "fast"}},
               namespace=namespace)
    # Mount points are created on the host's filesystem: keep them somewhere disposable.
    settings, scratch = tmp_path / "etc" / "settings", tmp_path / "scratch"
    script = (f"hostname; cat {settings}/mode; echo; echo shared > {scratch}/x; "
              f"cat {scratch}/x; echo pod=$MY_POD ip=$POD_IP; sleep 3600")
    container = busybox(script, env=[{"name": "MY_POD", "valueFrom": {"fieldRef": {
        "fieldPath": "metadata.name"}}}], volumeMounts=[
        {"name": "settings", "mountPath": str(settings)},
        {"name": "scratch", "mountPath": str(scratch)}])
    api.create(PODS, make_pod(kubelet, "mounted", [container], volumes=[
        {"name": "settings", "configMap": {"name": "settings"}},
        {"name": "scratch", "emptyDir": {}}]), namespace=namespace)
    wait_running(api, namespace, "mounted")
    ip = get_pod(api, namespace, "mounted")["status"]["podIP"]
    out = wait_until(lambda: (o := kubectl(kubelet.apiserver, namespace, "logs", "mounted"))
                     .count("\n") >= 4 and o, what="four lines")
    assert out.splitlines() == ["mounted", "fast", "shared", f"pod=mounted ip={ip}"]
    assert not (scratch / "x").exists(), "the volume is mounted only inside the pod"


@needs_kubectl
def test_deletion_runs_pre_stop_then_sigterm_then_deletes(kubelet, api, namespace, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    script = (f"trap 'echo sigterm >> {out}/trail; exit 0' TERM; echo started >> {out}/trail;"
              " while true; do sleep 0.1; done")
    container = busybox(script, lifecycle={"preStop": {"exec": {"command": [
        "sh", "-c", f"echo pre-stop >> {out}/trail"]}}})
    api.create(PODS, make_pod(kubelet, "graceful", [container]), namespace=namespace)
    wait_running(api, namespace, "graceful")
    wait_until(lambda: (out / "trail").exists(), what="container started")
    kubectl(kubelet.apiserver, namespace, "delete", "pod", "graceful", "--wait=true")
    with pytest.raises(ApiError) as gone:
        get_pod(api, namespace, "graceful")
    assert gone.value.code == 404
    assert (out / "trail").read_text().splitlines() == ["started", "pre-stop", "sigterm"]
    wait_events(api, namespace, "graceful", ("Killing", "Stopping container app"))
    wait_until(lambda: not list((kubelet.root / "pods").glob(f"{namespace}_graceful_*")),
               what="the pod's logs removed")


def test_node_api_serves_pods_stats_and_metrics(kubelet, api, namespace):
    api.create(PODS, make_pod(kubelet, "busy", [busybox("while true; do :; done")]),
               namespace=namespace)
    wait_running(api, namespace, "busy")

    def busy_stats():
        with urllib.request.urlopen(f"{kubelet.url}/stats/summary", timeout=10) as response:
            summary = json.load(response)
        pod = next((p for p in summary["pods"] if p["podRef"]["name"] == "busy"), None)
        return pod and pod["containers"] and \
            pod["containers"][0]["cpu"].get("usageNanoCores") and (summary, pod)

    summary, pod = wait_until(busy_stats, timeout=30, interval=0.5, what="a cpu rate")
    assert summary["node"]["nodeName"] == kubelet.node_name
    container = pod["containers"][0]
    assert container["cpu"]["usageCoreNanoSeconds"] > 0
    assert container["memory"]["workingSetBytes"] > 0
    with urllib.request.urlopen(f"{kubelet.url}/pods", timeout=10) as response:
        names = [p["metadata"]["name"] for p in json.load(response)["items"]]
    assert "busy" in names
    with urllib.request.urlopen(f"{kubelet.url}/metrics", timeout=10) as response:
        metrics = response.read().decode()
    assert f'kubelet_node_name{{node="{kubelet.node_name}"}} 1.0' in metrics
    assert 'kubelet_running_containers{container_state="running"}' in metrics
    assert "kubelet_pod_start_duration_seconds_count" in metrics


def test_readiness_probe_gates_ready(kubelet, api, namespace):
    probe = {"exec": {"command": ["cat", "/tmp/ready-marker"]}, "periodSeconds": 1,
             "failureThreshold": 1}
    marker = f"/tmp/observe-ready-{namespace}"
    container = busybox("sleep 3600", readinessProbe={**probe, "exec": {"command": [
        "cat", marker]}})
    api.create(PODS, make_pod(kubelet, "gated", [container]), namespace=namespace)
    wait_running(api, namespace, "gated")
    assert container_status(api, namespace, "gated")["ready"] is False
    try:
        with open(marker, "w") as f:
            f.write("ok")
        wait_until(lambda: container_status(api, namespace, "gated").get("ready"),
                   what="ready after the probe passes")
        conditions = {c["type"]: c["status"] for c in
                      get_pod(api, namespace, "gated")["status"]["conditions"]}
        assert conditions["Ready"] == "True"
    finally:
        os.unlink(marker)
    wait_events(api, namespace, "gated", lambda seen: any(
        r == "Unhealthy" and m.startswith("Readiness probe failed: ") for r, m in seen))


def test_liveness_failure_restarts_the_container(kubelet, api, namespace):
    probe = {"exec": {"command": ["sh", "-c", "exit 1"]}, "periodSeconds": 1,
             "failureThreshold": 2}
    api.create(PODS, make_pod(kubelet, "sick", [busybox("sleep 3600", livenessProbe=probe)]),
               namespace=namespace)
    wait_until(lambda: container_status(api, namespace, "sick").get("restartCount", 0) >= 1,
               what="a restart after failed liveness probes")
    wait_events(api, namespace, "sick",
                ("Killing", "Container app failed liveness probe, will be restarted"),
                ("Unhealthy", "Liveness probe failed: "))


def test_python_image_runs_the_hosts_python(kubelet, api, namespace):
    container = {"name": "py", "image": "python:3.12-slim", "imagePullPolicy": "IfNotPresent",
                 "command": ["python", "-c", "import sys; print(sys.version_info[0])"]}
    api.create(PODS, make_pod(kubelet, "py", [container], restartPolicy="Never"),
               namespace=namespace)
    wait_until(lambda: get_pod(api, namespace, "py")["status"].get("phase") == "Succeeded",
               what="python pod succeeded")
    status = container_status(api, namespace, "py")
    assert status["state"]["terminated"]["reason"] == "Completed"
    assert status["image"] == "docker.io/library/python:3.12-slim"
    assert sys.version_info[0] == 3

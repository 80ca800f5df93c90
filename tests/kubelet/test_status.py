"""Pure PodStatus computation: phase, conditions, container statuses (upstream's
generateAPIPodStatus)."""

from __future__ import annotations

import pytest

from observe.kubelet.runtime.types import EXITED, RUNNING, ContainerStatus
from observe.kubelet.status import PodView, Waiting, pod_phase, pod_status

NOW = 1_700_000_000.0


def pod(containers=("app",), init=(), policy="Always", **spec):
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u"},
            "spec": {"restartPolicy": policy,
                     "containers": [{"name": n, "image": "busybox"} for n in containers],
                     "initContainers": [{"name": n, "image": "busybox"} for n in init],
                     **spec}}


def instance(name, state, attempt=0, code=None, init=False, reason="", cid=None):
    exited = state == EXITED
    return ContainerStatus(
        id=cid or f"{name}-{attempt}", pod_uid="u", pod_name="p", pod_namespace="ns",
        name=name, attempt=attempt, image="docker.io/library/busybox:latest",
        image_id="docker.io/library/busybox@sha256:1", spec_hash="", log_path="",
        state=state, created_at=NOW + attempt, started_at=NOW + attempt,
        finished_at=NOW + attempt + 1 if exited else None,
        exit_code=code if exited else None,
        reason=reason or (("Completed" if code == 0 else "Error") if exited else ""),
        init=init)


def status_of(spec_pod, containers=(), waiting=None, **view):
    return pod_status(PodView(pod=spec_pod, containers=list(containers),
                              waiting=waiting or {}, pod_ip="127.1.0.2", host_ip="127.0.0.1",
                              start_time="2023-11-14T22:13:20Z", sandbox_ready=True, **view),
                      None, NOW)


RUN = (RUNNING, None)


@pytest.mark.parametrize(("name", "spec_pod", "containers", "waiting", "terminal", "phase"), [
    ("nothing started yet", pod(), [], {}, False, "Pending"),
    ("running", pod(), [instance("app", RUNNING)], {}, False, "Running"),
    ("one of two still creating", pod(("a", "b")), [instance("a", RUNNING)], {}, False,
     "Pending"),
    ("image pull failing", pod(), [], {"app": Waiting("ErrImagePull")}, False, "Pending"),
    ("crash loop under Always is Running", pod(), [instance("app", EXITED, code=1)],
     {"app": Waiting("CrashLoopBackOff")}, False, "Running"),
    ("exited 0 under Always is still Running", pod(), [instance("app", EXITED, code=0)], {},
     False, "Running"),
    ("all done under Never", pod(policy="Never"), [instance("app", EXITED, code=0)], {},
     False, "Succeeded"),
    ("a failure under Never", pod(("a", "b"), policy="Never"),
     [instance("a", EXITED, code=0), instance("b", EXITED, code=2)], {}, False, "Failed"),
    ("a failure under OnFailure restarts", pod(policy="OnFailure"),
     [instance("app", EXITED, code=1)], {}, False, "Running"),
    ("success under OnFailure", pod(policy="OnFailure"), [instance("app", EXITED, code=0)],
     {}, False, "Succeeded"),
    ("terminated by the kubelet, killed", pod(), [instance("app", EXITED, code=137)], {},
     True, "Failed"),
    ("terminated by the kubelet, clean exit", pod(), [instance("app", EXITED, code=0)], {},
     True, "Succeeded"),
    ("init running", pod(init=("i",)), [instance("i", RUNNING, init=True)], {}, False,
     "Pending"),
    ("init failed under Never", pod(init=("i",), policy="Never"),
     [instance("i", EXITED, code=1, init=True)], {}, False, "Failed"),
    ("init failed under Always waits to retry", pod(init=("i",)),
     [instance("i", EXITED, code=1, init=True)], {"i": Waiting("CrashLoopBackOff")}, False,
     "Pending"),
    ("init done, app running", pod(init=("i",)),
     [instance("i", EXITED, code=0, init=True), instance("app", RUNNING)], {}, False,
     "Running"),
])
def test_phase(name, spec_pod, containers, waiting, terminal, phase):
    status = status_of(spec_pod, containers, waiting, terminal=terminal)
    assert status["phase"] == phase, name


def conditions(status):
    return {c["type"]: (c["status"], c.get("reason"), c.get("message"))
            for c in status["conditions"]}


def test_running_and_ready():
    status = status_of(pod(), [instance("app", RUNNING)])
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    assert all(c["status"] == "True" for c in status["conditions"])
    assert all(c["lastTransitionTime"] == "2023-11-14T22:13:20Z" and c["lastProbeTime"] is None
               for c in status["conditions"])
    [cs] = status["containerStatuses"]
    assert cs == {"name": "app", "state": {"running": {"startedAt": "2023-11-14T22:13:20Z"}},
                  "lastState": {}, "ready": True, "restartCount": 0,
                  "image": "docker.io/library/busybox:latest",
                  "imageID": "docker.io/library/busybox@sha256:1",
                  "containerID": "observe://app-0", "started": True}
    assert status["podIP"] == "127.1.0.2" and status["podIPs"] == [{"ip": "127.1.0.2"}]
    assert status["hostIPs"] == [{"ip": "127.0.0.1"}]


def test_unready_containers_are_named_like_go_slices():
    spec_pod = pod(("a", "b", "c"))
    spec_pod["spec"]["containers"][1]["readinessProbe"] = {"exec": {"command": ["true"]}}
    status = status_of(spec_pod, [instance("a", RUNNING), instance("b", RUNNING)])
    # Every spec container has a status (c's is ContainerCreating), so none is "unknown".
    assert conditions(status)["ContainersReady"] == (
        "False", "ContainersNotReady", "containers with unready status: [b c]")
    assert conditions(status)["Ready"][0] == "False"
    ready = status_of(spec_pod, [instance("a", RUNNING), instance("b", RUNNING),
                                 instance("c", RUNNING)], ready={"b-0": True})
    assert conditions(ready)["Ready"] == ("True", None, None)


def test_startup_probe_gates_started_and_ready():
    spec_pod = pod()
    spec_pod["spec"]["containers"][0]["startupProbe"] = {"exec": {"command": ["true"]}}
    [cs] = status_of(spec_pod, [instance("app", RUNNING)])["containerStatuses"]
    assert (cs["started"], cs["ready"]) == (False, False)
    [cs] = status_of(spec_pod, [instance("app", RUNNING)],
                     started={"app-0": True})["containerStatuses"]
    assert (cs["started"], cs["ready"]) == (True, True)


def test_crash_loop_status_shows_waiting_with_the_last_termination():
    history = [instance("app", EXITED, attempt=0, code=1), instance("app", EXITED, attempt=1,
                                                                    code=1)]
    message = "back-off 10s restarting failed container=app pod=p_ns(u)"
    status = status_of(pod(), history, {"app": Waiting("CrashLoopBackOff", message)})
    [cs] = status["containerStatuses"]
    assert cs["state"] == {"waiting": {"reason": "CrashLoopBackOff", "message": message}}
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    assert cs["lastState"]["terminated"]["containerID"] == "observe://app-1"
    assert cs["restartCount"] == 1 and cs["ready"] is False


def test_restarted_container_reports_previous_termination():
    history = [instance("app", EXITED, attempt=0, code=137, reason="OOMKilled"),
               instance("app", RUNNING, attempt=1)]
    [cs] = status_of(pod(), history)["containerStatuses"]
    assert "running" in cs["state"] and cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert cs["lastState"]["terminated"]["exitCode"] == 137


@pytest.mark.parametrize(("init", "containers", "reason"), [
    ((), [], "ContainerCreating"),
    (("i",), [], "PodInitializing"),
])
def test_default_waiting_reasons(init, containers, reason):
    status = status_of(pod(init=init), containers)
    assert status["containerStatuses"][0]["state"] == {"waiting": {"reason": reason}}
    assert status["containerStatuses"][0]["imageID"] == ""


def test_init_progress_in_conditions():
    spec_pod = pod(init=("i1", "i2"))
    status = status_of(spec_pod, [instance("i1", EXITED, code=0, init=True),
                                  instance("i2", RUNNING, init=True)])
    assert conditions(status)["Initialized"] == (
        "False", "ContainersNotInitialized", "containers with incomplete status: [i2]")
    assert [s["name"] for s in status["initContainerStatuses"]] == ["i1", "i2"]
    assert status["initContainerStatuses"][0]["ready"] is True
    done = status_of(spec_pod, [instance("i1", EXITED, code=0, init=True),
                                instance("i2", EXITED, code=0, init=True),
                                instance("app", RUNNING)])
    assert conditions(done)["Initialized"] == ("True", None, None)


def test_completed_pods_report_pod_completed():
    status = status_of(pod(policy="Never"), [instance("app", EXITED, code=0)])
    assert status["phase"] == "Succeeded"
    assert conditions(status)["Ready"] == ("False", "PodCompleted", None)
    assert conditions(status)["Initialized"] == ("True", "PodCompleted", None)
    failed = status_of(pod(policy="Never"), [instance("app", EXITED, code=1)])
    assert conditions(failed)["ContainersReady"] == ("False", "PodFailed", None)


def test_transition_times_survive_unchanged_conditions_and_terminal_phases_stick():
    spec_pod = pod()
    first = pod_status(PodView(pod=spec_pod, containers=[instance("app", RUNNING)],
                               sandbox_ready=True), None, NOW)
    later = pod_status(PodView(pod=spec_pod, containers=[instance("app", RUNNING)],
                               sandbox_ready=True), first, NOW + 60)
    assert later["conditions"] == first["conditions"]
    changed = pod_status(PodView(pod=spec_pod, containers=[instance("app", EXITED, code=1)],
                                 sandbox_ready=True), first, NOW + 60)
    times = {c["type"]: c["lastTransitionTime"] for c in changed["conditions"]}
    assert times["Ready"] == "2023-11-14T22:14:20Z"
    assert times["PodScheduled"] == "2023-11-14T22:13:20Z"
    done = {**first, "phase": "Succeeded"}
    assert pod_status(PodView(pod=spec_pod, containers=[instance("app", RUNNING)]), done,
                      NOW)["phase"] == "Succeeded"


def test_foreign_conditions_and_qos_class_are_kept():
    old = {"qosClass": "Burstable", "conditions": [
        {"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI"}]}
    status = pod_status(PodView(pod=pod(), containers=[instance("app", RUNNING)]), old, NOW)
    assert status["qosClass"] == "Burstable"
    assert status["conditions"][0]["type"] == "DisruptionTarget"


def test_readiness_gates():
    spec_pod = pod(readinessGates=[{"conditionType": "example.com/lb"}])
    status = status_of(spec_pod, [instance("app", RUNNING)])
    assert conditions(status)["Ready"] == (
        "False", "ReadinessGatesNotReady",
        'corresponding condition of pod readiness gate "example.com/lb" does not exist.')
    old = {"conditions": [{"type": "example.com/lb", "status": "True"}]}
    ready = pod_status(PodView(pod=spec_pod, containers=[instance("app", RUNNING)]), old, NOW)
    assert conditions(ready)["Ready"][0] == "True"


def test_container_statuses_are_sorted_by_name():
    status = status_of(pod(("zeta", "alpha")), [])
    assert [s["name"] for s in status["containerStatuses"]] == ["alpha", "zeta"]


def test_pod_phase_with_no_containers_known_is_pending():
    assert pod_phase({"containers": [{"name": "a"}]}, [], [], False) == "Pending"

"""The Pod printer: READY, STATUS and RESTARTS as kubectl 1.32 shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observe.api.tables import build_table, summarize_pod

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def running(name: str = "app", ready: bool = True, restarts: int = 0, **extra) -> dict:
    return {"name": name, "ready": ready, "restartCount": restarts,
            "state": {"running": {"startedAt": ago(hours=1)}}, **extra}


def waiting(reason: str, name: str = "app", restarts: int = 0, **extra) -> dict:
    return {"name": name, "ready": False, "restartCount": restarts,
            "state": {"waiting": {"reason": reason}}, **extra}


def terminated(name: str = "app", exit_code: int = 0, reason: str | None = None,
               signal: int | None = None, restarts: int = 0) -> dict:
    state: dict = {"exitCode": exit_code}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"name": name, "ready": False, "restartCount": restarts,
            "state": {"terminated": state}}


def last_terminated(minutes_ago: float) -> dict:
    return {"terminated": {"exitCode": 1, "reason": "Error",
                           "finishedAt": ago(minutes=minutes_ago)}}


def pod(containers: int = 1, statuses: list | None = None, phase: str = "Running",
        inits: list | None = None, init_statuses: list | None = None,
        conditions: list | None = None, **top) -> dict:
    """A pod with ``containers`` containers named app, c1, c2, ..."""
    names = ["app", *(f"c{i}" for i in range(1, containers))]
    spec = {"containers": [{"name": n, "image": "busybox"} for n in names]}
    if inits is not None:
        spec["initContainers"] = inits
    status: dict = {"phase": phase, "containerStatuses": statuses or []}
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions is not None:
        status["conditions"] = conditions
    obj = {"metadata": {"name": "p", "namespace": "default", "creationTimestamp": ago(days=1)},
           "spec": spec, "status": status}
    for key, value in top.items():
        section, _, field = key.partition("__")
        obj[section][field] = value
    return obj


def cond(condition_type: str, status: str = "True", reason: str = "") -> dict:
    return {"type": condition_type, "status": status, "reason": reason}


INIT2 = [{"name": "init-a", "image": "busybox"}, {"name": "init-b", "image": "busybox"}]
SIDECAR = {"name": "proxy", "image": "envoy", "restartPolicy": "Always"}

# (case id, pod, READY, STATUS, RESTARTS)
CASES = [
    ("all-ready", pod(2, [running("app"), running("c1")]), "2/2", "Running", "0"),
    ("pending-unscheduled", pod(1, phase="Pending"), "0/1", "Pending", "0"),
    ("container-creating", pod(1, [waiting("ContainerCreating")], phase="Pending"), "0/1",
     "ContainerCreating", "0"),
    ("image-pull-backoff", pod(1, [waiting("ImagePullBackOff")], phase="Pending"), "0/1",
     "ImagePullBackOff", "0"),
    ("crashloop-with-last-restart",
     pod(1, [waiting("CrashLoopBackOff", restarts=5, lastState=last_terminated(3))]),
     "0/1", "CrashLoopBackOff", "5 (3m ago)"),
    ("restarts-without-termination-record", pod(1, [running(restarts=2)]), "1/1", "Running",
     "2"),
    ("latest-restart-of-all-containers", pod(2, [
        running("app", restarts=1, lastState=last_terminated(90)),
        running("c1", restarts=2, lastState=last_terminated(20))]), "2/2", "Running",
     "3 (20m ago)"),
    ("completed", pod(1, [terminated(reason="Completed")], phase="Succeeded"), "0/1",
     "Completed", "0"),
    ("error", pod(1, [terminated(exit_code=1, reason="Error")], phase="Failed"), "0/1",
     "Error", "0"),
    ("oom-killed", pod(1, [terminated(exit_code=137, reason="OOMKilled", restarts=1)]), "0/1",
     "OOMKilled", "1"),
    ("terminated-by-signal", pod(1, [terminated(exit_code=137, signal=9)]), "0/1", "Signal:9",
     "0"),
    ("terminated-exit-code", pod(1, [terminated(exit_code=2)]), "0/1", "ExitCode:2", "0"),
    ("first-container-reason-wins", pod(2, [waiting("ImagePullBackOff", "app"),
                                            waiting("ContainerCreating", "c1")]),
     "0/2", "ImagePullBackOff", "0"),
    ("completed-but-another-running-ready",
     pod(2, [terminated("app", reason="Completed"), running("c1")],
         conditions=[cond("Ready")]), "1/2", "Running", "0"),
    ("completed-but-another-running-not-ready",
     pod(2, [terminated("app", reason="Completed"), running("c1")],
         conditions=[cond("Ready", "False")]), "1/2", "NotReady", "0"),
    ("init-waiting-to-start", pod(1, [waiting("PodInitializing")], "Pending", INIT2,
                                  [waiting("PodInitializing", "init-a"),
                                   waiting("PodInitializing", "init-b")]),
     "0/1", "Init:0/2", "0"),
    ("init-second-running", pod(1, [waiting("PodInitializing")], "Pending", INIT2,
                                [terminated("init-a", reason="Completed"),
                                 running("init-b", ready=False)]),
     "0/1", "Init:1/2", "0"),
    ("init-crashloop", pod(1, [], "Pending", INIT2,
                           [waiting("CrashLoopBackOff", "init-a", restarts=4,
                                    lastState=last_terminated(1))]),
     "0/1", "Init:CrashLoopBackOff", "4 (60s ago)"),
    ("init-error", pod(1, [], "Failed", INIT2,
                       [terminated("init-a", exit_code=1, reason="Error")]),
     "0/1", "Init:Error", "0"),
    ("init-exit-code", pod(1, [], "Pending", INIT2, [terminated("init-a", exit_code=3)]),
     "0/1", "Init:ExitCode:3", "0"),
    ("init-signal", pod(1, [], "Pending", INIT2, [terminated("init-a", exit_code=143,
                                                            signal=15)]),
     "0/1", "Init:Signal:15", "0"),
    # Once Initialized, restarts count only main containers (and sidecars), but an init
    # failure reason stays: kube-apiserver's printer does the same.
    ("initialized-pod-keeps-init-reason", pod(
        1, [running()], "Running", INIT2,
        [terminated("init-a", exit_code=1, reason="Error", restarts=9)],
        conditions=[cond("Initialized")]), "1/1", "Init:Error", "0"),
    ("sidecar-counts-as-container", pod(
        1, [running()], "Running", [SIDECAR],
        [running("proxy", restarts=2, started=True, lastState=last_terminated(5))]),
     "2/2", "Running", "2 (5m ago)"),
    ("sidecar-started-not-ready", pod(
        1, [waiting("PodInitializing")], "Pending", [SIDECAR, INIT2[0]],
        [running("proxy", ready=False, started=True), running("init-a", ready=False)]),
     "0/2", "Init:1/2", "0"),
    ("terminating", pod(1, [running()], metadata__deletionTimestamp=ago(seconds=5)), "1/1",
     "Terminating", "0"),
    ("deleted-after-success-stays-completed", pod(
        1, [terminated(reason="Completed")], "Succeeded",
        metadata__deletionTimestamp=ago(seconds=5)), "0/1", "Completed", "0"),
    ("node-lost", pod(1, [running()], status__reason="NodeLost",
                      metadata__deletionTimestamp=ago(seconds=5)), "1/1", "Unknown", "0"),
    ("evicted", pod(1, [], "Failed", status__reason="Evicted"), "0/1", "Evicted", "0"),
    ("scheduling-gated", pod(1, [], "Pending", conditions=[
        cond("PodScheduled", "False", "SchedulingGated")]), "0/1", "SchedulingGated", "0"),
    ("running-but-unready", pod(1, [running(ready=False)]), "0/1", "Running", "0"),
]


@pytest.mark.parametrize(("obj", "ready", "status", "restarts"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_ready_status_restarts(obj: dict, ready: str, status: str, restarts: str) -> None:
    cells = build_table("", "Pod", [obj], NOW)["rows"][0]["cells"]
    assert cells[1:4] == [ready, status, restarts]
    assert cells[0] == "p" and cells[4] == "24h"


def test_summary_is_the_same_logic() -> None:
    summary = summarize_pod(pod(1, [waiting("CrashLoopBackOff", restarts=5,
                                            lastState=last_terminated(3))]))
    assert (summary.ready, summary.total, summary.status, summary.restarts) == (
        0, 1, "CrashLoopBackOff", 5)
    assert summary.last_restart == NOW - timedelta(minutes=3)


@pytest.mark.parametrize(("status", "spec", "want"), [
    ({"podIPs": [{"ip": "127.1.0.5"}, {"ip": "fd00::5"}], "podIP": "ignored",
      "nominatedNodeName": "node-2"}, {"nodeName": "node-1"},
     ["127.1.0.5", "node-1", "node-2", "<none>"]),
    ({"podIP": "127.1.0.6"}, {}, ["127.1.0.6", "<none>", "<none>", "<none>"]),
    ({"conditions": [cond("Ready"), cond("example.com/lb", "True"),
                     cond("example.com/lb", "False"), cond("example.com/db", "False")]},
     {"readinessGates": [{"conditionType": "example.com/lb"},
                         {"conditionType": "example.com/db"}]},
     ["<none>", "<none>", "<none>", "1/2"]),
], ids=["ips-and-nodes", "legacy-pod-ip", "readiness-gates"])
def test_wide_cells(status: dict, spec: dict, want: list) -> None:
    obj = pod(1, [running()])
    obj["status"].update(status)
    obj["spec"].update(spec)
    assert build_table("", "Pod", [obj], NOW)["rows"][0]["cells"][5:] == want


@pytest.mark.parametrize(("phase", "want"), [
    ("Succeeded", [{"type": "Completed", "status": "True", "reason": "Succeeded",
                    "message": "The pod has completed successfully."}]),
    ("Failed", [{"type": "Completed", "status": "True", "reason": "Failed",
                 "message": "The pod failed."}]),
    ("Running", None),
])
def test_finished_pods_carry_a_completed_row_condition(phase: str, want: list | None) -> None:
    row = build_table("", "Pod", [pod(1, phase=phase)], NOW)["rows"][0]
    assert row.get("conditions") == want

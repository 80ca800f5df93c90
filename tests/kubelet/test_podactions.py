"""What to kill and start for a pod (upstream's computePodActions), table-driven."""

from __future__ import annotations

import dataclasses

import pytest

from observe.kubelet.podactions import Kill, PodActions, compute_pod_actions, container_hash
from observe.kubelet.runtime.types import EXITED, RUNNING, ContainerStatus


def pod(containers=("app",), init=(), policy="Always", phase="Running"):
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u"},
            "spec": {"restartPolicy": policy,
                     "containers": [{"name": n, "image": "busybox"} for n in containers],
                     "initContainers": [{"name": n, "image": "busybox"} for n in init]},
            "status": {"phase": phase}}


def c(name, state, code=None, attempt=0, init=False):
    return ContainerStatus(
        id=f"{name}-{attempt}", pod_uid="u", pod_name="p", pod_namespace="ns", name=name,
        attempt=attempt, image="busybox", image_id="", log_path="", state=state,
        spec_hash=container_hash({"name": name, "image": "busybox"}), created_at=attempt,
        exit_code=code, init=init)


@pytest.mark.parametrize(("name", "spec_pod", "containers", "want"), [
    ("fresh pod starts every container", pod(("a", "b")), [],
     PodActions(start=("a", "b"))),
    ("running containers are left alone", pod(), [c("app", RUNNING)], PodActions()),
    ("exited under Always restarts", pod(), [c("app", EXITED, 0)], PodActions(start=("app",))),
    ("exited 0 under OnFailure stays", pod(policy="OnFailure"), [c("app", EXITED, 0)],
     PodActions()),
    ("exited 1 under OnFailure restarts", pod(policy="OnFailure"), [c("app", EXITED, 1)],
     PodActions(start=("app",))),
    ("exited under Never stays", pod(policy="Never"), [c("app", EXITED, 1)], PodActions()),
    ("first init container first", pod(init=("i1", "i2")), [],
     PodActions(start=("i1",), start_init=True)),
    ("next init after success", pod(init=("i1", "i2")), [c("i1", EXITED, 0, init=True)],
     PodActions(start=("i2",), start_init=True)),
    ("a running init container blocks everything", pod(init=("i1",)),
     [c("i1", RUNNING, init=True)], PodActions()),
    ("failed init is retried under Always", pod(init=("i1",)),
     [c("i1", EXITED, 1, init=True)], PodActions(start=("i1",), start_init=True)),
    ("failed init under Never fails the pod", pod(init=("i1",), policy="Never"),
     [c("i1", EXITED, 1, init=True)], PodActions(init_failed=True)),
    ("after init the containers start", pod(init=("i1",)), [c("i1", EXITED, 0, init=True)],
     PodActions(start=("app",))),
    ("init is never rerun once a container ran", pod(init=("i1",)), [c("app", EXITED, 1)],
     PodActions(start=("app",))),
    ("a terminal pod only stops what runs", pod(phase="Succeeded"), [c("app", RUNNING)],
     PodActions(kill=(Kill("app-0", "app", "Stopping container app"),))),
])
def test_actions(name, spec_pod, containers, want):
    assert compute_pod_actions(spec_pod, containers) == want, name


def test_only_the_newest_instance_counts():
    history = [c("app", EXITED, 1, attempt=0), c("app", RUNNING, attempt=1)]
    assert compute_pod_actions(pod(), history) == PodActions()


@pytest.mark.parametrize(("policy", "restart"), [("Always", True), ("OnFailure", True),
                                                 ("Never", False)])
def test_failed_liveness_kills_and_restarts_by_policy(policy, restart):
    actions = compute_pod_actions(pod(policy=policy), [c("app", RUNNING)],
                                  liveness_failed={"app-0"})
    message = "Container app failed liveness probe" + (", will be restarted" if restart else "")
    assert actions.kill == (Kill("app-0", "app", message),)
    assert actions.start == (("app",) if restart else ())


def test_failed_startup_probe():
    actions = compute_pod_actions(pod(), [c("app", RUNNING)], startup_failed={"app-0"})
    assert actions.kill[0].message == "Container app failed startup probe, will be restarted"


def test_changed_spec_restarts_even_under_never():
    old = dataclasses.replace(c("app", RUNNING), spec_hash="something-else")
    actions = compute_pod_actions(pod(policy="Never"), [old])
    assert actions.kill == (Kill("app-0", "app",
                                 "Container app definition changed, will be restarted"),)
    assert actions.start == ("app",)

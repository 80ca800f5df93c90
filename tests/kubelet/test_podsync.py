"""Pod syncing against the in-memory API and runtime: restart back-off, image pull errors,
configuration errors, start failures, graceful deletion and cleanup, with upstream's
statuses and events. Time is a fake wall clock moved by hand."""

from __future__ import annotations

import contextlib
import sys

import pytest

from observe.api.registry import default_registry
from observe.client.errors import ApiError
from observe.client.fake import FakeApi
from observe.kubelet.images import ImageCatalog
from observe.kubelet.ipam import PodAddresses
from observe.kubelet.layout import Layout
from observe.kubelet.podsync import NodeContext, PodSyncer, object_fetcher
from observe.kubelet.podworkers import DONE
from observe.kubelet.probes import ProbeManager
from observe.kubelet.runtime.fake import FakeRuntime
from observe.kubelet.volumes import VolumeManager

REGISTRY = default_registry()
PODS = REGISTRY.get("", "pods")
CONFIGMAPS = REGISTRY.get("", "configmaps")


class Events:
    def __init__(self) -> None:
        self.recorded: list[tuple[str, str, str]] = []

    def event(self, obj, event_type, reason, message, field_path=None):
        self.recorded.append((event_type, reason, message))

    def reasons(self):
        return [r for _, r, _ in self.recorded]

    def take(self):
        out, self.recorded = self.recorded, []
        return out


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class Harness:
    def __init__(self, tmp_path, api: FakeApi) -> None:
        self.api = api
        self.clock = Clock()
        self.runtime = FakeRuntime(now=self.clock)
        self.events = Events()
        self.pod: dict | None = None
        layout = Layout(tmp_path / "root")
        layout.create()
        self.probes = ProbeManager(self.runtime, self.events.event, lambda uid: None,
                                   self.clock)
        self.syncer = PodSyncer(
            node=NodeContext("node-a", "127.0.0.1", {"cpu": "2", "memory": "4Gi"}, True),
            layout=layout, runtime=self.runtime,
            images=ImageCatalog(layout.images, python=sys.executable), api=api,
            events=self.events, probes=self.probes,
            volumes=VolumeManager(layout, object_fetcher(api), {}),
            addresses=PodAddresses(layout, "127.20.0.0/16"), lookup=self._lookup,
            services=lambda: [], wall=self.clock, monotonic=self.clock)

    def _lookup(self, uid):
        return self.pod if self.pod and self.pod["metadata"]["uid"] == uid else None

    async def create(self, pod):
        self.pod = await self.api.create(PODS, pod, namespace="default")
        return self.pod

    async def sync(self):
        result = await self.syncer.sync(self.pod["metadata"]["uid"])
        with contextlib.suppress(ApiError):  # deleted: keep the last copy
            self.pod = await self.api.get(PODS, self.pod["metadata"]["name"],
                                          namespace="default")
        return result

    def container_status(self, index=0):
        return self.pod["status"]["containerStatuses"][index]


def a_pod(name="p", command=("sh", "-c", "exit 1"), image="busybox", policy="Always",
          **container):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": "node-a", "restartPolicy": policy,
                     "terminationGracePeriodSeconds": 30,
                     "containers": [{"name": "app", "image": image, "command": list(command),
                                     "imagePullPolicy": "IfNotPresent", **container}]},
            "status": {"phase": "Pending", "qosClass": "BestEffort"}}


@pytest.fixture
def harness(tmp_path):
    return Harness(tmp_path, FakeApi())


async def test_a_pod_starts_with_upstream_events_and_status(harness):
    await harness.create(a_pod(command=("sleep", "3600")))
    assert await harness.sync() is None
    assert harness.events.take() == [
        ("Normal", "Pulled", 'Container image "busybox" already present on machine'),
        ("Normal", "Created", "Created container: app"),
        ("Normal", "Started", "Started container app")]
    status = harness.pod["status"]
    assert status["phase"] == "Running" and status["podIP"] == "127.20.0.2"
    assert status["qosClass"] == "BestEffort", "fields the kubelet does not own are kept"
    [config] = harness.runtime.configs.values()
    assert list(config.argv) == ["sleep", "3600"]
    assert config.env["POD_IP"] == "127.20.0.2" and config.hostname == "p"
    assert config.log_path.endswith(f"default_p_{harness.pod['metadata']['uid']}/app/0.log")


async def test_crash_loop_backs_off_10s_then_20s(harness):
    await harness.create(a_pod())
    await harness.sync()
    first = harness.runtime.running("app")[0]
    harness.runtime.exit(first.id, 1)
    harness.clock.now += 1
    await harness.sync()  # the first restart is immediate
    assert harness.container_status()["restartCount"] == 1
    harness.runtime.exit(harness.runtime.running("app")[0].id, 1)
    harness.clock.now += 1
    harness.events.take()
    wake = await harness.sync()
    # It crashed a second ago: the worker comes back when the 10 s back-off ends.
    assert wake == pytest.approx(9, abs=0.1)
    waiting = harness.container_status()["state"]["waiting"]
    uid = harness.pod["metadata"]["uid"]
    assert waiting == {"reason": "CrashLoopBackOff",
                       "message": f"back-off 10s restarting failed container=app "
                                  f"pod=p_default({uid})"}
    assert harness.container_status()["lastState"]["terminated"]["exitCode"] == 1
    assert harness.pod["status"]["phase"] == "Running"
    assert ("Warning", "BackOff", f"Back-off restarting failed container app in pod "
                                  f"p_default({uid})") in harness.events.take()
    harness.clock.now += 9
    await harness.sync()
    assert harness.container_status()["restartCount"] == 2
    assert "running" in harness.container_status()["state"]
    harness.runtime.exit(harness.runtime.running("app")[0].id, 1)
    harness.clock.now += 1
    assert await harness.sync() == pytest.approx(19, abs=0.1)
    assert "back-off 20s" in harness.container_status()["state"]["waiting"]["message"]
    # Only the newest dead instance is kept (upstream's MaxPerPodContainer=1).
    assert [c.attempt for c in harness.runtime.containers()] == [2]
    assert len(harness.runtime.removed) == 2


async def test_unknown_image_is_err_image_pull_then_image_pull_back_off(harness):
    await harness.create(a_pod(image="nosuch:1.0"))
    wake = await harness.sync()
    assert wake == pytest.approx(10, abs=0.1)
    state = harness.container_status()["state"]["waiting"]
    assert state["reason"] == "ErrImagePull"
    assert "not found in the image catalog" in state["message"]
    assert harness.events.reasons() == ["Pulling", "Failed", "Failed"]
    assert harness.events.take()[2] == ("Warning", "Failed", "Error: ErrImagePull")
    harness.clock.now += 1
    await harness.sync()
    assert harness.container_status()["state"]["waiting"] == {
        "reason": "ImagePullBackOff", "message": 'Back-off pulling image "nosuch:1.0"'}
    assert harness.events.take() == [
        ("Normal", "BackOff", 'Back-off pulling image "nosuch:1.0"'),
        ("Warning", "Failed", "Error: ImagePullBackOff")]
    assert harness.pod["status"]["phase"] == "Pending"
    assert not harness.runtime.containers()


async def test_missing_config_map_then_created(harness):
    env = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}]
    await harness.create(a_pod(command=("sleep", "1"), env=env))
    assert await harness.sync() == 10.0
    assert harness.container_status()["state"]["waiting"] == {
        "reason": "CreateContainerConfigError", "message": 'configmap "cfg" not found'}
    assert ("Warning", "Failed", 'Error: configmap "cfg" not found') in harness.events.take()
    await harness.api.create(CONFIGMAPS, {"metadata": {"name": "cfg"}, "data": {"k": "v"}},
                             namespace="default")
    await harness.sync()
    [config] = harness.runtime.configs.values()
    assert config.env["X"] == "v"
    assert "running" in harness.container_status()["state"]


async def test_exec_failure_is_run_container_error(harness):
    harness.runtime.fail_exec.add("nosuchbinary")
    await harness.create(a_pod(command=("nosuchbinary",)))
    await harness.sync()
    status = harness.container_status()
    assert status["state"]["waiting"]["reason"] == "RunContainerError"
    assert status["lastState"]["terminated"]["reason"] == "StartError"
    assert status["lastState"]["terminated"]["exitCode"] == 128
    assert ("Warning", "Failed", 'Error: exec: "nosuchbinary": executable file not found in '
                                 '$PATH') in harness.events.take()


async def test_init_containers_run_in_order_before_the_app(harness):
    pod = a_pod(command=("sleep", "3600"))
    pod["spec"]["initContainers"] = [
        {"name": f"init{i}", "image": "busybox", "command": ["true"],
         "imagePullPolicy": "IfNotPresent"} for i in (1, 2)]
    await harness.create(pod)
    await harness.sync()
    assert [c.name for c in harness.runtime.running()] == ["init1"]
    assert harness.pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == \
        "PodInitializing"
    harness.runtime.exit(harness.runtime.running()[0].id, 0)
    await harness.sync()
    assert [c.name for c in harness.runtime.running()] == ["init2"]
    harness.runtime.exit(harness.runtime.running()[0].id, 0)
    await harness.sync()
    assert [c.name for c in harness.runtime.running()] == ["app"]
    conditions = {c["type"]: c["status"] for c in harness.pod["status"]["conditions"]}
    assert conditions["Initialized"] == "True" and harness.pod["status"]["phase"] == "Running"


async def test_never_policy_completes_the_pod(harness):
    await harness.create(a_pod(command=("true",), policy="Never"))
    await harness.sync()
    harness.runtime.exit(harness.runtime.running()[0].id, 0)
    await harness.sync()
    assert harness.pod["status"]["phase"] == "Succeeded"
    await harness.sync()
    assert len(harness.runtime.containers()) == 1, "a completed pod is never restarted"


async def test_deletion_runs_pre_stop_stops_and_deletes_for_good(harness):
    pre_stop = {"exec": {"command": ["sh", "-c", "echo bye"]}}
    await harness.create(a_pod(command=("sleep", "3600"), lifecycle={"preStop": pre_stop}))
    await harness.sync()
    [running] = harness.runtime.running()
    harness.events.take()
    harness.pod["metadata"]["deletionTimestamp"] = "2023-11-14T22:13:20Z"
    harness.pod["metadata"]["deletionGracePeriodSeconds"] = 7
    assert await harness.syncer.sync(harness.pod["metadata"]["uid"]) is None
    assert harness.runtime.execs == [(running.id, ["sh", "-c", "echo bye"])]
    assert harness.runtime.stopped[0][0] == running.id
    assert 2 <= harness.runtime.stopped[0][1] <= 7, "SIGTERM waits within the grace period"
    assert harness.events.take() == [("Normal", "Killing", "Stopping container app")]
    [delete] = harness.api.calls_of("delete")
    assert delete["name"] == "p"
    with pytest.raises(ApiError):
        await harness.api.get(PODS, "p", namespace="default")
    harness.pod = None  # the informer's DELETED event
    assert await harness.syncer.sync(running.pod_uid) is DONE
    assert harness.runtime.removed == [running.id]
    assert harness.syncer.addresses.get(running.pod_uid) is None


async def test_pod_gone_from_the_api_is_stopped_and_cleaned_up(harness):
    await harness.create(a_pod(command=("sleep", "3600")))
    await harness.sync()
    uid = harness.pod["metadata"]["uid"]
    harness.pod = None
    assert await harness.syncer.sync(uid) is DONE
    assert len(harness.runtime.stopped) == 1 and not harness.runtime.containers()


async def test_active_deadline_fails_the_pod(harness):
    pod = a_pod(command=("sleep", "3600"))
    pod["spec"]["activeDeadlineSeconds"] = 5
    await harness.create(pod)
    wake = await harness.sync()
    assert wake == pytest.approx(5, abs=1.0)
    harness.clock.now += 6
    await harness.sync()
    status = harness.pod["status"]
    assert (status["phase"], status["reason"]) == ("Failed", "DeadlineExceeded")
    assert not harness.runtime.running()

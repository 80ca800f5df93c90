"""Syncing one pod: the body of a pod worker (upstream's ``SyncPod``, ``SyncTerminatingPod``
and ``startContainer``).

:meth:`PodSyncer.sync` re-reads the pod (informer cache) and its containers (runtime) and
then, level-triggered:

- a pod gone from the API: its containers are stopped and removed with its volumes, address
  and logs, and the worker ends;
- a pod with a ``deletionTimestamp``: each running container gets ``Killing``, its preStop
  hook, SIGTERM, and SIGKILL after the grace period; the terminal status is published and
  the pod deleted for good (``gracePeriodSeconds=0``, uid precondition);
- otherwise the pod gets its address and volumes, :func:`~.podactions.compute_pod_actions`
  says what to kill and start, and each start goes through restart back-off
  (``CrashLoopBackOff``), the image catalog (``ErrImagePull`` / ``ImagePullBackOff``), the
  environment (``CreateContainerConfigError``) and the runtime (``RunContainerError``),
  with upstream's events at each step.

Finally :func:`~.status.pod_status` computes the status, written with a merge patch of
``pods/status`` when it differs from what the API has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from observe.api.meta import parse_time
from observe.api.quantity import QuantityError, parse_quantity
from observe.api.registry import default_registry
from observe.client.errors import ApiError, ClientError
from observe.kubelet import env as envs
from observe.kubelet.backoff import Backoff, go_duration
from observe.kubelet.hooks import HookRunner
from observe.kubelet.imagepuller import ImagePuller, PullFailure
from observe.kubelet.images import ImageCatalog
from observe.kubelet.ipam import AddressesExhausted, PodAddresses
from observe.kubelet.layout import Layout
from observe.kubelet.logs import rotated_files
from observe.kubelet.metrics import KubeletMetrics
from observe.kubelet.podactions import compute_pod_actions, container_hash
from observe.kubelet.podworkers import DONE, SyncResult
from observe.kubelet.probes import LIVENESS, STARTUP, ProbeManager
from observe.kubelet.runtime.cgroups import Limits
from observe.kubelet.runtime.namespaces import Mount
from observe.kubelet.runtime.types import ContainerConfig, ContainerStatus, Runtime
from observe.kubelet.status import (
    RUNNING,
    TERMINAL_PHASES,
    PodView,
    Waiting,
    instances_by_name,
    pod_status,
)
from observe.kubelet.volumes import VolumeError, VolumeManager

log = logging.getLogger(__name__)

Object = dict[str, Any]
_REGISTRY = default_registry()
PODS = _REGISTRY.get("", "pods")
NORMAL, WARNING = "Normal", "Warning"
DEFAULT_GRACE = 30
MIN_GRACE = 2  # upstream minimumGracePeriodInSeconds
RETRY_ERROR = 10.0  # upstream's pod worker back-off after a failed sync
RESYNC_VOLUMES = 60.0  # how often ConfigMap/Secret contents are refreshed
_PLURALS = {p: _REGISTRY.get("", p) for p in ("configmaps", "secrets",
                                               "persistentvolumeclaims", "persistentvolumes")}


class EventSink(Protocol):
    def event(self, obj: Object, event_type: str, reason: str, message: str,
              field_path: str | None = None) -> None: ...


class PodApi(Protocol):
    async def get(self, resource_type: Any, name: str, *, namespace: str | None = None,
                  **kwargs: Any) -> Object: ...

    async def patch(self, resource_type: Any, name: str, patch: Any, *,
                    namespace: str | None = None, **kwargs: Any) -> Object: ...

    async def delete(self, resource_type: Any, name: str, *, namespace: str | None = None,
                     **kwargs: Any) -> Object: ...


@dataclass(frozen=True)
class NodeContext:
    """What pod syncing needs to know about its node."""

    node_name: str
    host_ip: str
    allocatable: dict[str, str]
    namespaces: bool  # mount/UTS namespaces available (root)


@dataclass
class _PodMemory:
    """What the kubelet remembers about one pod between syncs."""

    first_seen: float
    waiting: dict[tuple[bool, str], Waiting] = field(default_factory=dict)
    published: Object | None = None
    started_recorded: bool = False


def pod_label(pod: Object) -> str:
    """Upstream's format.Pod: ``name_namespace(uid)``."""
    meta = pod["metadata"]
    return f"{meta.get('name')}_{meta.get('namespace')}({meta.get('uid')})"


def field_path(name: str, init: bool) -> str:
    return f"spec.{'initContainers' if init else 'containers'}{{{name}}}"


def container_limits(container: Object) -> Limits:
    resources = container.get("resources") or {}
    limits, requests = resources.get("limits") or {}, resources.get("requests") or {}

    def amount(values: Object, key: str, milli: bool) -> int | None:
        try:
            q = parse_quantity(values[key]) if key in values else None
        except QuantityError:
            return None
        if q is None:
            return None
        return q.milli_value() if milli else q.value()

    return Limits(memory_bytes=amount(limits, "memory", False),
                  cpu_limit_millis=amount(limits, "cpu", True),
                  cpu_request_millis=amount(requests, "cpu", True))


async def fetch_object(api: PodApi, plural: str, namespace: str, name: str) -> Object | None:
    """A ConfigMap, Secret, claim or volume by name; None when it does not exist. Other
    failures are configuration errors of the container that needs it (tried again later)."""
    try:
        return await api.get(_PLURALS[plural], name, namespace=namespace or None)
    except ApiError as e:
        if e.code == 404:
            return None
        raise envs.ContainerConfigError(str(e)) from e
    except ClientError as e:
        raise envs.ContainerConfigError(str(e)) from e


def object_fetcher(api: PodApi) -> Callable[[str, str, str], Awaitable[Object | None]]:
    async def fetch(plural: str, namespace: str, name: str) -> Object | None:
        return await fetch_object(api, plural, namespace, name)

    return fetch


class PodSyncer:
    def __init__(self, *, node: NodeContext, layout: Layout, runtime: Runtime,
                 images: ImageCatalog, api: PodApi, events: EventSink, probes: ProbeManager,
                 volumes: VolumeManager, addresses: PodAddresses,
                 lookup: Callable[[str], Object | None],
                 services: Callable[[], Sequence[Object]],
                 metrics: KubeletMetrics | None = None,
                 wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.node = node
        self.layout = layout
        self.runtime = runtime
        self.images = images
        self.api = api
        self.events = events
        self.probes = probes
        self.volumes = volumes
        self.addresses = addresses
        self.lookup = lookup
        self.services = services
        self.metrics = metrics
        self.wall = wall
        self.monotonic = monotonic
        self.restart_backoff = Backoff(wall)
        self.puller = ImagePuller(images, events, wall, monotonic)
        self.hooks = HookRunner(runtime)
        self._pods: dict[str, _PodMemory] = {}

    async def close(self) -> None:
        await self.hooks.close()

    def _pod_ip(self, pod: Object) -> str:
        return self.addresses.get(pod["metadata"]["uid"]) or \
            (pod.get("status") or {}).get("podIP") or ""

    def _memory(self, uid: str) -> _PodMemory:
        memory = self._pods.get(uid)
        if memory is None:
            memory = self._pods[uid] = _PodMemory(first_seen=self.monotonic())
        return memory

    def _containers(self, uid: str) -> list[ContainerStatus]:
        return [c for c in self.runtime.containers() if c.pod_uid == uid]

    # -- the sync ----------------------------------------------------------------------------

    async def sync(self, uid: str) -> SyncResult:
        pod = self.lookup(uid)
        containers = self._containers(uid)
        if pod is None:
            await self._stop_all(None, containers, MIN_GRACE, "Stopping container {}")
            self._cleanup(uid, self._containers(uid))
            return DONE
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            return await self._terminate(pod, containers)
        if (pod.get("status") or {}).get("phase") in TERMINAL_PHASES:
            await self._stop_all(pod, containers, self._grace(pod), "Stopping container {}")
            return await self._publish(pod, self._view(pod, terminal=True))
        deadline = self._past_deadline(pod)
        if deadline is not None and deadline <= 0:
            self.events.event(pod, NORMAL, "DeadlineExceeded",
                              "Pod was active on the node longer than the specified deadline")
            await self._stop_all(pod, containers, self._grace(pod), "Stopping container {}")
            return await self._publish(pod, self._view(pod, terminal=True), deadline=True)
        return await self._sync_running(pod, containers, deadline)

    async def _sync_running(self, pod: Object, containers: list[ContainerStatus],
                            deadline: float | None) -> SyncResult:
        uid = pod["metadata"]["uid"]
        memory = self._memory(uid)
        try:
            pod_ip = self.addresses.ensure(uid)
        except AddressesExhausted as e:
            self.events.event(pod, WARNING, "FailedCreatePodSandBox", str(e))
            return RETRY_ERROR
        network = envs.PodNetwork(pod_ip, self.node.host_ip)
        sandbox_ready = True
        volume_paths: dict[str, str] = {}
        try:
            volume_paths = await self.volumes.setup(pod, network)
        except (VolumeError, OSError, ClientError) as e:
            self.events.event(pod, WARNING, "FailedMount", str(e))
            sandbox_ready = False
        actions = compute_pod_actions(pod, containers,
                                      liveness_failed=self.probes.failed(LIVENESS),
                                      startup_failed=self.probes.failed(STARTUP))
        specs = self._specs(pod)
        for kill in actions.kill:
            victim = next(c for c in containers if c.id == kill.container_id)
            await self._kill(pod, victim, self._grace(pod), kill.message)
        if actions.kill:
            containers = self._containers(uid)
        wakes: list[float] = []
        if deadline is not None:
            wakes.append(deadline)
        if not sandbox_ready:
            wakes.append(RETRY_ERROR)
        else:
            for name in actions.start:
                spec = specs.get((actions.start_init, name))
                if spec is None:
                    continue
                wait = await self._start(pod, spec, actions.start_init, containers, network,
                                         volume_paths)
                if wait is not None:
                    wakes.append(wait)
        containers = self._containers(uid)
        for c in containers:
            spec = specs.get((c.init, c.name))
            if c.running and spec is not None and not self.probes.watching(c.id):
                self.probes.add(pod, spec, c, pod_ip)
            elif not c.running:
                self.probes.remove(c.id)
        containers = self._collect_garbage(containers)
        view = self._view(pod, containers=containers, sandbox_ready=sandbox_ready)
        result = await self._publish(pod, view)
        if isinstance(result, float):
            wakes.append(result)
        if not memory.started_recorded and memory.published and \
                memory.published.get("phase") == RUNNING and self.metrics is not None:
            memory.started_recorded = True
            self.metrics.pod_start_duration.observe(self.monotonic() - memory.first_seen)
            self.metrics.started_pods.inc()
        if any(k in v for v in (pod.get("spec") or {}).get("volumes") or []
               for k in ("configMap", "secret", "projected", "downwardAPI")):
            wakes.append(RESYNC_VOLUMES)
        return min(wakes) if wakes else None

    def _specs(self, pod: Object) -> dict[tuple[bool, str], Object]:
        spec = pod.get("spec") or {}
        out = {(True, c.get("name", "")): c for c in spec.get("initContainers") or []}
        out.update({(False, c.get("name", "")): c for c in spec.get("containers") or []})
        return out

    def _grace(self, pod: Object) -> int:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        grace = meta.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds")
        return DEFAULT_GRACE if grace is None else max(int(grace), 0)

    def _past_deadline(self, pod: Object) -> float | None:
        """Seconds left before ``activeDeadlineSeconds`` (<= 0: exceeded), None if unset.
        The clock starts at the pod's ``startTime`` (now, before the first status)."""
        limit = (pod.get("spec") or {}).get("activeDeadlineSeconds")
        if limit is None:
            return None
        started = parse_time((pod.get("status") or {}).get("startTime"))
        start = started.timestamp() if started is not None else self.wall()
        return start + float(limit) - self.wall()

    # -- terminating -------------------------------------------------------------------------

    async def _terminate(self, pod: Object, containers: list[ContainerStatus]) -> SyncResult:
        uid = pod["metadata"]["uid"]
        await self._stop_all(pod, containers, self._grace(pod), "Stopping container {}")
        await self._publish(pod, self._view(pod, terminal=True))
        meta = pod["metadata"]
        try:
            await self.api.delete(PODS, meta["name"], namespace=meta.get("namespace"),
                                  grace_period=0, preconditions={"uid": uid})
        except ApiError as e:
            if e.code not in (404, 409):
                log.warning("final delete of pod %s failed: %s", pod_label(pod), e)
                return RETRY_ERROR
        except ClientError as e:
            log.warning("final delete of pod %s failed: %s", pod_label(pod), e)
            return RETRY_ERROR
        return None  # the informer's DELETED event brings the cleanup

    async def _stop_all(self, pod: Object | None, containers: Sequence[ContainerStatus],
                        grace: int, message: str) -> None:
        running = [c for c in containers if c.running]
        await asyncio.gather(*(self._kill(pod, c, grace, message.format(c.name))
                               for c in running))

    async def _kill(self, pod: Object | None, container: ContainerStatus, grace: int,
                    message: str) -> None:
        """``Killing``, the preStop hook, SIGTERM, and SIGKILL once the grace period (at
        least upstream's 2 s) is over."""
        grace = max(grace, MIN_GRACE)
        spec = self._specs(pod).get((container.init, container.name)) if pod else None
        path = field_path(container.name, container.init)
        started = self.monotonic()
        if pod is not None:
            self.events.event(pod, NORMAL, "Killing", message, path)
            hook = ((spec or {}).get("lifecycle") or {}).get("preStop")
            if hook:
                try:
                    error = await asyncio.wait_for(self.hooks.run(
                        pod, spec or {}, container, hook, self._pod_ip(pod)), grace)
                except TimeoutError:
                    error = f"PreStopHook timed out after {grace}s"
                if error:
                    self.events.event(pod, WARNING, "FailedPreStopHook",
                                      f"PreStopHook failed: {error}", path)
        self.probes.remove(container.id)
        remaining = grace - (self.monotonic() - started)
        await self.runtime.stop(container.id, max(remaining, MIN_GRACE))

    # -- starting ----------------------------------------------------------------------------

    def _set_waiting(self, uid: str, init: bool, name: str, reason: str, message: str) -> None:
        self._memory(uid).waiting[(init, name)] = Waiting(reason, message)

    async def _start(self, pod: Object, container: Object, init: bool,
                     containers: Sequence[ContainerStatus], network: envs.PodNetwork,
                     volume_paths: dict[str, str]) -> float | None:
        """Start one container; a delay when it could not and should be tried again."""
        meta = pod["metadata"]
        uid, name = meta["uid"], container.get("name", "")
        path = field_path(name, init)
        history = sorted((c for c in containers if c.name == name and c.init == init),
                         key=lambda c: c.attempt)
        latest = history[-1] if history else None
        key = f"{uid}/{'init/' if init else ''}{name}"
        if latest is not None and latest.finished_at is not None:
            if self.restart_backoff.in_backoff_since(key, latest.finished_at):
                delay = self.restart_backoff.get(key)
                self._set_waiting(uid, init, name, "CrashLoopBackOff",
                                  f"back-off {go_duration(delay)} restarting failed "
                                  f"container={name} pod={pod_label(pod)}")
                self.events.event(pod, WARNING, "BackOff",
                                  f"Back-off restarting failed container {name} in pod "
                                  f"{pod_label(pod)}", path)
                return self.restart_backoff.remaining(key, latest.finished_at) + 0.05
            self.restart_backoff.next(key, latest.finished_at)
        image = self.puller.pull(pod, container, path)
        if isinstance(image, PullFailure):
            self._set_waiting(uid, init, name, image.reason, image.message)
            return image.retry
        try:
            kube_env = await self._environment(pod, container, network)
        except envs.ContainerConfigError as e:
            return self._failed(pod, init, name, e.reason, str(e), path)
        process_env = envs.process_env(image, kube_env, meta["name"], network.pod_ip)
        argv = envs.command_line(container, image, dict(kube_env))
        mounts = []
        for mount in container.get("volumeMounts") or []:
            source = volume_paths.get(mount.get("name", ""))
            if source is None:
                return RETRY_ERROR
            if mount.get("subPath"):
                source = f"{source.rstrip('/')}/{mount['subPath']}"
            mounts.append(Mount(source, mount.get("mountPath", ""), bool(mount.get("readOnly"))))
        if mounts and not self.node.namespaces:
            return self._failed(pod, init, name, "RunContainerError",
                                "volume mounts need a mount namespace of the container's own, "
                                "which needs the kubelet to run as root", path)
        attempt = latest.attempt + 1 if latest is not None else 0
        config = ContainerConfig(
            pod_uid=uid, pod_name=meta["name"], pod_namespace=meta.get("namespace", ""),
            name=name, attempt=attempt, argv=argv, env=process_env,
            working_dir=container.get("workingDir") or image.working_dir or "/",
            log_path=str(self.layout.container_log(meta.get("namespace", ""), meta["name"], uid,
                                                   name, attempt)),
            image=image.name, image_id=image.image_id, spec_hash=container_hash(container),
            hostname=meta["name"][:63] if self.node.namespaces else None,
            mounts=tuple(mounts), limits=container_limits(container), init=init,
            termination_message_policy=container.get("terminationMessagePolicy") or "File")
        kind = "init_container" if init else "container"
        if not argv:
            return self._failed(pod, init, name, "RunContainerError",
                                "failed to create containerd task: no command specified", path)
        try:
            status = await self.runtime.start(config)
        except OSError as e:  # e.g. its cgroup could not be created
            return self._failed(pod, init, name, "RunContainerError",
                                f"failed to create containerd task: {e}", path)
        self.events.event(pod, NORMAL, "Created", f"Created container: {name}", path)
        if self.metrics is not None:
            self.metrics.started_containers.labels(container_type=kind).inc()
        if status.exited and status.reason == "StartError":
            if self.metrics is not None:
                self.metrics.started_container_errors.labels(
                    code="RunContainerError", container_type=kind).inc()
            return self._failed(pod, init, name, "RunContainerError", status.message, path,
                                retry=None)
        self.events.event(pod, NORMAL, "Started", f"Started container {name}", path)
        self._memory(uid).waiting.pop((init, name), None)
        hook = (container.get("lifecycle") or {}).get("postStart")
        if hook and status.running:
            error = await self.hooks.run(pod, container, status, hook, network.pod_ip)
            if error:
                self.events.event(pod, WARNING, "FailedPostStartHook",
                                  f"PostStartHook failed: {error}", path)
                await self._kill(pod, status, self._grace(pod),
                                 f"FailedPostStartHook: {error}")
        return None

    def _failed(self, pod: Object, init: bool, name: str, reason: str, message: str,
                path: str, retry: float | None = RETRY_ERROR) -> float | None:
        self._set_waiting(pod["metadata"]["uid"], init, name, reason, message)
        self.events.event(pod, WARNING, "Failed", f"Error: {message}", path)
        return retry

    async def _environment(self, pod: Object, container: Object, network: envs.PodNetwork
                           ) -> list[tuple[str, str]]:
        namespace = pod["metadata"].get("namespace", "")
        config_map_names, secret_names = envs.referenced_objects(container)
        config_maps = {n: await self._fetch("configmaps", namespace, n)
                       for n in config_map_names}
        secrets = {n: await self._fetch("secrets", namespace, n) for n in secret_names}
        spec = pod.get("spec") or {}
        service_env = envs.service_env(self.services(), namespace,
                                       spec.get("enableServiceLinks", True) is not False)
        return envs.container_env(pod, container, config_maps=config_maps, secrets=secrets,
                                  network=network, allocatable=self.node.allocatable,
                                  service_env=service_env)

    async def _fetch(self, plural: str, namespace: str, name: str) -> Object | None:
        return await fetch_object(self.api, plural, namespace, name)

    # -- status ------------------------------------------------------------------------------

    def _view(self, pod: Object, *, containers: Sequence[ContainerStatus] | None = None,
              sandbox_ready: bool | None = None, terminal: bool = False) -> PodView:
        uid = pod["metadata"]["uid"]
        memory = self._memory(uid)
        status = pod.get("status") or {}
        if containers is None:
            containers = self._containers(uid)
        start_time = status.get("startTime") or \
            (memory.published or {}).get("startTime") or \
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.wall()))
        ready_to_start = sandbox_ready if sandbox_ready is not None else \
            any(c.get("type") == "PodReadyToStartContainers" and c.get("status") == "True"
                for c in status.get("conditions") or [])
        if terminal:
            ready_to_start = False
        waiting = {name: w for (init, name), w in memory.waiting.items()}
        return PodView(pod=pod, containers=containers, waiting=waiting,
                       ready=self.probes.readiness(), started=self.probes.started(),
                       pod_ip=self.addresses.get(uid) or status.get("podIP"),
                       host_ip=self.node.host_ip, start_time=start_time,
                       sandbox_ready=ready_to_start, terminal=terminal)

    async def _publish(self, pod: Object, view: PodView, deadline: bool = False
                       ) -> SyncResult:
        uid = pod["metadata"]["uid"]
        memory = self._memory(uid)
        current = pod.get("status") or {}
        status = pod_status(view, current, self.wall())
        if deadline:
            status["phase"] = "Failed"
            status["reason"] = "DeadlineExceeded"
            status["message"] = "Pod was active on the node longer than the specified deadline"
        if status == current or status == memory.published:
            memory.published = status
            return None
        patch = {"status": {**status, **{k: None for k in current if k not in status}}}
        try:
            await self.api.patch(PODS, pod["metadata"]["name"], patch,
                                 namespace=pod["metadata"].get("namespace"),
                                 patch_type="merge", subresource="status")
        except ApiError as e:
            if e.code == 404:
                return None
            log.warning("updating the status of pod %s failed: %s", pod_label(pod), e)
            return RETRY_ERROR
        except ClientError as e:
            log.warning("updating the status of pod %s failed: %s", pod_label(pod), e)
            return RETRY_ERROR
        memory.published = status
        return None

    def _collect_garbage(self, containers: list[ContainerStatus]) -> list[ContainerStatus]:
        """Keep, per container, the running instance and the newest dead one (upstream's
        MaxPerPodContainer=1); older instances go, with their log files."""
        groups = [*instances_by_name([c for c in containers if c.init]).values(),
                  *instances_by_name([c for c in containers if not c.init]).values()]
        kept = []
        for instances in groups:
            stale = [c for c in instances if not c.running][:-1]
            for old in stale:
                self.runtime.remove(old.id)
                for path in [old.log_path, *rotated_files(old.log_path)]:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
            kept += [c for c in instances if c not in stale]
        return kept

    # -- cleanup -----------------------------------------------------------------------------

    def _cleanup(self, uid: str, containers: Sequence[ContainerStatus]) -> None:
        for c in containers:
            self.probes.remove(c.id)
            self.runtime.remove(c.id)
        self.volumes.cleanup(uid)
        self.addresses.release(uid)
        shutil.rmtree(self.layout.pod_dir(uid), ignore_errors=True)
        if self.layout.pod_logs.is_dir():
            for log_dir in self.layout.pod_logs.glob(f"*_{uid}"):
                shutil.rmtree(log_dir, ignore_errors=True)
        self.restart_backoff.forget_prefix(f"{uid}/")
        self.puller.forget_pod(uid)
        self._pods.pop(uid, None)

    def known_uids(self) -> set[str]:
        """Pods this node has traces of (containers, kubelet directories, logs)."""
        uids = {c.pod_uid for c in self.runtime.containers()}
        if self.layout.pods.is_dir():
            uids.update(p.name for p in self.layout.pods.iterdir())
        if self.layout.pod_logs.is_dir():
            uids.update(p.name.rsplit("_", 1)[-1] for p in self.layout.pod_logs.iterdir())
        return uids

"""Where the kubelet keeps things under ``--root-dir`` (one place, so nothing else builds
paths by hand)::

    pods/<namespace>_<pod>_<uid>/<container>/<restartCount>.log   CRI logs (as /var/log/pods)
    containers/<pod>_<namespace>_<container>-<id>.log            symlinks (as /var/log/containers)
    runtime/containers/<id>/{config,state}.json                  one directory per container
    runtime/images/<image>/bin                                   programs an image links in
    kubelet/pods/<uid>/volumes/<plugin>/<volume>                 emptyDir, configMap, secret ...
    kubelet/pods/<uid>/pod.json                                  the pod's IP, kept across restarts
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def pod_logs(self) -> Path:
        return self.root / "pods"

    @property
    def container_log_links(self) -> Path:
        return self.root / "containers"

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"

    @property
    def containers(self) -> Path:
        return self.runtime / "containers"

    @property
    def images(self) -> Path:
        return self.runtime / "images"

    @property
    def pods(self) -> Path:
        return self.root / "kubelet" / "pods"

    def pod_log_dir(self, namespace: str, name: str, uid: str) -> Path:
        return self.pod_logs / f"{namespace}_{name}_{uid}"

    def container_log(self, namespace: str, name: str, uid: str, container: str,
                      restart_count: int) -> Path:
        return self.pod_log_dir(namespace, name, uid) / container / f"{restart_count}.log"

    def container_log_link(self, namespace: str, name: str, container: str,
                           container_id: str) -> Path:
        return self.container_log_links / f"{name}_{namespace}_{container}-{container_id}.log"

    def pod_dir(self, uid: str) -> Path:
        return self.pods / uid

    def volume_dir(self, uid: str, plugin: str, volume: str) -> Path:
        return self.pod_dir(uid) / "volumes" / plugin / volume

    def create(self) -> None:
        for path in (self.pod_logs, self.container_log_links, self.containers, self.images,
                     self.pods):
            path.mkdir(parents=True, exist_ok=True)

"""Where container logs live and what their paths say about them.

The kubelet writes ``<root>/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log`` and
rotates it to ``<restart>.log.<YYYYMMDD-HHMMSS>`` (later gzipped to ``….gz``). Kubernetes
names cannot contain ``_``, so the directory splits unambiguously. The path alone gives the
namespace, pod, uid, container and restart count, so a record is attributable even when the
pod is long gone from the API.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

LOG_SUFFIX = ".log"
IGNORED_SUFFIXES = (".tmp",)


@dataclass(frozen=True)
class PodLogPath:
    namespace: str
    pod: str
    uid: str
    container: str
    restart: int


def parse_pod_log_path(path: str) -> PodLogPath | None:
    """The pod and container a log file belongs to, or None for a path outside the layout."""
    head, name = os.path.split(path)
    head, container = os.path.split(head)
    pod_dir = os.path.basename(head)
    restart_text = name.split(".", 1)[0]
    if not name[len(restart_text):].startswith(LOG_SUFFIX) or not restart_text.isdigit():
        return None
    parts = pod_dir.split("_")
    if len(parts) != 3 or not all(parts) or not container:
        return None
    namespace, pod, uid = parts
    return PodLogPath(namespace, pod, uid, container, int(restart_text))


def is_live_name(path: str) -> bool:
    """``<n>.log`` itself (the file the runtime appends to), not a rotated sibling."""
    return path.endswith(LOG_SUFFIX)


def live_path_of(path: str) -> str:
    """The live file a rotated file was renamed from (``0.log.2024…[.gz]`` → ``0.log``)."""
    directory, name = os.path.split(path)
    index = name.find(LOG_SUFFIX)
    if index < 0:
        return path
    return os.path.join(directory, name[:index + len(LOG_SUFFIX)])


def discover(root: str) -> list[str]:
    """Every log file, live or rotated, under ``<root>/pods`` (three levels down)."""
    found: list[str] = []
    pods = os.path.join(root, "pods")
    for pod_dir in _subdirs(pods):
        for container_dir in _subdirs(pod_dir):
            try:
                entries = os.scandir(container_dir)
            except OSError:
                continue
            with entries:
                for entry in entries:
                    name = entry.name
                    if (LOG_SUFFIX in name and not name.endswith(IGNORED_SUFFIXES)
                            and entry.is_file(follow_symlinks=False)):
                        found.append(entry.path)
    return found


def _subdirs(path: str) -> list[str]:
    try:
        with os.scandir(path) as entries:
            return [e.path for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []

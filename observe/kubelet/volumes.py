"""Pod volumes on the node: a host directory (or file) per volume, bind-mounted into the
containers at their ``mountPath`` by the runtime.

``emptyDir`` is a fresh directory under the pod's kubelet directory; ``hostPath`` is the
host's own path (checked or created by its ``type``); ``configMap``, ``secret``,
``downwardAPI`` and ``projected`` are directories of files written from the API objects and
rewritten when those change (each file replaced atomically); a ``persistentVolumeClaim``
bound to a ``hostPath`` or ``local`` PersistentVolume is that path. A volume that cannot be
set up raises :class:`VolumeError` with upstream's ``MountVolume.SetUp failed`` message.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from observe.kubelet.env import PodNetwork, pod_field, resource_field
from observe.kubelet.layout import Layout

Object = dict[str, Any]
Fetch = Callable[[str, str, str], Awaitable[Object | None]]  # (plural, namespace, name)

PLUGINS = {"emptyDir": "kubernetes.io~empty-dir", "configMap": "kubernetes.io~configmap",
           "secret": "kubernetes.io~secret", "downwardAPI": "kubernetes.io~downward-api",
           "projected": "kubernetes.io~projected"}


class VolumeError(Exception):
    def __init__(self, volume: str, message: str) -> None:
        super().__init__(f'MountVolume.SetUp failed for volume "{volume}" : {message}')
        self.volume = volume


def _decode(value: str) -> bytes:
    try:
        return base64.b64decode(value or "")
    except (binascii.Error, ValueError):
        return b""


def _files_from(data: dict[str, bytes], items: list[Object] | None, default_mode: int,
                what: str, optional: bool) -> dict[str, tuple[bytes, int]]:
    if items:
        out = {}
        for item in items:
            key = item.get("key", "")
            if key not in data:
                if optional:
                    continue
                raise KeyError(f"configmap references non-existent config key: {key}"
                               if what == "configmap" else
                               f"references non-existent secret key: {key}")
            out[item.get("path") or key] = (data[key], int(item.get("mode") or default_mode))
        return out
    return {key: (value, default_mode) for key, value in data.items()}


def config_map_bytes(obj: Object) -> dict[str, bytes]:
    data = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
    data.update({k: _decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    return data


def secret_bytes(obj: Object) -> dict[str, bytes]:
    data = {k: _decode(v) for k, v in (obj.get("data") or {}).items()}
    data.update({k: str(v).encode() for k, v in (obj.get("stringData") or {}).items()})
    return data


def write_files(directory: Path, files: dict[str, tuple[bytes, int]]) -> None:
    """Make ``directory`` hold exactly ``files`` (relative path -> content, mode)."""
    directory.mkdir(parents=True, exist_ok=True)
    for relative, (content, mode) in files.items():
        target = directory / relative
        if not target.resolve().is_relative_to(directory.resolve()):
            continue  # the apiserver forbids "..", but never write outside the volume
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if target.read_bytes() == content and stat.S_IMODE(target.stat().st_mode) == mode:
                continue
        except OSError:
            pass
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(content)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    wanted = {directory / r for r in files}
    for path in sorted(directory.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


class VolumeManager:
    def __init__(self, layout: Layout, fetch: Fetch, allocatable: dict[str, str]) -> None:
        self._layout = layout
        self._fetch = fetch
        self._allocatable = allocatable

    async def setup(self, pod: Object, network: PodNetwork) -> dict[str, str]:
        """Prepare every volume of the pod; volume name -> host path."""
        uid = pod["metadata"]["uid"]
        paths = {}
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            name = volume.get("name", "")
            paths[name] = await self._setup_one(pod, uid, name, volume, network)
        return paths

    async def _setup_one(self, pod: Object, uid: str, name: str, volume: Object,
                         network: PodNetwork) -> str:
        namespace = pod["metadata"].get("namespace", "")
        if "emptyDir" in volume:
            path = self._layout.volume_dir(uid, PLUGINS["emptyDir"], name)
            path.mkdir(parents=True, exist_ok=True)
            os.chmod(path, 0o777)
            return str(path)
        if (source := volume.get("hostPath")) is not None:
            return _host_path(name, source)
        if (source := volume.get("configMap")) is not None:
            files = await self._object_files("configmaps", namespace, source, name)
            return self._write(uid, "configMap", name, files)
        if (source := volume.get("secret")) is not None:
            source = {**source, "name": source.get("secretName", "")}
            files = await self._object_files("secrets", namespace, source, name)
            return self._write(uid, "secret", name, files)
        if (source := volume.get("downwardAPI")) is not None:
            files = self._downward_files(pod, source, network, name)
            return self._write(uid, "downwardAPI", name, files)
        if (source := volume.get("projected")) is not None:
            files = {}
            mode = int(source.get("defaultMode") or 0o644)
            for projection in source.get("sources") or []:
                if (part := projection.get("configMap")) is not None:
                    files.update(await self._object_files("configmaps", namespace,
                                                          {**part, "defaultMode": mode}, name))
                elif (part := projection.get("secret")) is not None:
                    files.update(await self._object_files("secrets", namespace,
                                                          {**part, "defaultMode": mode}, name))
                elif (part := projection.get("downwardAPI")) is not None:
                    files.update(self._downward_files(pod, {**part, "defaultMode": mode},
                                                      network, name))
                elif (part := projection.get("serviceAccountToken")) is not None:
                    # No token authority here: the file exists so readers do not crash.
                    files[part.get("path") or "token"] = (b"", mode)
            return self._write(uid, "projected", name, files)
        if (source := volume.get("persistentVolumeClaim")) is not None:
            return await self._claim_path(namespace, name, source)
        kind = next((k for k in volume if k != "name"), "unknown")
        raise VolumeError(name, f"volume type {kind} is not supported by this kubelet")

    def _write(self, uid: str, kind: str, name: str, files: dict[str, tuple[bytes, int]]
               ) -> str:
        path = self._layout.volume_dir(uid, PLUGINS[kind], name)
        write_files(path, files)
        return str(path)

    async def _object_files(self, plural: str, namespace: str, source: Object, volume: str
                            ) -> dict[str, tuple[bytes, int]]:
        what = "configmap" if plural == "configmaps" else "secret"
        obj_name = source.get("name", "")
        obj = await self._fetch(plural, namespace, obj_name)
        optional = bool(source.get("optional"))
        if obj is None:
            if optional:
                return {}
            raise VolumeError(volume, f'{what} "{obj_name}" not found')
        data = config_map_bytes(obj) if what == "configmap" else secret_bytes(obj)
        try:
            return _files_from(data, source.get("items"), int(source.get("defaultMode")
                                                              or 0o644), what, optional)
        except KeyError as e:
            raise VolumeError(volume, str(e.args[0])) from e

    def _downward_files(self, pod: Object, source: Object, network: PodNetwork, volume: str
                        ) -> dict[str, tuple[bytes, int]]:
        mode = int(source.get("defaultMode") or 0o644)
        files = {}
        for item in source.get("items") or []:
            try:
                if ref := item.get("fieldRef"):
                    value = pod_field(pod, ref.get("fieldPath", ""), network)
                elif ref := item.get("resourceFieldRef"):
                    value = resource_field(pod, {}, ref, self._allocatable)
                else:
                    continue
            except Exception as e:  # a bad item must not stop the pod's other volumes
                raise VolumeError(volume, str(e)) from e
            files[item.get("path", "")] = (value.encode(), int(item.get("mode") or mode))
        return files

    async def _claim_path(self, namespace: str, volume: str, source: Object) -> str:
        claim_name = source.get("claimName", "")
        claim = await self._fetch("persistentvolumeclaims", namespace, claim_name)
        if claim is None:
            raise VolumeError(volume, f'persistentvolumeclaim "{claim_name}" not found')
        pv_name = (claim.get("spec") or {}).get("volumeName")
        if not pv_name:
            raise VolumeError(volume, f'persistentvolumeclaim "{claim_name}" is not bound')
        pv = await self._fetch("persistentvolumes", "", pv_name)
        spec = (pv or {}).get("spec") or {}
        for kind in ("hostPath", "local"):
            if spec.get(kind, {}).get("path"):
                return _host_path(volume, {"path": spec[kind]["path"],
                                           "type": "DirectoryOrCreate"})
        raise VolumeError(volume, f'persistentvolume "{pv_name}" has no hostPath or local '
                                  f"path this kubelet can use")

    def cleanup(self, uid: str) -> None:
        shutil.rmtree(self._layout.pod_dir(uid) / "volumes", ignore_errors=True)


def _host_path(volume: str, source: Object) -> str:
    path = source.get("path", "")
    kind = source.get("type") or ""
    exists = os.path.exists(path)
    if kind in ("DirectoryOrCreate", "") and not exists:
        os.makedirs(path, mode=0o755, exist_ok=True)
    elif kind == "FileOrCreate" and not exists:
        os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
        Path(path).touch(mode=0o644)
    checks = {"Directory": os.path.isdir, "File": os.path.isfile,
              "Socket": lambda p: os.path.exists(p) and stat.S_ISSOCK(os.stat(p).st_mode),
              "CharDevice": lambda p: os.path.exists(p) and stat.S_ISCHR(os.stat(p).st_mode),
              "BlockDevice": lambda p: os.path.exists(p) and stat.S_ISBLK(os.stat(p).st_mode)}
    nouns = {"Directory": "directory", "File": "file", "Socket": "socket",
             "CharDevice": "character device", "BlockDevice": "block device"}
    if kind in checks and not checks[kind](path):
        raise VolumeError(volume, f"hostPath type check failed: {path} is not a {nouns[kind]}")
    return path

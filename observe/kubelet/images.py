"""The local image catalog: what an ``image`` of a pod spec means on this node.

Containers are host processes (see ARCHITECTURE "Containers"), so an image is not a
filesystem but an entry of this catalog: an entrypoint and command, environment, working
directory and, optionally, host programs linked into a per-image ``bin`` directory put first
on ``PATH`` (so the ``python`` image has a ``python`` command even where the host only has
``python3``). ``busybox``, ``alpine``, ``debian``, ``ubuntu``, ``python`` and ``pause`` are
built in; a YAML file adds or overrides entries::

    images:
      - image: nginx              # short names mean docker.io/library/<name>
        tags: ["1.*", "latest"]   # shell-style patterns; default: every tag
        entrypoint: [/usr/sbin/nginx]
        cmd: ["-g", "daemon off;"]
        env: {NGINX_VERSION: "1.25"}
        workingDir: /
        binaries: {nginx: /usr/sbin/nginx}

The pod workers call :meth:`ImageCatalog.resolve`; an unknown image raises
:class:`ImageNotFound` (the kubelet's ``ErrImagePull``), a malformed reference
:class:`InvalidImageName`. The file is re-read when it changes.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_DOMAIN = "docker.io"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The grammar of distribution/reference, reduced to what decides validity.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*" \
          r"[a-zA-Z0-9])?)*(?::[0-9]+)?)"
_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z]"
    r"[A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$")


class ImageError(Exception):
    """The image cannot be used; ``reason`` is the container's waiting reason."""

    reason = "ErrImagePull"


class InvalidImageName(ImageError):
    reason = "InvalidImageName"


class ImageNotFound(ImageError):
    reason = "ErrImagePull"


@dataclass(frozen=True)
class ImageReference:
    """A parsed, normalised image reference (``docker.io/library/busybox:latest``)."""

    domain: str
    path: str
    tag: str
    digest: str = ""

    @property
    def repository(self) -> str:
        return f"{self.domain}/{self.path}"

    def __str__(self) -> str:
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}"


def parse_reference(image: str) -> ImageReference:
    """Normalise ``image`` as container runtimes do; :class:`InvalidImageName` if it cannot
    be parsed."""
    match = _REFERENCE.match(image or "")
    domain = match.group("domain") if match else None
    # A first component without "." or ":" (and not localhost) is a path, not a registry.
    if match and domain and "." not in domain and ":" not in domain and domain != "localhost":
        match = _REFERENCE.match(f"{DEFAULT_DOMAIN}/{image}")
        domain = DEFAULT_DOMAIN
    if not match or image != image.strip():
        raise InvalidImageName(
            f'Failed to apply default image tag "{image}": couldn\'t parse image name '
            f'"{image}": invalid reference format')
    domain = domain or DEFAULT_DOMAIN
    path = match.group("path")
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = f"library/{path}"
    digest = match.group("digest") or ""
    return ImageReference(domain, path, match.group("tag") or ("" if digest else "latest"),
                          digest)


@dataclass(frozen=True)
class ImageEntry:
    """One catalog entry: which references it serves and what they run."""

    image: str
    tags: tuple[str, ...] = ("*",)
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    working_dir: str = ""
    binaries: tuple[tuple[str, str], ...] = ()

    def matches(self, ref: ImageReference) -> bool:
        pattern = parse_reference(self.image).repository if "*" not in self.image else \
            self.image
        if not fnmatch.fnmatchcase(ref.repository, pattern) and \
                not fnmatch.fnmatchcase(ref.path.removeprefix("library/"), self.image):
            return False
        return not ref.tag or any(fnmatch.fnmatchcase(ref.tag, t) for t in self.tags)

    def digest(self) -> str:
        body = json.dumps([self.entrypoint, self.cmd, self.env, self.working_dir,
                           self.binaries], sort_keys=True).encode()
        return "sha256:" + hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class ResolvedImage:
    """What a container of this image runs with (before the pod spec's own settings)."""

    reference: ImageReference
    image_id: str
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    working_dir: str = ""
    size: int = 0

    @property
    def name(self) -> str:
        return str(self.reference)


def builtin_entries(python: str) -> list[ImageEntry]:
    """The images every node has; ``python`` is the interpreter behind the python image."""
    shell = (("PATH", DEFAULT_PATH),)
    return [
        ImageEntry("busybox", cmd=("sh",), env=shell),
        ImageEntry("alpine", cmd=("/bin/sh",), env=shell),
        ImageEntry("debian", cmd=("bash",), env=shell),
        ImageEntry("ubuntu", cmd=("/bin/bash",), env=shell),
        ImageEntry("python", tags=("3*", "latest"), cmd=("python3",),
                   env=(("PATH", DEFAULT_PATH), ("LANG", "C.UTF-8")),
                   binaries=(("python", python), ("python3", python))),
        ImageEntry("registry.k8s.io/pause", entrypoint=("sleep", "infinity"), env=shell),
    ]


def parse_entries(document: Any) -> list[ImageEntry]:
    """Entries of a catalog file (``{"images": [...]}`` or a bare list)."""
    items = document.get("images") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ValueError("an image catalog is a list of entries under 'images'")
    entries = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("image"), str):
            raise ValueError(f"images[{i}]: needs an 'image' name")
        tags = item.get("tags") or ["*"]
        entries.append(ImageEntry(
            image=item["image"],
            tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
            entrypoint=tuple(str(a) for a in item.get("entrypoint") or ()),
            cmd=tuple(str(a) for a in item.get("cmd") or ()),
            env=tuple((str(k), str(v)) for k, v in (item.get("env") or {}).items()),
            working_dir=str(item.get("workingDir") or ""),
            binaries=tuple((str(k), str(v)) for k, v in (item.get("binaries") or {}).items()),
        ))
    return entries


class ImageCatalog:
    """Resolves image references against the built-in entries and an optional file."""

    def __init__(self, bin_root: Path, *, python: str, catalog_file: Path | None = None
                 ) -> None:
        self._bin_root = bin_root
        self._builtin = builtin_entries(python)
        self._file = catalog_file
        self._file_mtime: float | None = None
        self._file_entries: list[ImageEntry] = []
        if catalog_file is not None:
            self._reload()  # a broken file is a startup error, not a pull error later

    def entries(self) -> list[ImageEntry]:
        if self._file is not None:
            try:
                if self._file.stat().st_mtime != self._file_mtime:
                    self._reload()
            except (OSError, ValueError, yaml.YAMLError):
                pass  # keep serving what was read last
        return [*self._file_entries, *self._builtin]

    def _reload(self) -> None:
        assert self._file is not None
        mtime = self._file.stat().st_mtime
        self._file_entries = parse_entries(yaml.safe_load(self._file.read_text()) or [])
        self._file_mtime = mtime

    def resolve(self, image: str) -> ResolvedImage:
        ref = parse_reference(image)
        entry = next((e for e in self.entries() if e.matches(ref)), None)
        if entry is None:
            raise ImageNotFound(
                f'failed to pull and unpack image "{ref}": {ref.repository}:{ref.tag or "-"} '
                f"not found in the image catalog of this node")
        env = dict(entry.env)
        size = 0
        if entry.binaries:
            bin_dir = self._link_binaries(entry)
            env["PATH"] = f"{bin_dir}:{env.get('PATH', DEFAULT_PATH)}"
            size = sum(_size(target) for _, target in entry.binaries)
        else:
            program = (entry.entrypoint or entry.cmd or ("",))[0]
            located = shutil.which(program, path=env.get("PATH", DEFAULT_PATH)) if program \
                else None
            size = _size(located) if located else 0
        image_id = f"{ref.repository}@{entry.digest()}"
        return ResolvedImage(ref, image_id, entry.entrypoint, entry.cmd, env,
                             entry.working_dir, size)

    def _link_binaries(self, entry: ImageEntry) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", entry.image)
        bin_dir = self._bin_root / f"{name}-{entry.digest()[7:19]}" / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        for command, target in entry.binaries:
            link = bin_dir / command
            if os.path.islink(link) and os.readlink(link) == target:
                continue
            tmp = bin_dir / f".{command}.tmp"
            if os.path.lexists(tmp):
                tmp.unlink()
            os.symlink(target, tmp)
            os.replace(tmp, link)
        return bin_dir


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0

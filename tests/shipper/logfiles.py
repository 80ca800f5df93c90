"""Writing container log files the way the kubelet and container runtimes do, for tests."""

from __future__ import annotations

import gzip
import itertools
import os
import shutil
import time
from pathlib import Path

import orjson

_clock = itertools.count(time.time_ns())


def stamp() -> str:
    """A unique RFC3339Nano timestamp (UTC, nine digits) for every call."""
    ns = next(_clock)
    seconds, frac = divmod(ns, 1_000_000_000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{frac:09d}Z"


def cri(text: str | bytes, stream: str = "stdout", tag: str = "F") -> bytes:
    body = text.encode() if isinstance(text, str) else text
    return f"{stamp()} {stream} {tag} ".encode() + body + b"\n"


def docker(text: str, stream: str = "stdout") -> bytes:
    return orjson.dumps({"log": text, "stream": stream, "time": stamp()}) + b"\n"


def container_dir(root: Path, namespace: str, pod: str, uid: str, container: str) -> Path:
    path = Path(root) / "pods" / f"{namespace}_{pod}_{uid}" / container
    path.mkdir(parents=True, exist_ok=True)
    return path


def append(path: Path, *lines: bytes) -> None:
    with open(path, "ab") as f:
        f.write(b"".join(lines))


def rotate(path: Path, suffix: str) -> Path:
    """Kubelet rotation: rename the live file away; the next append creates a new one."""
    target = path.with_name(f"{path.name}.{suffix}")
    os.rename(path, target)
    return target


def gzip_file(path: Path) -> Path:
    """Compress a rotated file as the kubelet does (write .gz, delete the original)."""
    target = path.with_name(path.name + ".gz")
    with open(path, "rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.unlink(path)
    return target


def copytruncate(path: Path, suffix: str) -> Path:
    target = path.with_name(f"{path.name}.{suffix}")
    shutil.copyfile(path, target)
    with open(path, "r+b") as f:
        f.truncate(0)
    return target

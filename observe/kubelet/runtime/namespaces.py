"""Mount and UTS namespaces for a container: its hostname is the pod's name and its volumes
appear at their ``mountPath``s, while the rest of the filesystem stays the host's.

:func:`enter_pod_view` runs in the shim's child between fork and exec (it needs root): it
unshares a mount and a UTS namespace, stops mount propagation back to the host, sets the
hostname and bind-mounts each volume (read-only where asked). Each container gets namespaces
of its own set up identically, so containers of one pod see the same hostname and the
volumes their own ``volumeMounts`` name, as on Kubernetes.

:func:`open_namespaces` and :func:`join` are how a command exec'd later (``kubectl exec``,
exec probes and hooks) enters those same namespaces: the descriptors are opened before the
fork, ``setns`` is called in the child between fork and exec.

Standard library only (``ctypes`` for the system calls Python 3.11 lacks).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
MS_RDONLY = 0x1
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18

_libc: ctypes.CDLL | None = None


def _c() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:
            from ctypes import util  # costs a few MB: only where glibc's usual name is missing

            _libc = ctypes.CDLL(util.find_library("c"), use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


@dataclass(frozen=True)
class Mount:
    """A bind mount of ``source`` (on the host) at ``target`` (as the container sees it)."""

    source: str
    target: str
    read_only: bool = False


def open_namespaces(pid: int) -> list[tuple[int, int]]:
    """Close-on-exec descriptors of ``pid``'s UTS and mount namespaces, with their types."""
    _c()  # loaded now: the child that joins them should not have to load a library
    opened: list[tuple[int, int]] = []
    try:
        for name, nstype in (("uts", CLONE_NEWUTS), ("mnt", CLONE_NEWNS)):
            opened.append((os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC),
                           nstype))
    except OSError:
        for fd, _ in opened:
            os.close(fd)
        raise
    return opened


def join(namespaces: Sequence[tuple[int, int]]) -> None:
    """Enter namespaces from :func:`open_namespaces` (a single-threaded child only: the
    kernel refuses a mount namespace to a process sharing its filesystem context)."""
    libc = _c()
    for fd, nstype in namespaces:
        _check(libc.setns(fd, nstype), "setns")


def supported() -> bool:
    """Whether this process may create namespaces (root on Linux)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and os.path.exists("/proc/self/ns/mnt")


def enter_pod_view(hostname: str, mounts: Sequence[Mount]) -> None:
    libc = _c()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWUTS), "unshare")
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    name = hostname.encode()[:64]
    _check(libc.sethostname(name, len(name)), "sethostname")
    for mount in mounts:
        bind(mount)


def bind(mount: Mount) -> None:
    libc = _c()
    if os.path.isdir(mount.source):
        os.makedirs(mount.target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(mount.target) or "/", exist_ok=True)
        if not os.path.exists(mount.target):
            with open(mount.target, "a"):
                pass
    source, target = mount.source.encode(), mount.target.encode()
    _check(libc.mount(source, target, None, MS_BIND | MS_REC, None),
           f"mount {mount.source} at {mount.target}")
    if mount.read_only:
        _check(libc.mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, None),
               f"remount {mount.target} read-only")

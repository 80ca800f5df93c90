"""Facts about the host and live measurements of it, read with psutil and ``/proc``.

:func:`read_machine_info` gathers what a Node's ``nodeInfo`` reports (machine id, boot id,
kernel, OS image, architecture); :func:`node_capacity` and :func:`node_allocatable` turn
the host's size (or the ``--cpu``/``--memory`` flags) into Kubernetes quantities the way the
kubelet does (allocatable = capacity minus the hard eviction thresholds);
:func:`measure` reads what the pressure conditions are judged on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import socket
from dataclasses import dataclass

import psutil

# The kubelet's default hard eviction thresholds.
MEMORY_EVICTION_BYTES = 100 * 1024 * 1024  # memory.available<100Mi
NODEFS_EVICTION_FRACTION = 0.10  # nodefs.available<10%
INODES_EVICTION_FRACTION = 0.05  # nodefs.inodesFree<5%
PIDS_PRESSURE_FRACTION = 0.05  # pid.available below 5% of pid_max
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
                 "s390x": "s390x", "i686": "386"}


@dataclass(frozen=True)
class MachineInfo:
    machine_id: str
    system_uuid: str
    boot_id: str
    kernel_version: str
    os_image: str
    architecture: str
    operating_system: str
    hostname: str
    cpus: int
    memory_bytes: int


def _read(path: str) -> str:
    with contextlib.suppress(OSError), open(path) as f:
        return f.read().strip()
    return ""


def _os_image() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return platform.system()


def read_machine_info() -> MachineInfo:
    machine_id = _read("/etc/machine-id") or _read("/var/lib/dbus/machine-id")
    uuid = _read("/sys/class/dmi/id/product_uuid") or machine_id
    return MachineInfo(
        machine_id=machine_id,
        system_uuid=uuid,
        boot_id=_read("/proc/sys/kernel/random/boot_id"),
        kernel_version=platform.release(),
        os_image=_os_image(),
        architecture=ARCHITECTURES.get(platform.machine(), platform.machine()),
        operating_system=platform.system().lower(),
        hostname=socket.gethostname(),
        cpus=os.cpu_count() or 1,
        memory_bytes=psutil.virtual_memory().total,
    )


def for_node(info: MachineInfo, node_name: str) -> MachineInfo:
    """The same host as seen by one of several nodes on it: distinct machine ids and UUIDs,
    as separate machines would have (hollow nodes, many kubelets on one host)."""
    digest = hashlib.sha256(f"{info.machine_id}/{node_name}".encode()).hexdigest()
    uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return MachineInfo(**{**info.__dict__, "machine_id": digest[:32], "system_uuid": uuid})


def kibibytes(value: int) -> str:
    return f"{value // 1024}Ki"


def node_capacity(cpus: str, memory_bytes: int, pods: int, storage_bytes: int
                  ) -> dict[str, str]:
    return {"cpu": cpus, "ephemeral-storage": kibibytes(storage_bytes),
            "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": kibibytes(memory_bytes),
            "pods": str(pods)}


def node_allocatable(cpus: str, memory_bytes: int, pods: int, storage_bytes: int
                     ) -> dict[str, str]:
    storage = int(storage_bytes * (1 - NODEFS_EVICTION_FRACTION))
    return {"cpu": cpus, "ephemeral-storage": str(storage), "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": kibibytes(max(memory_bytes - MEMORY_EVICTION_BYTES, 0)), "pods": str(pods)}


@dataclass(frozen=True)
class Measurements:
    memory_available: int
    memory_total: int
    fs_available: int
    fs_capacity: int
    inodes_free: int
    inodes: int
    pids_max: int
    pids_used: int


def storage_bytes(path: str) -> int:
    st = os.statvfs(path)
    return st.f_blocks * st.f_frsize


def measure(root_dir: str) -> Measurements:
    memory = psutil.virtual_memory()
    st = os.statvfs(root_dir)
    try:
        pids_max = int(_read("/proc/sys/kernel/pid_max") or 32768)
    except ValueError:
        pids_max = 32768
    return Measurements(
        memory_available=memory.available, memory_total=memory.total,
        fs_available=st.f_bavail * st.f_frsize, fs_capacity=st.f_blocks * st.f_frsize,
        inodes_free=st.f_favail, inodes=st.f_files, pids_max=pids_max,
        pids_used=len(psutil.pids()))


def memory_pressure(m: Measurements) -> bool:
    return m.memory_available < MEMORY_EVICTION_BYTES


def disk_pressure(m: Measurements) -> bool:
    low_space = m.fs_capacity > 0 and m.fs_available < m.fs_capacity * NODEFS_EVICTION_FRACTION
    low_inodes = m.inodes > 0 and m.inodes_free < m.inodes * INODES_EVICTION_FRACTION
    return low_space or low_inodes


def pid_pressure(m: Measurements) -> bool:
    return m.pids_max - m.pids_used < m.pids_max * PIDS_PRESSURE_FRACTION

"""Cgroup arithmetic (upstream's shares/quota conversions) and hierarchy detection from
``/proc/self/mountinfo`` and ``/proc/self/cgroup`` (on synthetic files)."""

from __future__ import annotations

import pytest

from observe.kubelet.runtime.cgroups import (
    CgroupPaths,
    cpu_quota,
    cpu_shares,
    cpu_weight,
    detect,
)


@pytest.mark.parametrize(("millis", "shares"), [(None, 2), (0, 2), (1, 2), (100, 102),
                                                (1000, 1024), (500_000, 262_144)])
def test_cpu_shares(millis, shares):
    assert cpu_shares(millis) == shares


@pytest.mark.parametrize(("shares", "weight"), [(2, 1), (1024, 39), (262_144, 10_000)])
def test_cpu_weight(shares, weight):
    assert cpu_weight(shares) == weight


@pytest.mark.parametrize(("millis", "quota"), [(250, 25_000), (1000, 100_000), (5, 1000)])
def test_cpu_quota(millis, quota):
    assert cpu_quota(millis) == quota


def test_paths_round_trip():
    paths = CgroupPaths(1, (("memory", "/m/x"), ("cpu", "/c/x")))
    assert CgroupPaths.from_json(paths.to_json()) == paths
    assert paths.dir("cpu") == "/c/x" and paths.dir("pids") is None
    assert CgroupPaths(2, (("unified", "/u/x"),)).dir("memory") == "/u/x"


def test_detect_v1_under_the_own_cgroup(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        f"30 25 0:26 / {tmp_path}/memory rw,relatime - cgroup cgroup rw,memory\n"
        f"31 25 0:27 / {tmp_path}/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        f"32 25 0:28 / {tmp_path}/unified rw,relatime - cgroup2 cgroup2 rw\n")
    own = tmp_path / "cgroup"
    own.write_text("4:memory:/jobs/me\n1:cpu:/\n0::/\n")
    for base in (tmp_path / "memory/jobs/me/observe-n1", tmp_path / "cpu/observe-n1"):
        base.mkdir(parents=True)
        (base / "cgroup.procs").write_text("")
    driver = detect("n1", mountinfo=str(mountinfo), self_cgroup=str(own))
    assert driver is not None and driver.version == 1
    assert driver.bases == {"memory": f"{tmp_path}/memory/jobs/me/observe-n1",
                            "cpu": f"{tmp_path}/cpu/observe-n1"}


def test_detect_inside_a_container_mounted_from_its_own_cgroup(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        f"30 25 0:26 /jobs/me {tmp_path}/memory rw - cgroup cgroup rw,memory\n")
    own = tmp_path / "cgroup"
    own.write_text("4:memory:/jobs/me\n")
    base = tmp_path / "memory/observe-n1"
    base.mkdir(parents=True)
    (base / "cgroup.procs").write_text("")
    driver = detect("n1", mountinfo=str(mountinfo), self_cgroup=str(own))
    assert driver is not None and driver.bases == {"memory": str(base)}


def test_detect_nothing_writable(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n")
    own = tmp_path / "cgroup"
    own.write_text("0::/\n")
    assert detect("n1", mountinfo=str(mountinfo), self_cgroup=str(own)) is None
    assert detect("n1", mountinfo=str(tmp_path / "missing"), self_cgroup=str(own)) is None

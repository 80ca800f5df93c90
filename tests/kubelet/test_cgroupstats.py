"""Reading a cgroup's limits and usage from fixture trees (v1 and v2), as cAdvisor does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from observe.kubelet import cgroupstats
from observe.kubelet.cgroupstats import Spec, Stats
from observe.kubelet.runtime.cgroups import CgroupPaths

TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")

V1_FILES = {
    "cpuacct": {"cpuacct.usage": "2500000000\n", "cpuacct.stat": "user 150\nsystem 50\n"},
    "cpu": {"cpu.stat": "nr_periods 40\nnr_throttled 7\nthrottled_time 123000000\n",
            "cpu.cfs_period_us": "100000\n", "cpu.cfs_quota_us": "10000\n",
            "cpu.shares": "102\n"},
    "memory": {
        "memory.usage_in_bytes": "50000000\n", "memory.max_usage_in_bytes": "60000000\n",
        "memory.failcnt": "3\n", "memory.limit_in_bytes": "67108864\n",
        "memory.soft_limit_in_bytes": "9223372036854771712\n",
        "memory.stat": ("cache 1\nrss 2\npgfault 10\npgmajfault 1\ntotal_cache 4000000\n"
                        "total_rss 42000000\ntotal_swap 0\ntotal_mapped_file 1000\n"
                        "total_active_file 3000000\ntotal_inactive_file 1000000\n"
                        "total_pgfault 20\ntotal_pgmajfault 2\n"),
        "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        "cgroup.procs": "10\n11\n", "tasks": "10\n11\n12\n"},
    "pids": {"pids.max": "max\n"},
}

V2_FILES = {"unified": {
    "cpu.stat": ("usage_usec 2500000\nuser_usec 1500000\nsystem_usec 1000000\n"
                 "nr_periods 40\nnr_throttled 7\nthrottled_usec 123000\n"),
    "cpu.max": "10000 100000\n", "cpu.weight": "4\n",
    "memory.current": "50000000\n", "memory.peak": "60000000\n",
    "memory.events": "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n",
    "memory.stat": ("anon 42000000\nfile 4000000\nfile_mapped 1000\nactive_file 3000000\n"
                    "inactive_file 1000000\npgfault 20\npgmajfault 2\n"),
    "memory.swap.current": "0\n", "memory.max": "67108864\n", "memory.low": "0\n",
    "memory.swap.max": "max\n", "pids.max": "512\n",
    "cgroup.procs": "10\n11\n", "cgroup.threads": "10\n11\n12\n"}}


def tree(root: Path, files: dict[str, dict[str, str]], version: int) -> CgroupPaths:
    dirs = []
    for controller, contents in files.items():
        directory = root / controller / "pod1" / "c1"
        directory.mkdir(parents=True)
        for name, text in contents.items():
            (directory / name).write_text(text)
        dirs.append((controller, str(directory)))
    return CgroupPaths(version, tuple(dirs))


COMMON = dict(memory_usage=50_000_000, memory_max_usage=60_000_000, memory_failcnt=3,
              memory_cache=4_000_000, memory_rss=42_000_000, memory_mapped_file=1000,
              memory_active_file=3_000_000, memory_inactive_file=1_000_000,
              oom_events=2, processes=2, threads=3, cfs_periods=40, cfs_throttled_periods=7,
              cfs_throttled_ns=123_000_000)


@pytest.mark.parametrize("files, version, want", [
    (V1_FILES, 1, Stats(cpu_usage_ns=2_500_000_000, cpu_user_ns=150 * TICK_NS,
                        cpu_system_ns=50 * TICK_NS, pgfault=10, pgmajfault=1,
                        hierarchical_pgfault=20, hierarchical_pgmajfault=2, **COMMON)),
    (V2_FILES, 2, Stats(cpu_usage_ns=2_500_000_000, cpu_user_ns=1_500_000_000,
                        cpu_system_ns=1_000_000_000, pgfault=20, pgmajfault=2,
                        hierarchical_pgfault=20, hierarchical_pgmajfault=2, **COMMON)),
], ids=["v1", "v2"])
def test_stats_read_as_cadvisor_reads_them(tmp_path, files, version, want):
    stats = cgroupstats.read_stats(tree(tmp_path, files, version))
    assert stats == want
    assert stats.memory_working_set == 49_000_000  # usage less inactive file


@pytest.mark.parametrize("files, version, want", [
    (V1_FILES, 1, Spec(cpu_period=100_000, cpu_quota=10_000, cpu_shares=102,
                       memory_limit=67_108_864, memory_reservation=9223372036854771712)),
    (V2_FILES, 2, Spec(cpu_period=100_000, cpu_quota=10_000, cpu_shares=80,
                       memory_limit=67_108_864, threads_max=512)),
], ids=["v1", "v2"])
def test_spec_read_as_cadvisor_reads_it(tmp_path, files, version, want):
    assert cgroupstats.read_spec(tree(tmp_path, files, version)) == want


@pytest.mark.parametrize("quota_file, quota_text, version", [
    ("cpu.cfs_quota_us", "-1\n", 1),
    ("cpu.max", "max 100000\n", 2),
])
def test_no_cpu_quota_reads_as_zero_and_cfs_counters_can_be_skipped(tmp_path, quota_file,
                                                                     quota_text, version):
    files = V1_FILES if version == 1 else V2_FILES
    controller = "cpu" if version == 1 else "unified"
    files = {**files, controller: {**files[controller], quota_file: quota_text}}
    paths = tree(tmp_path, files, version)
    assert cgroupstats.read_spec(paths).cpu_quota == 0
    stats = cgroupstats.read_stats(paths, with_cfs=False)
    assert (stats.cfs_periods, stats.cfs_throttled_periods, stats.cfs_throttled_ns) == (0, 0, 0)


def test_a_removed_cgroup_reads_as_none(tmp_path):
    paths = CgroupPaths(1, (("memory", str(tmp_path / "gone")),))
    assert cgroupstats.read_stats(paths) is None


def test_working_set_never_goes_below_zero():
    assert Stats(memory_usage=10, memory_inactive_file=20).memory_working_set == 0


def test_parent_and_add():
    paths = CgroupPaths(1, (("memory", "/m/pod1/c1"), ("cpu", "/c/pod1/c1")))
    assert cgroupstats.parent(paths).dirs == (("memory", "/m/pod1"), ("cpu", "/c/pod1"))
    total = cgroupstats.add([Stats(cpu_usage_ns=1, memory_usage=5), Stats(cpu_usage_ns=2)])
    assert (total.cpu_usage_ns, total.memory_usage) == (3, 5)

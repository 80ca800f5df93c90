"""``/metrics/cadvisor`` rendering (names, types, labels, timestamps as cAdvisor writes them)
and the source that reads a node's container and pod cgroups, against fixture trees."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from observe.kubelet.cadvisor import (
    CgroupSeries,
    FsUsage,
    Interface,
    MachineFacts,
    render,
)
from observe.kubelet.cadvisorsource import CadvisorSource, cgroup_id
from observe.kubelet.cgroupstats import Spec, Stats
from observe.kubelet.layout import Layout
from observe.kubelet.promtext import go_float
from observe.kubelet.runtime.cgroups import CgroupPaths
from observe.kubelet.runtime.types import ContainerStatus, ContainerUsage


@pytest.mark.parametrize("value, want", [
    (0, "0"), (1, "1"), (-1, "-1"), (0.5, "0.5"), (1e-05, "1e-05"), (0.0001, "0.0001"),
    (123.456, "123.456"), (999999, "999999"), (1000000, "1e+06"), (41943040, "4.194304e+07"),
    (1234567.5, "1.2345675e+06"), (1e21, "1e+21"), (2e-09, "2e-09"),
    (1426203694, "1.426203694e+09"), (-0.00012, "-0.00012"), (float("inf"), "+Inf"),
])
def test_values_are_spelled_like_go(value, want):
    assert go_float(value) == want


def labels(pod="web", container="app", cid="c1"):
    return {"container": container, "id": f"/k/pod1/{cid}" if container else "/k/pod1",
            "image": "docker.io/library/busybox:latest" if container else "",
            "name": cid if container else "", "namespace": "ns", "pod": pod}


STATS = Stats(cpu_usage_ns=1_500_000_000, memory_usage=41_943_040, memory_inactive_file=1024,
              cfs_periods=10, cfs_throttled_periods=4, oom_events=1)
LIMITED = Spec(cpu_period=100_000, cpu_quota=10_000, cpu_shares=102, memory_limit=64 << 20,
               memory_reservation=9223372036854771712)
UNLIMITED = Spec(cpu_period=100_000, cpu_shares=2, memory_limit=9223372036854771712)
MACHINE = MachineFacts("mid", "uuid", "boot", "6.1.0", "Debian 12", 4, 2, 8 << 30)


def lines_of(text, family):
    return [line for line in text.splitlines() if line.startswith(family + "{")]


def sample_text():
    container = CgroupSeries(labels(), 1_700_000_000.0, 1_700_000_100.25, STATS, LIMITED,
                             (FsUsage("/dev/sda1", 4096, 10 << 30, 1000, 900),))
    pod = CgroupSeries(labels(container=""), 1_700_000_000.0, 1_700_000_100.25, STATS,
                       UNLIMITED, network=(Interface("eth0", rx_bytes=5, tx_bytes=7),))
    return render([pod, container], MACHINE)


def test_usage_has_cadvisor_labels_in_order_and_millisecond_timestamps():
    text = sample_text()
    assert lines_of(text, "container_cpu_usage_seconds_total") == [
        'container_cpu_usage_seconds_total{container="",cpu="total",id="/k/pod1",image="",'
        'name="",namespace="ns",pod="web"} 1.5 1700000100250',
        'container_cpu_usage_seconds_total{container="app",cpu="total",id="/k/pod1/c1",'
        'image="docker.io/library/busybox:latest",name="c1",namespace="ns",pod="web"} '
        '1.5 1700000100250']
    assert lines_of(text, "container_memory_working_set_bytes")[1].endswith(
        " 4.1942016e+07 1700000100250")


def test_help_and_type_as_cadvisor_and_families_sorted():
    text = sample_text()
    assert ("# HELP container_oom_events_total Count of out of memory events observed for the "
            "container\n# TYPE container_oom_events_total counter\n") in text
    assert ("# HELP container_memory_working_set_bytes Current working set in bytes.\n"
            "# TYPE container_memory_working_set_bytes gauge\n") in text
    names = re.findall(r"^# TYPE (\S+)", text, re.MULTILINE)
    assert names == sorted(names)
    parsed = {f.name: f for f in text_string_to_metric_families(text)}
    assert parsed["container_cpu_cfs_throttled_periods"].type == "counter"
    assert parsed["container_spec_memory_limit_bytes"].type == "gauge"


def test_cfs_counters_and_quota_only_where_there_is_a_quota():
    text = sample_text()
    for family in ("container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total",
                   "container_spec_cpu_quota"):
        found = lines_of(text, family)
        assert len(found) == 1 and 'container="app"' in found[0], (family, found)


def test_spec_has_no_timestamp_and_unlimited_memory_reads_zero():
    text = sample_text()
    assert [line.rsplit(" ", 1)[1] for line in lines_of(
        text, "container_spec_memory_limit_bytes")] == ["0", "6.7108864e+07"]
    assert all(line.count(" ") == 1 for line in lines_of(text, "container_start_time_seconds"))
    reservation = lines_of(text, "container_spec_memory_reservation_limit_bytes")
    assert [line.rsplit(" ", 1)[1] for line in reservation] == ["0", "0"]


def test_extra_labels_sit_in_sorted_position():
    text = sample_text()
    assert lines_of(text, "container_fs_usage_bytes") == [
        'container_fs_usage_bytes{container="app",device="/dev/sda1",id="/k/pod1/c1",'
        'image="docker.io/library/busybox:latest",name="c1",namespace="ns",pod="web"} '
        '4096 1700000100250']
    failures = lines_of(text, "container_memory_failures_total")
    assert 'container="app",failure_type="pgmajfault",id=' in failures[-1]
    assert failures[-1].split("}")[0].endswith('pod="web",scope="hierarchy"')


def test_network_is_reported_once_per_pod_on_the_pod_series():
    received = lines_of(sample_text(), "container_network_receive_bytes_total")
    assert received == [
        'container_network_receive_bytes_total{container="",id="/k/pod1",image="",'
        'interface="eth0",name="",namespace="ns",pod="web"} 5 1700000100250']


def test_families_without_samples_are_left_out():
    text = render([CgroupSeries(labels(), 1.0, 2.0, Stats())])
    assert "container_network_" not in text and "container_spec_" not in text
    assert "container_scrape_error 0\n" in text
    assert "machine_cpu_cores" not in text


def test_machine_and_version_families():
    text = sample_text()
    assert 'machine_cpu_cores{boot_id="boot",machine_id="mid",system_uuid="uuid"} 4\n' in text
    assert ('cadvisor_version_info{cadvisorRevision="",cadvisorVersion="",dockerVersion="",'
            'kernelVersion="6.1.0",osVersion="Debian 12"} 1\n') in text


def test_label_values_are_escaped():
    text = render([CgroupSeries({**labels(), "pod": 'we"b\\'}, 1.0, 2.0, Stats())])
    assert 'pod="we\\"b\\\\"' in text
    assert list(text_string_to_metric_families(text))


# -- the source, over a fixture node ------------------------------------------------------

class StubRuntime:
    def __init__(self, containers, cgroups_enabled=True, usage=None):
        self._containers = containers
        self.cgroups_enabled = cgroups_enabled
        self._usage = usage or {}

    def containers(self):
        return list(self._containers)

    def usage(self, container_id):
        return self._usage.get(container_id)


def status(cid, name, layout, state="running", created=100.0):
    log = layout.container_log("ns", "web", "u1", name, 0)
    return ContainerStatus(id=cid, pod_uid="u1", pod_name="web", pod_namespace="ns",
                           name=name, attempt=0, image="busybox", image_id="sha256:x",
                           spec_hash="", log_path=str(log), state=state, created_at=created)


def write(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)


MEMORY = {"memory.usage_in_bytes": "3000\n", "memory.stat": "total_inactive_file 1000\n",
          "memory.limit_in_bytes": "9223372036854771712\n", "cgroup.procs": "1\n"}


@pytest.fixture
def node(tmp_path):
    """A kubelet root, a v1 memory+cpu hierarchy under ``cg/`` and a mount table naming
    them; returns (layout, mountinfo, make_container)."""
    layout = Layout(tmp_path / "root")
    layout.create()
    cg = tmp_path / "cg"
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        f"1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
        f"2 1 0:30 / {cg}/memory rw - cgroup cgroup rw,memory\n"
        f"3 1 0:31 / {cg}/cpu rw - cgroup cgroup rw,cpu,cpuacct\n")
    for controller, files in (("memory", MEMORY), ("cpu", {"cpuacct.usage": "7\n"})):
        write(cg / controller / "kube" / "podu1", files)

    def make_container(cid, name, **kw):
        paths = CgroupPaths(1, (("memory", str(cg / "memory" / "kube" / "podu1" / cid)),
                                ("cpu", str(cg / "cpu" / "kube" / "podu1" / cid))))
        write(Path(paths.dirs[0][1]), MEMORY)
        write(Path(paths.dirs[1][1]), {"cpuacct.usage": "5\n", "cpu.cfs_quota_us": "-1\n"})
        write(layout.containers / cid, {"config.json": json.dumps({"cgroups": paths.to_json()})})
        c = status(cid, name, layout, **kw)
        Path(c.log_path).parent.mkdir(parents=True, exist_ok=True)
        Path(c.log_path).write_bytes(b"x" * 100)
        return c

    return layout, mountinfo, make_container


def families(source, containers, usage=None):
    text = source.render(containers, usage).decode()
    return text, {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_source_reports_each_container_and_its_pod_cgroup(node):
    layout, mountinfo, make = node
    app, side = make("c1", "app"), make("c2", "side", state="exited", created=50.0)
    volume = layout.volume_dir("u1", "kubernetes.io~empty-dir", "scratch")
    volume.mkdir(parents=True)
    (volume / "data").write_bytes(b"y" * 300)
    source = CadvisorSource("n1", layout, StubRuntime([app, side]), mountinfo=str(mountinfo),
                            clock=lambda: 200.0)
    _, found = families(source, [app, side])
    working = {(s.labels["container"], s.labels["id"], s.labels["name"]): s.value
               for s in found["container_memory_working_set_bytes"]}
    assert working == {("app", "/kube/podu1/c1", "c1"): 2000,
                       ("side", "/kube/podu1/c2", "c2"): 2000, ("", "/kube/podu1", ""): 2000}
    usage = {s.labels["container"]: s.value for s in found["container_fs_usage_bytes"]}
    assert usage == {"app": 100, "side": 100, "": 300}
    assert {s.labels["device"] for s in found["container_fs_usage_bytes"]} == {"/dev/sda1"}
    starts = {s.labels["container"]: s.value for s in found["container_start_time_seconds"]}
    assert starts == {"app": 100, "side": 50, "": 50}
    assert "container_cpu_cfs_periods" not in found  # no quota anywhere
    assert all(s.timestamp == 200.0 for s in found["container_cpu_usage_seconds"])


def test_a_removed_cgroup_drops_its_series(node):
    layout, mountinfo, make = node
    app = make("c1", "app")
    source = CadvisorSource("n1", layout, StubRuntime([app]), mountinfo=str(mountinfo))
    assert len(families(source, [app])[1]["container_memory_usage_bytes"]) == 2
    for directory in (Path(d) for _, d in json.loads(
            (layout.containers / "c1" / "config.json").read_text())["cgroups"]["dirs"]):
        for f in directory.iterdir():
            f.unlink()
        directory.rmdir()
    samples = families(source, [app])[1]["container_memory_usage_bytes"]
    assert [s.labels["container"] for s in samples] == [""]


def test_without_cgroups_the_runtime_measurement_is_used(tmp_path):
    layout = Layout(tmp_path)
    layout.create()
    c = status("c1", "app", layout)
    reading = ContainerUsage(300.0, 2_000_000_000, 5000, 4000, 3000, processes=2)
    source = CadvisorSource("n1", layout, StubRuntime([c], cgroups_enabled=False),
                            mountinfo=str(tmp_path / "none"))
    _, found = families(source, [c], {"c1": reading})
    working = {(s.labels["container"], s.labels["id"]): s.value
               for s in found["container_memory_working_set_bytes"]}
    assert working == {("app", "/observe-n1/podu1/c1"): 4000, ("", "/observe-n1/podu1"): 4000}
    assert "container_spec_memory_limit_bytes" not in found


def test_scrape_serves_one_collection_to_concurrent_scrapers(node):
    layout, mountinfo, make = node
    app = make("c1", "app")
    runtime = StubRuntime([app])
    calls = []
    original = runtime.containers
    runtime.containers = lambda: calls.append(1) or original()
    source = CadvisorSource("n1", layout, runtime, mountinfo=str(mountinfo))

    async def both():
        return await asyncio.gather(source.scrape(), source.scrape())

    first, second = asyncio.run(both())
    assert first == second and b'container="app"' in first
    assert len(calls) == 1


@pytest.mark.parametrize("directory, mount_root, want", [
    ("/sys/fs/cgroup/memory/kube/pod1/c1", "/", "/kube/pod1/c1"),
    ("/sys/fs/cgroup/memory", "/", "/"),
    # Inside a container the hierarchy is mounted from its own cgroup downward.
    ("/sys/fs/cgroup/memory/pod1", "/docker/abc", "/docker/abc/pod1"),
])
def test_cgroup_id_is_the_path_in_the_hierarchy(directory, mount_root, want):
    mounts = [("/sys/fs/cgroup/memory", mount_root, "cgroup"), ("/", "/", "/dev/sda1")]
    assert cgroup_id(directory, mounts) == want

"""Our node exporter against Debian's ``prometheus-node-exporter`` on the same machine.

Both run as real processes on free ports with the same exclusions. Theirs is scraped just
before and just after ours, so for every sample both expose ours must lie between their two
readings (counters only grow; gauges may move either way), widened by a slack suited to how
fast the quantity moves. Label sets must match exactly. Families describing the exporter
process itself (``process_*``, scrape durations) are not the node's and are not compared.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporters.node.testing import ExporterProcess, debian_node_exporter

MiB = 1024 * 1024
Labels = frozenset[tuple[str, str]]
Family = tuple[str, dict[Labels, float]]  # (type, labels → value)

# (family name pattern, absolute slack, relative slack): first match wins. Anything not
# listed must fall within theirs' two readings up to float rounding.
SLACK = (
    (r"^node_memory_", 4 * MiB, 0.02),  # allocations of the processes around us
    (r"^node_filesystem_(avail|free)_bytes$", 16 * MiB, 0.0),
    (r"^node_filesystem_files_free$", 2000, 0.0),
    (r"^node_procs_(running|blocked)$", 4, 0.0),
    (r"^node_filefd_allocated$", 256, 0.0),
    (r"^node_sockstat_", 32, 0.05),  # our own scrape connections come and go
    (r"^node_netstat_Tcp_CurrEstab$", 8, 0.0),
    (r"^node_nf_conntrack_entries$", 32, 0.05),
    (r"^node_disk_io_now$", 8, 0.0),
    (r"^node_udp_queues$", 256 * 1024, 0.0),
    (r"^node_arp_entries$", 2, 0.0),
    (r"^node_cpu_", 0.5, 0.0),  # the kernel's iowait and idle may step back slightly
    (r"", 0.0, 1e-9),
)
NOT_THE_NODE = re.compile(r"^(process_|go_|promhttp_|node_exporter_build_info$)")
SCRAPE_FAMILIES = ("node_scrape_collector_success", "node_scrape_collector_duration_seconds")
# What the issue asks for; each must be ours whenever node_exporter has it here.
ESSENTIAL = (
    "node_cpu_seconds", "node_load1", "node_memory_MemTotal_bytes",
    "node_memory_MemAvailable_bytes", "node_filesystem_size_bytes",
    "node_filesystem_avail_bytes", "node_filesystem_free_bytes", "node_filesystem_files",
    "node_filesystem_files_free", "node_filesystem_readonly", "node_filesystem_device_error",
    "node_disk_reads_completed", "node_disk_written_bytes", "node_network_receive_bytes",
    "node_network_transmit_bytes", "node_uname_info", "node_boot_time_seconds",
    "node_time_seconds", "node_context_switches", "node_forks", "node_intr",
    "node_procs_running", "node_procs_blocked", "node_vmstat_oom_kill",
    "node_vmstat_pgfault", "node_pressure_cpu_waiting_seconds",
    "node_pressure_memory_stalled_seconds", "node_filefd_allocated", "node_filefd_maximum",
    "node_scrape_collector_success", "node_scrape_collector_duration_seconds",
    "node_textfile_scrape_error", "node_textfile_mtime_seconds", "backup_runs",
    "backup_last_success_timestamp_seconds",
)

# What a backup cron job might leave for the textfile collector.
TEXTFILE = """\
# HELP backup_runs_total Backups run.
# TYPE backup_runs_total counter
backup_runs_total{target="db"} 42
backup_last_success_timestamp_seconds{target="db"} 1.7e9
"""

pytestmark = pytest.mark.skipif(debian_node_exporter() is None,
                                reason="Debian's prometheus-node-exporter is not installed "
                                       "(.ci/setup installs it)")


def parse(text: str) -> dict[str, Family]:
    out: dict[str, Family] = {}
    for family in text_string_to_metric_families(text):
        if family.samples:
            out[family.name] = (family.type, {
                frozenset({"__name__": s.name, **s.labels}.items()): s.value
                for s in family.samples})
    return out


def slack(name: str, reference: float) -> float:
    for pattern, absolute, relative in SLACK:
        if re.search(pattern, name):
            return absolute + relative * abs(reference)
    raise AssertionError("unreachable: the last pattern matches everything")


def within(name: str, ours: float, before: float, after: float) -> bool:
    if any(math.isnan(v) for v in (ours, before, after)):
        return all(math.isnan(v) for v in (ours, before, after))
    low, high = min(before, after), max(before, after)
    margin = slack(name, high)
    return low - margin <= ours <= high + margin


def compare(before: dict[str, Family], ours: dict[str, Family],
            after: dict[str, Family]) -> list[str]:
    """Every disagreement, one line each, for the families both expose."""
    problems = []
    for name in sorted(set(before) & set(ours) & set(after)):
        if NOT_THE_NODE.match(name):
            continue
        (their_type, first), (our_type, mine), (_, last) = before[name], ours[name], after[name]
        if their_type != our_type:
            problems.append(f"{name}: type {our_type}, node_exporter's is {their_type}")
            continue
        if name in SCRAPE_FAMILIES:
            # Each exporter has its own set of collectors: compare the ones both run.
            common = {k for k in mine if k in first}
            first = {k: v for k, v in first.items() if k in common}
            last = {k: v for k, v in last.items() if k in common}
            mine = {k: v for k, v in mine.items() if k in common}
            if name == "node_scrape_collector_duration_seconds":
                continue  # each process's own timing
        if set(mine) != set(first) and set(mine) != set(last):
            only_ours = sorted(map(sorted, set(mine) - set(first)))
            only_theirs = sorted(map(sorted, set(first) - set(mine)))
            problems.append(f"{name}: labels only ours {only_ours}, only theirs {only_theirs}")
            continue
        for labels, value in mine.items():
            if labels in first and labels in last and not within(name, value, first[labels],
                                                                 last[labels]):
                problems.append(f"{name}{dict(labels)}: ours {value}, node_exporter "
                                f"{first[labels]} then {last[labels]}")
    return problems


@pytest.fixture(scope="module")
def scrapes(tmp_path_factory) -> Iterator[tuple[dict, dict, dict]]:
    logs = tmp_path_factory.mktemp("exporters")
    textfiles = tmp_path_factory.mktemp("textfiles")
    (textfiles / "backup.prom").write_text(TEXTFILE)
    ours = ExporterProcess.ours(logs / "ours.log", "--textfile-directory", str(textfiles))
    theirs = ExporterProcess.debian(logs / "theirs.log",
                                    f"--collector.textfile.directory={textfiles}")
    try:
        ours.start()
        theirs.start()
        # One warm-up round: first scrapes pay one-off costs (imports, library lookups).
        theirs.scrape()
        ours.scrape()
        before, mine, after = theirs.scrape(), ours.scrape(), theirs.scrape()
        yield parse(before), parse(mine), parse(after)
    finally:
        ours.stop()
        theirs.stop()


def test_families_both_expose_agree(scrapes):
    before, ours, after = scrapes
    common = [n for n in set(before) & set(ours) if not NOT_THE_NODE.match(n)]
    assert len(common) > 100, f"only {len(common)} families in common"
    problems = compare(before, ours, after)
    assert not problems, "disagreements with node_exporter:\n" + "\n".join(problems)


def test_essential_families_are_ours(scrapes):
    before, ours, _ = scrapes
    missing = [n for n in ESSENTIAL if n in before and n not in ours]
    assert not missing, f"node_exporter exposes these here and we do not: {missing}"


def test_families_only_node_exporter_exposes_are_listed(scrapes):
    before, ours, _ = scrapes
    only_theirs = sorted(n for n in before if n not in ours and not NOT_THE_NODE.match(n))
    only_ours = sorted(n for n in ours if n not in before)
    print(f"families only node_exporter exposes: {only_theirs}")
    print(f"families only ours exposes: {only_ours}")
    if only_theirs:
        warnings.warn(f"families only node_exporter exposes: {only_theirs}", stacklevel=1)
    assert not [n for n in only_ours if n.startswith("node_")], (
        f"families under node_exporter's names that node_exporter does not have: {only_ours}")


@pytest.mark.parametrize(("name", "ours", "before", "after", "ok"), [
    ("node_forks_total", 10, 9, 11, True),
    ("node_forks_total", 12, 9, 11, False),
    ("node_load1", 0.5, 0.6, 0.4, True),
    ("node_memory_MemFree_bytes", 1.01e9, 1e9, 1e9, True),
    ("node_memory_MemFree_bytes", 1.1e9, 1e9, 1e9, False),
    ("node_time_seconds", 5.0, 4.0, 6.0, True),
    ("node_time_seconds", 3.0, 4.0, 6.0, False),
])
def test_tolerance_rules(name, ours, before, after, ok):
    assert within(name, ours, before, after) is ok


def test_compare_reports_label_type_and_value_disagreements():
    def fam(kind, **series):
        return (kind, {frozenset({"__name__": "node_x", "device": d}.items()): v
                       for d, v in series.items()})

    theirs = {"node_x": fam("gauge", eth0=1.0, eth1=2.0), "node_y": fam("counter", a=1.0),
              "node_z": fam("gauge", a=5.0)}
    ours = {"node_x": fam("gauge", eth0=1.0), "node_y": fam("gauge", a=1.0),
            "node_z": fam("gauge", a=9.0)}
    problems = compare(theirs, ours, theirs)
    assert len(problems) == 3, problems
    assert problems[0].startswith("node_x: labels")
    assert problems[1].startswith("node_y: type gauge")
    assert problems[2].startswith("node_z{")

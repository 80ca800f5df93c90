"""Node exporter benchmark against Debian's node_exporter in the same run (target: no slower);
prints figures, never passes or fails.

    python benchmarks/node_exporter.py [--scrapes 300] [--warmup 10]

Both exporters run as real processes on loopback with the same exclusions. Scrapes
alternate between them (so both see the same machine load) and are sequential, as
Prometheus scrapes one target. Reported per exporter:

- scrape time p50/p99/max: wall time of one GET /metrics, response read whole;
- CPU seconds per scrape: the exporter process's user+system time over all scrapes
  (from /proc/<pid>/stat), divided by the number of scrapes;
- samples per scrape and response size, to show both did comparable work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exporters.node.testing import ExporterProcess, debian_node_exporter

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (its threads included), from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()  # the command name may contain spaces
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLK_TCK


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Run:
    name: str
    exporter: ExporterProcess
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)
    cpu: float = 0.0

    def scrape(self) -> None:
        start = time.perf_counter()
        with urllib.request.urlopen(self.exporter.url, timeout=30) as response:
            body = response.read()
        self.times.append(time.perf_counter() - start)
        self.sizes.append(len(body))
        self.samples.append(sum(1 for line in body.splitlines()
                                if line and not line.startswith(b"#")))

    def report(self) -> str:
        ms = [t * 1000 for t in self.times]
        return (f"{self.name:<22} p50 {pct(ms, 50):6.2f} ms  p99 {pct(ms, 99):6.2f} ms  "
                f"max {max(ms):6.2f} ms  mean {statistics.fmean(ms):6.2f} ms  "
                f"CPU/scrape {self.cpu / len(self.times) * 1000:6.2f} ms  "
                f"samples {statistics.median(self.samples):.0f}  "
                f"bytes {statistics.median(self.sizes):.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scrapes", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    if debian_node_exporter() is None:
        print("prometheus-node-exporter is not installed (apt-get install "
              "prometheus-node-exporter); nothing to compare against")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        runs = [Run("observe node-exporter", ExporterProcess.ours(Path(tmp) / "ours.log")),
                Run("Debian node_exporter", ExporterProcess.debian(Path(tmp) / "theirs.log"))]
        try:
            for run in runs:
                run.exporter.start()
            for _ in range(args.warmup):
                for run in runs:
                    run.scrape()
            for run in runs:
                run.times.clear()
                run.sizes.clear()
                run.samples.clear()
            cpu_before = {run.name: cpu_seconds(run.exporter.pid) for run in runs}
            for _ in range(args.scrapes):
                for run in runs:
                    run.scrape()
            for run in runs:
                run.cpu = cpu_seconds(run.exporter.pid) - cpu_before[run.name]
        finally:
            for run in runs:
                run.exporter.stop()
    print(f"node exporter scrapes: {args.scrapes} each, alternating, after {args.warmup} "
          f"warm-up rounds; CPU from /proc/<pid>/stat at {CLK_TCK} ticks/s")
    for run in runs:
        print(run.report())
    ours, theirs = runs
    print(f"ours/theirs: p50 {pct(ours.times, 50) / pct(theirs.times, 50):.2f}x, "
          f"p99 {pct(ours.times, 99) / pct(theirs.times, 99):.2f}x, "
          f"CPU per scrape {ours.cpu / max(theirs.cpu, 1e-9):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

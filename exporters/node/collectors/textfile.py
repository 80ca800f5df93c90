"""``textfile`` collector: metrics that scripts and cron jobs write as ``*.prom`` files
(Prometheus text format) into one directory, exposed as they are, plus each file's
modification time and whether any file could not be read.

A file that cannot be parsed, or that carries timestamps (the scrape sets the time), is
left out whole and raises ``node_textfile_scrape_error``; the other files still count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from exporters.node.config import NodeExporterConfig

log = logging.getLogger("exporters.node.textfile")


def parse_textfile(path: Path) -> list[Metric]:
    """The families of one file; ValueError when it is not acceptable as a whole."""
    text = path.read_text(errors="replace")
    families = list(text_string_to_metric_families(text))
    for family in families:
        if any(s.timestamp is not None for s in family.samples):
            raise ValueError(f"{family.name} carries timestamps, which are not supported")
        if family.documentation == "":
            family.documentation = f"Metric from the text file {path}."
    return families


def check_types(known: dict[str, Metric], families: Iterable[Metric], path: Path) -> None:
    """ValueError when a family was read from an earlier file with another type."""
    for family in families:
        earlier = known.get(family.name)
        if earlier is not None and earlier.type != family.type:
            raise ValueError(f"{family.name} is a {family.type} in {path} but a "
                             f"{earlier.type} in an earlier file")


class TextfileCollector:
    name = "textfile"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._dir = config.textfile_directory

    def collect(self) -> Iterable[Metric]:
        if self._dir is None:
            return []
        error = 0
        mtimes = GaugeMetricFamily("node_textfile_mtime_seconds",
                                   "Modification time of each text file read, in seconds "
                                   "since the Unix epoch.", labels=["file"])
        merged: dict[str, Metric] = {}
        try:
            paths = sorted(p for p in self._dir.iterdir() if p.name.endswith(".prom"))
        except OSError as e:
            log.error("cannot list text file directory %s: %s", self._dir, e)
            paths, error = [], 1
        for path in paths:
            try:
                families = parse_textfile(path)
                check_types(merged, families, path)
                mtime = path.stat().st_mtime
            except (OSError, ValueError) as e:
                log.error("cannot use text file %s: %s", path, e)
                error = 1
                continue
            for family in families:
                if family.name in merged:
                    merged[family.name].samples.extend(family.samples)
                else:
                    merged[family.name] = family
            mtimes.add_metric([str(path)], int(mtime))
        families_out: list[Metric] = list(merged.values())
        if mtimes.samples:
            families_out.append(mtimes)
        families_out.append(GaugeMetricFamily(
            "node_textfile_scrape_error",
            "1 when a text file could not be listed, read or parsed, else 0.", value=error))
        return families_out


"""``meminfo`` collector: every field of /proc/meminfo as ``node_memory_<Field>[_bytes]``.

Field names keep the kernel's spelling with parentheses turned into underscores
(``Active(anon)`` → ``Active_anon``); fields given in kB become bytes with a ``_bytes``
suffix, unit-less ones (the HugePages counts) keep their name and value.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text


def parse_meminfo(text: str) -> dict[str, float]:
    """Metric-name suffix → value, e.g. ``{"MemTotal_bytes": 8.0e9, "HugePages_Free": 0}``."""
    fields: dict[str, float] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if not parts:
            continue
        name = key.strip().replace("(", "_").replace(")", "")
        value = float(parts[0])
        if len(parts) > 1 and parts[1] == "kB":
            name, value = f"{name}_bytes", value * 1024
        fields[name] = value
    return fields


class MeminfoCollector:
    name = "meminfo"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._path = config.proc("meminfo")

    def collect(self) -> Iterable[Metric]:
        for name, value in parse_meminfo(read_text(self._path)).items():
            yield GaugeMetricFamily(f"node_memory_{name}",
                                    f"The {name} field of /proc/meminfo.", value=value)

"""A fake node for collector tests: a directory holding proc/, sys/ and root/ trees that
tests fill with the kernel files they need, and helpers to read collected families."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client.metrics_core import Metric

from exporters.node.config import NodeExporterConfig


class FakeNode:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.config = NodeExporterConfig(procfs=base / "proc", sysfs=base / "sys",
                                         rootfs=base / "root", udev_data=base / "udev")

    def write(self, path: str, text: str) -> Path:
        """Write ``text`` at ``path`` (relative to the fake node, e.g. ``proc/stat``)."""
        target = self.base / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target


def families(metrics: Iterable[Metric]) -> dict[str, Metric]:
    """Family name (as the parser names it: counters without ``_total``) → family."""
    return {m.name: m for m in metrics}


def values(metrics: Iterable[Metric]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) → value, for exact assertions."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for m in metrics for s in m.samples}


def value(metrics: Iterable[Metric], name: str, **labels: str) -> float:
    return values(metrics)[(name, tuple(sorted(labels.items())))]

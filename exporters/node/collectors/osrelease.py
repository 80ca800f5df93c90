"""``os`` collector: the distribution named in os-release (``node_os_info``) and its
major.minor version (``node_os_version``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from exporters.node.collector import NoData
from exporters.node.config import NodeExporterConfig
from exporters.node.sources import read_text

INFO_LABELS = ("build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name",
               "variant", "variant_id", "version", "version_codename", "version_id")
VERSION_LABELS = ("id", "id_like", "name")
# os-release(5): /etc/os-release wins, /usr/lib/os-release is the vendor's fallback.
CANDIDATES = ("etc/os-release", "usr/lib/os-release")
_LEADING_VERSION = re.compile(r"^[0-9]+\.?[0-9]*")
_SHELL_ESCAPE = re.compile(r"\\([\\$\"`])")


def parse_assignments(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting (os-release, selinux config), keys lower-cased."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            fields[key.lower()] = _unquote(value)
    return fields


def _unquote(value: str) -> str:
    # os-release(5) allows one quoted word, with backslash escapes inside double quotes.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return _SHELL_ESCAPE.sub(r"\1", inner) if value[0] == '"' else inner
    return value


def os_version(version_id: str) -> float:
    match = _LEADING_VERSION.match(version_id)
    return float(match.group()) if match else 0.0


class OsCollector:
    name = "os"

    def __init__(self, config: NodeExporterConfig) -> None:
        self._paths = [config.root(p) for p in CANDIDATES]

    def collect(self) -> Iterable[Metric]:
        fields = self._read()
        info = GaugeMetricFamily("node_os_info",
                                 "Constant 1, labelled with the fields of os-release.",
                                 labels=INFO_LABELS)
        info.add_metric([fields.get(k, "") for k in INFO_LABELS], 1)
        yield info
        version = GaugeMetricFamily("node_os_version",
                                    "The major.minor part of the distribution's VERSION_ID.",
                                    labels=VERSION_LABELS)
        version.add_metric([fields.get(k, "") for k in VERSION_LABELS],
                           os_version(fields.get("version_id", "")))
        yield version

    def _read(self) -> dict[str, str]:
        for path in self._paths:
            try:
                return parse_assignments(read_text(path))
            except NoData:
                continue
        raise NoData("no os-release file")

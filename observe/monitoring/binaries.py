"""Where Debian's Prometheus programs are on this machine.

``.ci/setup`` installs the Debian packages ``prometheus`` (``prometheus``, ``promtool``)
and ``prometheus-alertmanager`` (``prometheus-alertmanager``, ``amtool``) when missing.
Debian names the Alertmanager binary ``prometheus-alertmanager``; upstream's tarball calls
it ``alertmanager``, which is accepted too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    name: str
    commands: tuple[str, ...]
    """Executable names to look for on ``PATH``, preferred first."""
    package: str
    """The Debian package that ships it."""


PROMETHEUS = Tool("prometheus", ("prometheus",), "prometheus")
PROMTOOL = Tool("promtool", ("promtool",), "prometheus")
ALERTMANAGER = Tool("alertmanager", ("prometheus-alertmanager", "alertmanager"),
                    "prometheus-alertmanager")
AMTOOL = Tool("amtool", ("amtool",), "prometheus-alertmanager")


class ToolMissing(RuntimeError):
    """A Prometheus program is not installed."""


def find(tool: Tool, path: str | None = None) -> str | None:
    """The full path of ``tool``, or None; ``path`` replaces ``$PATH`` (for tests)."""
    for command in tool.commands:
        found = shutil.which(command, path=path)
        if found:
            return found
    return None


def require(tool: Tool, path: str | None = None) -> str:
    found = find(tool, path)
    if found is None:
        raise ToolMissing(f"{tool.name} is not installed: install the Debian package "
                          f"{tool.package!r} (apt-get install {tool.package}, or run "
                          f".ci/setup)")
    return found

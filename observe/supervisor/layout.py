"""Where a cluster's files live under its data directory.

Every verb and the supervisor derive paths from one :class:`ClusterLayout`, so the layout
is written down once::

    <data-dir>/
      kubeconfig            for kubectl and the components
      state.json            the supervisor's record: pids, ports, urls, restarts
      supervisor.lock       held by the running supervisor (flock)
      logs/<name>.log       each component's stdout and stderr; logs/supervisor.log
      apiserver/            the apiserver's database
      nodes/<node>/         each kubelet's root directory

The default data directory is ``$XDG_STATE_HOME/observe`` (``~/.local/state/observe`` when
that is unset): one cluster per user that every verb finds from any working directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SUPERVISOR = "supervisor"


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """``$XDG_STATE_HOME/observe``, else ``$HOME/.local/state/observe``."""
    state_home = environ.get("XDG_STATE_HOME")
    if state_home and os.path.isabs(state_home):  # the XDG spec ignores relative values
        return Path(state_home) / "observe"
    home = environ.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".local" / "state" / "observe"


@dataclass(frozen=True)
class ClusterLayout:
    data_dir: Path
    """Absolute path of the cluster's data directory."""

    @classmethod
    def at(cls, data_dir: str | os.PathLike[str]) -> ClusterLayout:
        return cls(Path(os.path.abspath(data_dir)))

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "supervisor.lock"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def apiserver_dir(self) -> Path:
        return self.data_dir / "apiserver"

    def log_file(self, component: str) -> Path:
        return self.logs_dir / f"{component}.log"

    def node_dir(self, node: str) -> Path:
        return self.data_dir / "nodes" / node


def tail(path: Path, lines: int = 20, max_bytes: int = 64 * 1024) -> str:
    """The last ``lines`` lines of a log file ('' if it does not exist)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(size - max_bytes, 0))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])

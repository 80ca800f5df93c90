"""The ``--data-dir`` flag that ``up``, ``down`` and ``status`` share: which local cluster.

Default: ``$XDG_STATE_HOME/observe`` (``~/.local/state/observe``), see
:mod:`observe.supervisor.layout`.
"""

from __future__ import annotations

import argparse
import os

from observe.supervisor.layout import ClusterLayout, default_data_dir


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=None,
                        help="the cluster's directory (default: $XDG_STATE_HOME/observe, "
                             "else ~/.local/state/observe)")
    # No kubeconfig or apiserver client: these verbs run the cluster itself.
    parser.set_defaults(local=True)


def layout_of(args: argparse.Namespace) -> ClusterLayout:
    return ClusterLayout.at(args.data_dir or default_data_dir(os.environ))

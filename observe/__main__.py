"""``observe`` / ``python -m observe``: component entry points and the kubectl-like CLI.

Components are named explicitly here; each reads its own flags in its ``main(argv)``. Every
other first word is a CLI verb.
"""

from __future__ import annotations

import importlib
import sys

COMPONENTS = {
    "kubelet": "observe.kubelet.main",
    "controller-manager": "observe.controllers.main",
    "proxy": "observe.proxy.main",
    "apiserver": "observe.apiserver.main",
    "node-exporter": "exporters.node.main",
    "pod-exporter": "exporters.state.main",
    "scheduler": "observe.scheduler.main",
    "shipper": "observe.shipper.main",
    "events-exporter": "observe.eventsexporter.main",
    "prometheus-sd": "observe.monitoring.sd_main",
    "alertmanager": "observe.monitoring.alertmanager_main",
    "prometheus": "observe.monitoring.prometheus_main",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMPONENTS:
        module = importlib.import_module(COMPONENTS[argv[0]])
        return module.main(argv[1:])
    from observe.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())

"""Server-side tables (meta.k8s.io/v1 ``Table``): what ``kubectl get`` prints.

kube-apiserver renders ``kubectl get`` columns itself; without them kubectl 1.20 falls back to
NAME and AGE only. This package reproduces the 1.32 printers for every kind observe serves:

    table.py        build_table() and the (group, kind) -> Printer registry
    columns.py      Column and Printer
    cells.py        tolerant object readers and the printers' shared formatting
    duration.py     human_duration(), the AGE format
    descriptions.py column descriptions (API field documentation)
    pods.py core.py apps.py batch.py autoscaling.py coordination.py discovery.py policy.py
                    one module of printers per API group (Pod on its own)
"""

from observe.api.tables.columns import Column, Printer
from observe.api.tables.duration import human_duration
from observe.api.tables.pods import PodSummary, summarize_pod
from observe.api.tables.table import PRINTERS, build_table, default_printers

__all__ = ["PRINTERS", "Column", "PodSummary", "Printer", "build_table", "default_printers",
           "human_duration", "summarize_pod"]

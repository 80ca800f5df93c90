"""Alignment must match Go's text/tabwriter byte for byte (outputs recorded from kubectl)."""

from __future__ import annotations

import pytest

from observe.cli.tabwriter import DESCRIBE, TABLE, ColumnMemory, align


@pytest.mark.parametrize(
    ("name", "text", "layout", "want"),
    [
        ("get deploy -o wide",
         "NAME\tREADY\tUP-TO-DATE\tAVAILABLE\tAGE\tCONTAINERS\tIMAGES\tSELECTOR\n"
         "web\t2/2\t2\t2\t10s\tapp,sidecar\tpython:3.11,busybox\tapp=web",
         TABLE,
         "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS    IMAGES"
         "                SELECTOR\n"
         "web    2/2     2            2           10s   app,sidecar   python:3.11,busybox"
         "   app=web"),
        ("minimum width 6 applies to short columns",
         "A\tB\nx\ty", TABLE, "A     B\nx     y"),
        ("last cell is never padded", "NAME\tAGE\nlong-name\t1s", TABLE,
         "NAME        AGE\nlong-name   1s"),
        ("rollout history uses padding 2",
         "REVISION\tCHANGE-CAUSE\n1\t<none>\n2\t<none>", DESCRIBE,
         "REVISION  CHANGE-CAUSE\n1         <none>\n2         <none>"),
        ("a line without a cell ends the column block",
         "Name:\tweb\nNamespace:\tdefault\nContainers:\n  app:\n    Image:\tx\n"
         "    Restart Count:\t0",
         DESCRIBE,
         "Name:       web\nNamespace:  default\nContainers:\n  app:\n"
         "    Image:          x\n    Restart Count:  0"),
        ("nested blocks size each column over its own lines",
         "  Type\tStatus\tReason\n  ----\t------\t------\n"
         "  Available \tTrue\tMinimumReplicasAvailable\n"
         "  Progressing \tTrue\tNewReplicaSetAvailable\n"
         "OldReplicaSets:\t<none>\nNewReplicaSet:\tweb-abc (3/3 replicas created)",
         DESCRIBE,
         "  Type           Status  Reason\n"
         "  ----           ------  ------\n"
         "  Available      True    MinimumReplicasAvailable\n"
         "  Progressing    True    NewReplicaSetAvailable\n"
         "OldReplicaSets:  <none>\n"
         "NewReplicaSet:   web-abc (3/3 replicas created)"),
    ],
)
def test_align_matches_kubectl(name: str, text: str, layout, want: str) -> None:
    assert align(text, layout) == want, name


def test_column_memory_keeps_header_widths_for_later_rows() -> None:
    memory = ColumnMemory()
    first = memory.format([["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                           ["web-b810b1b8f3-2ad45", "2/2", "Running", "0", "10s"]])
    later = memory.format([["web-b810b1b8f3-2ad45", "2/2", "Running", "0", "10s"]])
    assert first[0] == "NAME                   READY   STATUS    RESTARTS   AGE"
    assert later == ["web-b810b1b8f3-2ad45   2/2     Running   0          10s"]


def test_column_memory_widens_a_column_that_no_longer_fits() -> None:
    memory = ColumnMemory()
    memory.format([["NAME", "AGE"], ["a", "1s"]])
    assert memory.format([["a-much-longer-name", "2s"]]) == ["a-much-longer-name   2s"]
    assert memory.format([["b", "3s"]]) == ["b                    3s"]

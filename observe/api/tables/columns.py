"""What a printer is: its column definitions and the function that fills one row.

Every printer module of this package builds :class:`Printer` values from these pieces; the
registry in :mod:`observe.api.tables.table` maps ``(group, kind)`` to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from observe.api.tables.descriptions import DOCS


@dataclass(frozen=True)
class Column:
    """A metav1.TableColumnDefinition. ``priority`` 0 columns show by default, higher ones
    only with ``kubectl get -o wide``."""

    name: str
    description: str = ""
    type: str = "string"
    priority: int = 0
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "format": self.format,
                "description": self.description, "priority": self.priority}


def wide(name: str, description: str = "", type: str = "string") -> Column:
    return Column(name, description, type, priority=1)


NAME = Column("Name", DOCS["ObjectMeta.name"], format="name")
AGE = Column("Age", DOCS["ObjectMeta.creationTimestamp"])
CONTAINERS = wide("Containers", "Names of each container in the template.")
IMAGES = wide("Images", "Images referenced by each container in the template.")

Cells = Callable[[dict, datetime], list[Any]]


@dataclass(frozen=True)
class Printer:
    """Columns plus ``cells(obj, now)`` giving one value per column, in order (the server
    always sends the wide set; kubectl hides priority>0 columns itself). ``conditions``
    optionally gives a row's metav1.TableRowCondition list."""

    columns: tuple[Column, ...]
    cells: Cells
    conditions: Callable[[dict], list[dict[str, str]]] | None = None

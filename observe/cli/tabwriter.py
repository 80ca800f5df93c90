"""Column alignment with the rules of Go's ``text/tabwriter``, which kubectl prints through.

Every human-readable kubectl output (tables, ``describe``, ``rollout history``) is text with
tab-separated cells handed to a tabwriter, so matching its alignment rules is what makes our
output line up byte for byte with kubectl's:

- a cell is the text before a tab; the text after a line's last tab is not a cell and is
  printed as it is (so the last column is never padded);
- a *column block* is a run of consecutive lines that all have a cell in that column; each
  block gets its own width, ``max(minwidth, widest cell + padding)``;
- blocks nest: inside the lines of one block, the next column forms blocks of its own.

The printers and describers build tab-separated text; this module only aligns it.
"""

from __future__ import annotations

from dataclasses import dataclass

# kubectl's table printer (printers.GetNewTabWriter) and its describers (tabbedString).
TABLE_MINWIDTH, TABLE_PADDING = 6, 3
DESCRIBE_MINWIDTH, DESCRIBE_PADDING = 0, 2


@dataclass(frozen=True)
class Layout:
    minwidth: int = TABLE_MINWIDTH
    padding: int = TABLE_PADDING


TABLE = Layout(TABLE_MINWIDTH, TABLE_PADDING)
DESCRIBE = Layout(DESCRIBE_MINWIDTH, DESCRIBE_PADDING)


def align(text: str, layout: Layout = TABLE) -> str:
    """Align tab-separated ``text`` the way a Go tabwriter does and return it."""
    lines = text.split("\n")
    cells = [line.split("\t") for line in lines]
    out: list[str] = []
    _format(cells, 0, len(cells), [], layout, out)
    return "\n".join(out)


def _format(
    cells: list[list[str]],
    start: int,
    end: int,
    widths: list[int],
    layout: Layout,
    out: list[str],
) -> None:
    """Emit lines ``start:end`` whose first ``len(widths)`` columns are already sized."""
    column = len(widths)
    line = start
    while line < end:
        if column >= len(cells[line]) - 1:
            # No cell in this column: the line is fully sized by the enclosing blocks.
            out.append(_render(cells[line], widths))
            line += 1
            continue
        block_end = line
        width = layout.minwidth
        while block_end < end and column < len(cells[block_end]) - 1:
            width = max(width, len(cells[block_end][column]) + layout.padding)
            block_end += 1
        _format(cells, line, block_end, [*widths, width], layout, out)
        line = block_end


def _render(row: list[str], widths: list[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
    return "".join(padded) + row[-1]


class ColumnMemory:
    """Pads rows printed one at a time (``get -w``) to the widths of what came before.

    kubectl's watch output lines up under the header it printed first; each later row keeps
    those widths and only widens a column that no longer fits.
    """

    def __init__(self, layout: Layout = TABLE) -> None:
        self._layout = layout
        self._widths: list[int] = []

    def format(self, rows: list[list[str]]) -> list[str]:
        for row in rows:
            for i, cell in enumerate(row[:-1]):
                need = max(self._layout.minwidth, len(cell) + self._layout.padding)
                if i >= len(self._widths):
                    self._widths.append(need)
                elif need > self._widths[i]:
                    self._widths[i] = need
        return [_render(row, self._widths) for row in rows]

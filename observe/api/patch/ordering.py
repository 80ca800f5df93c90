"""Final element order of a merged list, as kube-apiserver computes it.

After a merging list is patched, its elements fall in two groups: those the patch names (in
the patch list, or in ``$setElementOrder``) and those only the server had. Each group keeps its
own order (patch order, server order) and the two are interleaved: a server-only element is
placed before a patch element exactly when the server list had it earlier; a patch element the
server did not have goes first. So a new element without ``$setElementOrder`` lands at the front,
which is what kubectl users see from the real API server.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any


def _positions(keys: Iterable[Hashable]) -> dict[Hashable, int]:
    positions: dict[Hashable, int] = {}
    for index, key in enumerate(keys):
        positions.setdefault(key, index)
    return positions


def arrange(
    items: list[Any],
    key_of: Callable[[Any], Hashable],
    patch_order: Iterable[Hashable],
    server_order: Iterable[Hashable],
) -> list[Any]:
    """``items`` reordered: those whose key is in ``patch_order`` follow it, the rest follow
    ``server_order``, and the two sequences interleave by ``server_order`` where both are in it."""
    wanted = _positions(patch_order)
    served = _positions(server_order)
    ours = sorted((i for i in items if key_of(i) in wanted), key=lambda i: wanted[key_of(i)])
    theirs = sorted((i for i in items if key_of(i) not in wanted),
                    key=lambda i: served.get(key_of(i), len(served)))
    out: list[Any] = []
    mine = 0
    for item in ours:
        here = served.get(key_of(item))
        while mine < len(theirs):
            there = served.get(key_of(theirs[mine]))
            if here is None or there is None or there >= here:
                break
            out.append(theirs[mine])
            mine += 1
        out.append(item)
    out.extend(theirs[mine:])
    return out

"""Start and stop order from the components' ``depends_on``.

Components start in dependency order (the registry's order among independent ones) and
stop in reverse, level by level: everything nothing else depends on first, all of one level
at once, so ``down`` with many kubelets does not wait for them one after another.
"""

from __future__ import annotations

from collections.abc import Sequence

from observe.supervisor.specs import ComponentSpec


class OrderError(ValueError):
    """The dependencies name a missing component or form a cycle."""


def levels(specs: Sequence[ComponentSpec]) -> dict[str, int]:
    """Each component's depth: 0 without dependencies, else one more than its deepest."""
    by_name = {s.name: s for s in specs}
    depth: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(name: str, wanted_by: str) -> int:
        if name not in by_name:
            raise OrderError(f"{wanted_by} depends on {name}, which is not a component")
        if name in depth:
            return depth[name]
        if name in visiting:
            raise OrderError(f"dependency cycle through {name}")
        visiting.add(name)
        deps = by_name[name].depends_on
        depth[name] = 1 + max((visit(d, name) for d in deps), default=-1)
        visiting.discard(name)
        return depth[name]

    for spec in specs:
        visit(spec.name, spec.name)
    return depth


def start_order(specs: Sequence[ComponentSpec]) -> list[ComponentSpec]:
    """Dependencies first; otherwise the order given."""
    depth = levels(specs)
    position = {s.name: i for i, s in enumerate(specs)}
    return sorted(specs, key=lambda s: (depth[s.name], position[s.name]))


def stop_levels(specs: Sequence[ComponentSpec]) -> list[list[str]]:
    """Groups of names to stop together, first group first: the reverse of start order."""
    depth = levels(specs)
    groups: dict[int, list[str]] = {}
    for spec in start_order(specs):
        groups.setdefault(depth[spec.name], []).append(spec.name)
    return [groups[d] for d in sorted(groups, reverse=True)]

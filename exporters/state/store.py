"""kube-state-metrics' metrics store: each object's metrics rendered once, when it changes.

A :class:`KindStore` is fed by one informer's handlers (add, update, delete) and keeps, per
object, one block of exposition text per family. A scrape then only concatenates blocks:
for each family its header, then that family's block of every object, so series of one
family stay together as the text format wants. The header of a family is written whenever
the kind has at least one object, even if no object has a series in it, as ksm does.

A family whose generator fails on some odd object loses that object's series (logged once
per family); the other families, objects and kinds are unaffected.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from exporters.state.exposition import FamilyGenerator, Object, render_labels, render_samples
from exporters.state.metrics.kind import Kind
from observe.client.cache import object_key

log = logging.getLogger(__name__)

Blocks = tuple[bytes, ...]


class KindStore:
    """The rendered metrics of every object of one kind."""

    def __init__(self, kind: Kind, families: Sequence[FamilyGenerator]) -> None:
        self.kind = kind
        self.families = tuple(families)
        self.headers = tuple(f.header.encode() for f in self.families)
        self._blocks: dict[str, Blocks] = {}
        self._failed: set[str] = set()

    def __len__(self) -> int:
        return len(self._blocks)

    def render(self, obj: Object) -> Blocks:
        """One block per family for ``obj`` (``b""`` where it has no series)."""
        identity = render_labels(self.kind.identity(obj))
        blocks = []
        for family in self.families:
            try:
                samples = family.generate(obj)
            except Exception:
                if family.name not in self._failed:
                    self._failed.add(family.name)
                    log.exception("%s: cannot compute %s for %s; leaving its series out",
                                  self.kind.resource, family.name, object_key(obj))
                samples = ()
            blocks.append(render_samples(family.name, identity, samples).encode()
                          if samples else b"")
        return tuple(blocks)

    # Informer handlers.

    def add(self, obj: Object) -> None:
        self._blocks[object_key(obj)] = self.render(obj)

    def update(self, old: Object, new: Object) -> None:
        self.add(new)

    def delete(self, obj: Object) -> None:
        self._blocks.pop(object_key(obj), None)

    def chunks(self) -> Iterator[bytes]:
        """The kind's exposition, one chunk per header and per family body.

        The set of objects is taken when iteration starts, so a scrape that interleaves with
        informer events still shows each object in every family or in none.
        """
        objects = list(self._blocks.values())
        if not objects:
            return
        for index, header in enumerate(self.headers):
            yield header
            body = b"".join([blocks[index] for blocks in objects])
            if body:
                yield body

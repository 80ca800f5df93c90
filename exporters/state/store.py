"""kube-state-metrics' metrics store: each object's metrics rendered once, when it changes.

Like ksm, the exporter keeps no Kubernetes objects: as objects arrive from a list or a watch,
:meth:`KindRenderer.render` turns each into a :class:`RenderedObject`, a dict holding only
what an informer's cache needs (``metadata.name``, ``namespace``, ``resourceVersion``) plus,
outside the dict, one block of exposition text per family. The informer's cache of those
*is* the metrics store; a scrape (:meth:`KindRenderer.exposition`) only concatenates blocks: for
each family its header, then that family's block of every object, so the series of one
family stay together as the text format wants. The header of a family is written whenever
the kind has at least one object, even if no object has a series in it, as ksm does. Each
object also knows how many bytes its blocks make once filled in, so a whole scrape's length
is known before it is written.

To keep 30,000 pods' worth of text small, every line of a block starts with a NUL byte
standing for the family name, ``{`` and the object's identity labels
(``kube_pod_info{namespace="…",pod="…",uid="…"``), which the scrape fills in; label values
never contain NUL (:func:`~exporters.state.exposition.escape_label_value`).

A family whose generator fails on some odd object loses that object's series (logged once
per family); the other families, objects and kinds are unaffected.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from exporters.state.exposition import FamilyGenerator, Object, render_after, render_labels
from exporters.state.metrics.kind import Kind
from observe.client.cache import object_key

log = logging.getLogger(__name__)

LINE_MARK = "\0"
_MARK = LINE_MARK.encode()
_NO_BLOCKS: tuple[bytes, ...] = ()
# Objects whose blocks of one family are joined into one chunk: a few hundred KiB of text.
OBJECTS_PER_CHUNK = 2048


class RenderedObject(dict):
    """What the informer caches in place of an object: its identifying metadata (so the
    cache can key it and notice changes) and, as attributes, its rendered metrics and how
    many bytes of exposition they make once filled in."""

    __slots__ = ("blocks", "identity", "present", "size")

    def __init__(self, obj: Object, identity: bytes, blocks: tuple[bytes, ...],
                 size: int) -> None:
        meta = obj.get("metadata") or {}
        super().__init__({key: obj[key] for key in ("apiVersion", "kind") if key in obj})
        self["metadata"] = {key: meta[key] for key in ("name", "namespace", "resourceVersion")
                            if key in meta}
        self.identity = identity
        self.blocks = blocks
        self.size = size
        # Bit i set: the object has series in family i (a scrape skips families none has).
        self.present = sum(1 << i for i, block in enumerate(blocks) if block)


@dataclass(frozen=True)
class Exposition:
    """Exposition text about to be written: its exact length, so it can go out with a
    Content-Length, and the chunks that make it up."""

    size: int
    chunks: Iterable[bytes]


class KindRenderer:
    """Renders one kind's objects and writes the exposition of a set of them."""

    def __init__(self, kind: Kind, families: Sequence[FamilyGenerator]) -> None:
        self.kind = kind
        self.families = tuple(families)
        self.headers = tuple(f.header.encode() for f in self.families)
        self._openings = tuple(f"{f.name}{{".encode() for f in self.families)
        self._failed: set[str] = set()

    def render(self, obj: Object) -> RenderedObject:
        """``obj`` reduced to its metadata and its blocks (``b""`` where a family has no
        series for it)."""
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
            blocks.append(render_after(LINE_MARK, samples).encode() if samples else b"")
        identity = render_labels(self.kind.identity(obj)).encode()
        size = sum(len(block) + block.count(_MARK) * (len(opening) + len(identity) - 1)
                   for block, opening in zip(blocks, self._openings, strict=True) if block)
        return RenderedObject(obj, identity, tuple(blocks), size)

    def exposition(self, objects: Iterable[Object]) -> Exposition:
        """The exposition of ``objects`` as cached, taken now: later changes to the cache do
        not show in it. Objects not rendered by :meth:`render` are skipped."""
        rendered = [o for o in objects if isinstance(o, RenderedObject) and o.blocks]
        if not rendered:
            return Exposition(0, ())
        size = sum(map(len, self.headers)) + sum(o.size for o in rendered)
        return Exposition(size, self._chunks(rendered))

    def _chunks(self, rendered: list[RenderedObject]) -> Iterator[bytes]:
        """Each header, then its family's lines a slice of objects at a time (so a scrape
        never holds a whole family's text at once)."""
        present = 0
        for o in rendered:
            present |= o.present
        for index, header in enumerate(self.headers):
            yield header
            if not present >> index & 1:
                continue
            opening = self._openings[index]
            for start in range(0, len(rendered), OBJECTS_PER_CHUNK):
                body = b"".join([block.replace(_MARK, opening + o.identity)
                                 for o in rendered[start:start + OBJECTS_PER_CHUNK]
                                 if (block := o.blocks[index])])
                if body:
                    yield body

    def text(self, obj: Object) -> str:
        """One object's exposition, headers included (for tests and debugging)."""
        return b"".join(self.exposition([self.render(obj)]).chunks).decode()


def deleted_stub(obj: Object) -> RenderedObject:
    """A deleted object needs no metrics, only the key the cache removes it by."""
    return RenderedObject(obj, b"", _NO_BLOCKS, 0)


def concatenate(parts: Iterable[Exposition]) -> Exposition:
    """Several expositions (one per kind) as one."""
    parts = list(parts)
    return Exposition(sum(p.size for p in parts),
                      itertools.chain.from_iterable(p.chunks for p in parts))

"""The unit that travels from the pipeline to an output and back as an acknowledgement.

A :class:`Record` is one log record ready to send: its JSON document, the index it goes to,
its deterministic ``_id`` (:func:`observe.shipper.fields.document_id`), and the file state
and offset to acknowledge when the output has it. Outputs only read ``index``, ``id`` and
``source``; the delivery loop owns the rest.
"""

from __future__ import annotations

from typing import Any


class Record:
    __slots__ = ("attempts", "file", "id", "index", "size", "source", "start")

    def __init__(self, file: Any, start: int, index: str, id: str, source: bytes) -> None:
        self.file = file  # the FileState to acknowledge on (None for records of no file)
        self.start = start
        self.index = index
        self.id = id
        self.source = source
        # What the record counts against the memory budget, fixed even if the source is
        # rewritten (see Delivery's repair).
        self.size = len(source)
        self.attempts = 0

    def __repr__(self) -> str:
        return f"<Record {self.index}/{self.id} {self.source[:60]!r}>"

"""The Lease printer (coordination.k8s.io): who holds each lease."""

from __future__ import annotations

from observe.api.tables.cells import age, name, text
from observe.api.tables.columns import AGE, NAME, Column, Printer
from observe.api.tables.descriptions import DOCS

LEASE = Printer(
    (NAME, Column("Holder", DOCS["LeaseSpec.holderIdentity"]), AGE),
    lambda lease, now: [name(lease), text(lease, "spec", "holderIdentity"), age(lease, now)],
)

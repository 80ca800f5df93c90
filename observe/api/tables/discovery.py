"""The EndpointSlice printer (discovery.k8s.io): address type, ports and endpoints."""

from __future__ import annotations

from datetime import datetime

from observe.api.tables.cells import age, dicts, get, items, list_with_more, name, text
from observe.api.tables.columns import AGE, NAME, Column, Printer
from observe.api.tables.descriptions import DOCS


def _port(port: dict) -> str:
    number = get(port, "port")
    if isinstance(number, int) and not isinstance(number, bool):
        return str(number)
    return text(port, "name") if isinstance(get(port, "name"), str) else "*"


def _listed(values: list[str]) -> str:
    return list_with_more(values) or "<unset>"


def _endpoint_slice_cells(slice_: dict, now: datetime) -> list:
    addresses = [a for e in dicts(slice_, "endpoints") for a in items(e, "addresses")
                 if isinstance(a, str)]
    return [name(slice_), text(slice_, "addressType"),
            _listed([_port(p) for p in dicts(slice_, "ports")]), _listed(addresses),
            age(slice_, now)]


ENDPOINT_SLICE = Printer(
    (NAME, Column("AddressType", DOCS["EndpointSlice.addressType"]),
     Column("Ports", DOCS["EndpointSlice.ports"]),
     Column("Endpoints", DOCS["EndpointSlice.endpoints"]), AGE),
    _endpoint_slice_cells,
)

"""core/v1 Endpoints: the addresses behind a Service, written by the endpoints controller.
Ports default to TCP; every address needs a valid IP.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.fields import objects, set_default_if_empty
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_list,
    dict_items,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    enum_field,
    int_field,
    ip_errors,
    required,
    string_field,
)

PROTOCOLS = ("SCTP", "TCP", "UDP")


def default_endpoints(obj: dict) -> None:
    for subset in objects(obj, "subsets"):
        for port in objects(subset, "ports"):
            set_default_if_empty(port, "protocol", "TCP")


def validate_endpoints(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    subsets = as_list(obj.get("subsets"), "subsets", causes)
    for _, subset, path in dict_items(subsets, "subsets", causes):
        ready = as_list(subset.get("addresses"), f"{path}.addresses", causes)
        not_ready = as_list(subset.get("notReadyAddresses"), f"{path}.notReadyAddresses",
                            causes)
        if not ready and not not_ready:
            causes.append(required(path, "must specify `addresses` or `notReadyAddresses`"))
        for key, addresses in (("addresses", ready), ("notReadyAddresses", not_ready)):
            for _, address, address_path in dict_items(addresses, f"{path}.{key}", causes):
                causes += _validate_address(address, address_path)
        # Ports are optional: a headless Service without ports has portless subsets.
        ports = as_list(subset.get("ports"), f"{path}.ports", causes)
        for _, port, port_path in dict_items(ports, f"{path}.ports", causes):
            if len(ports) > 1 and not port.get("name"):
                causes.append(required(f"{port_path}.name"))
            causes += string_field(port.get("name"), f"{port_path}.name",
                                   check=dns1123_label_errors)
            causes += int_field(port.get("port", 0), f"{port_path}.port", minimum=1,
                                maximum=65535)
            causes += enum_field(port.get("protocol"), f"{port_path}.protocol", PROTOCOLS,
                                 required_=True)
    return causes


def _validate_address(address: dict, path: str) -> list[Cause]:
    causes = string_field(address.get("ip"), f"{path}.ip", required_=True, check=ip_errors)
    causes += string_field(address.get("hostname"), f"{path}.hostname",
                           check=dns1123_label_errors)
    causes += string_field(address.get("nodeName"), f"{path}.nodeName",
                           check=dns1123_subdomain_errors)
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_endpoints, rules=validate_endpoints)

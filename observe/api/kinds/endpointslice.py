"""discovery.k8s.io/v1 EndpointSlice: a slice of a Service's endpoints of one address type
(which never changes). Ports default to TCP with an empty name, as upstream writes them.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.fields import objects, set_default
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_dict,
    as_list,
    bool_field,
    dict_items,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    duplicate,
    enum_field,
    immutable,
    int_field,
    invalid,
    ip_errors,
    label_value_errors,
    qualified_name_errors,
    required,
    string_field,
    type_error,
    validate_labels,
)

ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
PROTOCOLS = ("SCTP", "TCP", "UDP")
MAX_ADDRESSES = 100


def default_endpoint_slice(obj: dict) -> None:
    for port in objects(obj, "ports"):
        set_default(port, "name", "")
        set_default(port, "protocol", "TCP")


def validate_endpoint_slice(obj: dict) -> list[Cause]:
    address_type = obj.get("addressType")
    causes = enum_field(address_type, "addressType", ADDRESS_TYPES, required_=True)
    endpoints = as_list(obj.get("endpoints"), "endpoints", causes)
    for _, endpoint, path in dict_items(endpoints, "endpoints", causes):
        causes += _validate_endpoint(endpoint, path, address_type)
    names: set[str] = set()
    for _, port, path in dict_items(as_list(obj.get("ports"), "ports", causes), "ports", causes):
        name = port.get("name")
        name_causes = string_field(name, f"{path}.name", check=dns1123_label_errors)
        causes += name_causes
        if not name_causes:
            if name in names:
                causes.append(duplicate(f"{path}.name", name))
            names.add(name)
        causes += enum_field(port.get("protocol"), f"{path}.protocol", PROTOCOLS, required_=True)
        causes += int_field(port.get("port"), f"{path}.port", minimum=1, maximum=65535)
        causes += string_field(port.get("appProtocol"), f"{path}.appProtocol",
                               check=qualified_name_errors)
    return causes


def _address_errors(address_type: object):
    if address_type in ("IPv4", "IPv6"):
        return lambda value: ip_errors(value, str(address_type))
    if address_type == "FQDN":
        return dns1123_subdomain_errors
    return None


def _validate_endpoint(endpoint: dict, path: str, address_type: object) -> list[Cause]:
    causes: list[Cause] = []
    addresses = as_list(endpoint.get("addresses"), f"{path}.addresses", causes)
    if not addresses:
        causes.append(required(f"{path}.addresses", "must contain at least 1 address"))
    elif len(addresses) > MAX_ADDRESSES:
        causes.append(Cause(f"{path}.addresses", f"Too many: {len(addresses)}: must have at "
                            f"most {MAX_ADDRESSES} items", "FieldValueTooMany"))
    check = _address_errors(address_type)
    for i, address in enumerate(addresses):
        if not isinstance(address, str):
            causes.append(type_error(f"{path}.addresses[{i}]", address, "string"))
        elif check is not None:
            causes += [invalid(f"{path}.addresses[{i}]", address, m) for m in check(address)]
    conditions = as_dict(endpoint.get("conditions"), f"{path}.conditions", causes)
    for key in ("ready", "serving", "terminating"):
        causes += bool_field(conditions.get(key), f"{path}.conditions.{key}")
    causes += string_field(endpoint.get("nodeName"), f"{path}.nodeName",
                           check=dns1123_subdomain_errors)
    causes += string_field(endpoint.get("hostname"), f"{path}.hostname",
                           check=dns1123_label_errors)
    causes += string_field(endpoint.get("zone"), f"{path}.zone", check=label_value_errors)
    causes += validate_labels(endpoint.get("deprecatedTopology"), f"{path}.deprecatedTopology")
    return causes


def validate_endpoint_slice_update(new: dict, old: dict) -> list[Cause]:
    if new.get("addressType") != old.get("addressType"):
        return [immutable("addressType", new.get("addressType"))]
    return []


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_endpoint_slice,
                          rules=validate_endpoint_slice,
                          update_rules=validate_endpoint_slice_update)

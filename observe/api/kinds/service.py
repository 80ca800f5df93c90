"""core/v1 Service: ``SetDefaults_Service`` plus the IP-family fields kube-apiserver's
service storage fills, ``ValidateService``, and the clusterIP that never changes once set.

Allocating clusterIPs and nodePorts is the apiserver's job; ``carry_over_allocations`` keeps
them when a full replace (``kubectl replace``, PUT) leaves them out, as upstream does.
"""

from __future__ import annotations

from observe.api.errors import Cause
from observe.api.kinds.fields import child, existing, objects, set_default, set_default_if_empty
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_dict,
    as_list,
    dict_items,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    duplicate,
    enum_field,
    forbidden,
    format_value,
    int_field,
    int_or_port_name_field,
    invalid,
    ip_errors,
    is_int,
    qualified_name_errors,
    required,
    string_field,
    type_error,
    validate_labels,
)

TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
AFFINITIES = ("ClientIP", "None")
PROTOCOLS = ("SCTP", "TCP", "UDP")
FAMILIES = ("IPv4", "IPv6")
FAMILY_POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")
TRAFFIC_POLICIES = ("Cluster", "Local")
CLIENT_IP_TIMEOUT = 10800
MAX_CLIENT_IP_TIMEOUT = 86400


def externally_accessible(spec: dict) -> bool:
    return spec.get("type") in ("LoadBalancer", "NodePort") or bool(spec.get("externalIPs"))


def default_service(obj: dict) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default_if_empty(spec, "type", "ClusterIP")
    set_default_if_empty(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = child(child(spec, "sessionAffinityConfig"), "clientIP")
        set_default(client_ip, "timeoutSeconds", CLIENT_IP_TIMEOUT)
    for port in objects(spec, "ports"):
        set_default_if_empty(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if externally_accessible(spec):
        set_default_if_empty(spec, "externalTrafficPolicy", "Cluster")
    if spec["type"] in ("ClusterIP", "NodePort", "LoadBalancer"):
        set_default_if_empty(spec, "internalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        set_default(spec, "allocateLoadBalancerNodePorts", True)
    _default_cluster_ips(spec)


def _default_cluster_ips(spec: dict) -> None:
    """Keep ``clusterIP`` and ``clusterIPs`` in step and name the IP family (what the
    service storage does; this cluster is single-stack)."""
    if spec["type"] == "ExternalName":
        return
    cluster_ip, cluster_ips = spec.get("clusterIP"), spec.get("clusterIPs")
    if cluster_ip and not cluster_ips:
        spec["clusterIPs"] = [cluster_ip]
    elif cluster_ips and isinstance(cluster_ips, list) and not cluster_ip:
        spec["clusterIP"] = cluster_ips[0]
    set_default_if_empty(spec, "ipFamilyPolicy", "SingleStack")
    primary = spec.get("clusterIP")
    family = "IPv6" if isinstance(primary, str) and ":" in primary else "IPv4"
    set_default(spec, "ipFamilies", [family])


def carry_over_allocations(new: dict, old: dict) -> None:
    """Keep the clusterIP(s), nodePorts and healthCheckNodePort a replace omitted."""
    new_spec, old_spec = existing(new, "spec"), existing(old, "spec")
    if new_spec is None or old_spec is None or "ExternalName" in (
            new_spec.get("type"), old_spec.get("type")):
        return
    for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy",
                "healthCheckNodePort"):
        if not new_spec.get(key) and old_spec.get(key):
            new_spec[key] = old_spec[key]
    old_node_ports = {_port_key(p): p.get("nodePort") for p in objects(old_spec, "ports")
                      if p.get("nodePort")}
    for port in objects(new_spec, "ports"):
        if not port.get("nodePort") and _port_key(port) in old_node_ports:
            port["nodePort"] = old_node_ports[_port_key(port)]


def _port_key(port: dict, number_key: str = "port") -> str:
    """(port, protocol) as one hashable key, whatever types a client sent."""
    return format_value([port.get(number_key), port.get("protocol") or "TCP"])


# --------------------------------------------------------------------------------------------
# validation


def validate_service(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    spec = as_dict(obj.get("spec"), "spec", causes)
    kind = spec.get("type")
    causes += enum_field(kind, "spec.type", TYPES, required_=True)
    headless = spec.get("clusterIP") == "None"
    ports = as_list(spec.get("ports"), "spec.ports", causes)
    if not ports and not headless and kind != "ExternalName":
        causes.append(required("spec.ports"))
    causes += _validate_ports(ports, kind)
    if kind in ("NodePort", "LoadBalancer") and headless:
        causes.append(invalid("spec.clusterIPs[0]", "None",
                              f"may not be set to 'None' for {kind} services"))
    if kind == "ExternalName":
        causes += _validate_external_name(spec)
    else:
        causes += _validate_cluster_ips(spec)
    if spec.get("selector") is not None:
        causes += validate_labels(spec.get("selector"), "spec.selector")
    causes += _validate_affinity(spec)
    for i, ip in enumerate(as_list(spec.get("externalIPs"), "spec.externalIPs", causes)):
        causes += string_field(ip, f"spec.externalIPs[{i}]", required_=True, check=ip_errors)
    causes += enum_field(spec.get("externalTrafficPolicy"), "spec.externalTrafficPolicy",
                         TRAFFIC_POLICIES)
    if spec.get("externalTrafficPolicy") and not externally_accessible(spec):
        causes.append(invalid("spec.externalTrafficPolicy", spec["externalTrafficPolicy"],
                              "may only be set for externally-accessible services"))
    causes += enum_field(spec.get("internalTrafficPolicy"), "spec.internalTrafficPolicy",
                         TRAFFIC_POLICIES)
    causes += int_field(spec.get("healthCheckNodePort"), "spec.healthCheckNodePort",
                        minimum=0, maximum=65535)
    return causes


def _validate_ports(ports: list, kind: object) -> list[Cause]:
    causes: list[Cause] = []
    names: set[str] = set()
    seen_ports: set[str] = set()
    seen_node_ports: set[str] = set()
    for _, port, path in dict_items(ports, "spec.ports", causes):
        name = port.get("name")
        if len(ports) > 1 and not name:
            causes.append(required(f"{path}.name"))
        elif name:
            name_causes = string_field(name, f"{path}.name", check=dns1123_label_errors)
            causes += name_causes
            if not name_causes:
                if name in names:
                    causes.append(duplicate(f"{path}.name", name))
                names.add(name)
        number = port.get("port", 0)
        causes += int_field(number, f"{path}.port", minimum=1, maximum=65535)
        protocol = port.get("protocol")
        causes += enum_field(protocol, f"{path}.protocol", PROTOCOLS, required_=True)
        if port.get("targetPort") is not None:
            causes += int_or_port_name_field(port["targetPort"], f"{path}.targetPort")
        causes += string_field(port.get("appProtocol"), f"{path}.appProtocol",
                               check=qualified_name_errors)
        node_port = port.get("nodePort")
        causes += int_field(node_port, f"{path}.nodePort", minimum=0, maximum=65535)
        if node_port and kind == "ClusterIP":
            causes.append(forbidden(f"{path}.nodePort",
                                    "may not be used when `type` is 'ClusterIP'"))
        if is_int(node_port) and node_port:
            if _port_key(port, "nodePort") in seen_node_ports:
                causes.append(duplicate(f"{path}.nodePort", node_port))
            seen_node_ports.add(_port_key(port, "nodePort"))
        if is_int(number):
            if _port_key(port) in seen_ports:
                causes.append(duplicate(path, {"port": number, "protocol": protocol}))
            seen_ports.add(_port_key(port))
    return causes


def _validate_external_name(spec: dict) -> list[Cause]:
    causes: list[Cause] = []
    for key in ("clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        if spec.get(key):
            causes.append(forbidden(f"spec.{key}", "may not be set for ExternalName services"))
    name = spec.get("externalName")
    if not isinstance(name, str) or not name.rstrip("."):
        causes.append(required("spec.externalName") if not name
                      else type_error("spec.externalName", name, "string"))
    else:
        cname = name.removesuffix(".")
        causes += [invalid("spec.externalName", cname, m)
                   for m in dns1123_subdomain_errors(cname)]
    return causes


def _validate_cluster_ips(spec: dict) -> list[Cause]:
    causes: list[Cause] = []
    ip = spec.get("clusterIP")
    if ip not in (None, "", "None"):
        causes += string_field(ip, "spec.clusterIP", check=ip_errors)
    for i, item in enumerate(as_list(spec.get("clusterIPs"), "spec.clusterIPs", causes)):
        if item != "None":
            causes += string_field(item, f"spec.clusterIPs[{i}]", required_=True,
                                   check=ip_errors)
    for i, family in enumerate(as_list(spec.get("ipFamilies"), "spec.ipFamilies", causes)):
        causes += enum_field(family, f"spec.ipFamilies[{i}]", FAMILIES, required_=True)
    causes += enum_field(spec.get("ipFamilyPolicy"), "spec.ipFamilyPolicy", FAMILY_POLICIES)
    return causes


def _validate_affinity(spec: dict) -> list[Cause]:
    affinity = spec.get("sessionAffinity")
    causes = enum_field(affinity, "spec.sessionAffinity", AFFINITIES, required_=True)
    config = spec.get("sessionAffinityConfig")
    if affinity == "None" and config is not None:
        causes.append(forbidden("spec.sessionAffinityConfig",
                                "must not be set when session affinity is None"))
    elif affinity == "ClientIP":
        client_ip = as_dict(as_dict(config, "spec.sessionAffinityConfig", causes).get(
            "clientIP"), "spec.sessionAffinityConfig.clientIP", causes)
        causes += int_field(client_ip.get("timeoutSeconds"),
                            "spec.sessionAffinityConfig.clientIP.timeoutSeconds", minimum=1,
                            maximum=MAX_CLIENT_IP_TIMEOUT, required_=True)
    return causes


def validate_service_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = existing(new, "spec") or {}, existing(old, "spec") or {}
    if "ExternalName" in (new_spec.get("type"), old_spec.get("type")):
        return []
    causes: list[Cause] = []
    for key, message in (("clusterIPs", "may not change once set"),
                         ("ipFamilies", "may not change once set")):
        new_list, old_list = new_spec.get(key), old_spec.get(key)
        if isinstance(new_list, list) and isinstance(old_list, list) and new_list and \
                old_list and new_list[0] != old_list[0]:
            causes.append(invalid(f"spec.{key}[0]", new_list if key == "clusterIPs"
                                  else new_list[0], message))
    return causes


def strategy() -> KindStrategy:
    return build_strategy(namespaced=True, name_rule="rfc1035", defaults=default_service,
                          rules=validate_service, update_rules=validate_service_update,
                          initial_status={"loadBalancer": {}}, on_update=carry_over_allocations)

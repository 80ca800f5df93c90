"""Printers of the core group other than Pod: Node, Namespace, Service, Endpoints, Event,
ConfigMap, Secret, ServiceAccount, PersistentVolume and PersistentVolumeClaim.

Column sets and cell rules follow kube-apiserver 1.32's printers, so ``kubectl get`` output
reads as it does against a real cluster.
"""

from __future__ import annotations

from datetime import datetime

from observe.api.tables.cells import (
    age,
    dicts,
    format_labels,
    get,
    integer,
    items,
    list_with_more,
    mapping,
    name,
    or_none,
    quantity,
    text,
)
from observe.api.tables.columns import AGE, NAME, Column, Printer, wide
from observe.api.tables.descriptions import DOCS
from observe.api.tables.duration import UNKNOWN, since

# --- Node ---------------------------------------------------------------------------------

NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_ROLE_LABEL = "kubernetes.io/role"


def node_status(node: dict) -> str:
    """``Ready``, ``NotReady`` or ``Unknown``, plus ``SchedulingDisabled`` when cordoned."""
    ready = [c for c in dicts(node, "status", "conditions") if c.get("type") == "Ready"]
    if not ready:
        status = ["Unknown"]
    else:
        status = ["Ready" if ready[-1].get("status") == "True" else "NotReady"]
    if get(node, "spec", "unschedulable") is True:
        status.append("SchedulingDisabled")
    return ",".join(status)


def node_roles(node: dict) -> str:
    roles = set()
    for key, value in mapping(node, "metadata", "labels").items():
        if key.startswith(NODE_ROLE_PREFIX) and key[len(NODE_ROLE_PREFIX):]:
            roles.add(key[len(NODE_ROLE_PREFIX):])
        elif key == NODE_ROLE_LABEL and value:
            roles.add(value)
    return or_none(",".join(sorted(roles)))


def _node_address(node: dict, address_type: str) -> str:
    return next((text(a, "address") for a in dicts(node, "status", "addresses")
                 if a.get("type") == address_type), "<none>")


def _node_cells(node: dict, now: datetime) -> list:
    info = mapping(node, "status", "nodeInfo")
    return [name(node), node_status(node), node_roles(node), age(node, now),
            text(info, "kubeletVersion"),
            _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            text(info, "osImage") or UNKNOWN, text(info, "kernelVersion") or UNKNOWN,
            text(info, "containerRuntimeVersion") or UNKNOWN]


NODE = Printer(
    (NAME, Column("Status", "The status of the node"), Column("Roles", "The roles of the node"),
     AGE, Column("Version", DOCS["NodeSystemInfo.kubeletVersion"]),
     wide("Internal-IP", DOCS["NodeStatus.addresses"]),
     wide("External-IP", DOCS["NodeStatus.addresses"]),
     wide("OS-Image", DOCS["NodeSystemInfo.osImage"]),
     wide("Kernel-Version", DOCS["NodeSystemInfo.kernelVersion"]),
     wide("Container-Runtime", DOCS["NodeSystemInfo.containerRuntimeVersion"])),
    _node_cells,
)

NAMESPACE = Printer(
    (NAME, Column("Status", "The status of the namespace"), AGE),
    lambda ns, now: [name(ns), text(ns, "status", "phase"), age(ns, now)],
)

# --- Service and Endpoints ---------------------------------------------------------------


def service_external_ip(service: dict) -> str:
    service_type = text(service, "spec", "type") or "ClusterIP"
    external = [ip for ip in items(service, "spec", "externalIPs") if isinstance(ip, str)]
    if service_type in ("ClusterIP", "NodePort"):
        return or_none(",".join(external))
    if service_type == "LoadBalancer":
        ingress = {text(i, "ip") or text(i, "hostname")
                   for i in dicts(service, "status", "loadBalancer", "ingress")} - {""}
        return ",".join([*sorted(ingress), *external]) or "<pending>"
    if service_type == "ExternalName":
        return text(service, "spec", "externalName")
    return UNKNOWN


def service_ports(service: dict) -> str:
    """``80/TCP``, or ``80:30080/TCP`` with a node port, comma separated."""
    pieces = []
    for port in dicts(service, "spec", "ports"):
        protocol = text(port, "protocol") or "TCP"
        node_port = integer(port, "nodePort")
        number = integer(port, "port")
        pieces.append(f"{number}:{node_port}/{protocol}" if node_port > 0
                      else f"{number}/{protocol}")
    return or_none(",".join(pieces))


def _cluster_ip(service: dict) -> str:
    # Defaulting fills clusterIPs from clusterIP; read clusterIP if an object predates that.
    ips = [ip for ip in items(service, "spec", "clusterIPs") if isinstance(ip, str)]
    return (ips[0] if ips else text(service, "spec", "clusterIP")) or "<none>"


SERVICE = Printer(
    (NAME, Column("Type", DOCS["ServiceSpec.type"]),
     Column("Cluster-IP", DOCS["ServiceSpec.clusterIP"]),
     Column("External-IP", DOCS["ServiceSpec.externalIPs"]),
     Column("Port(s)", DOCS["ServiceSpec.ports"]), AGE,
     wide("Selector", DOCS["ServiceSpec.selector"])),
    lambda svc, now: [name(svc), text(svc, "spec", "type") or "ClusterIP", _cluster_ip(svc),
                      service_external_ip(svc), service_ports(svc), age(svc, now),
                      format_labels(mapping(svc, "spec", "selector"))],
)


def _host_port(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(endpoints: dict) -> str:
    """Up to three ``ip:port`` (or bare ip for port-less subsets) and ``+ N more...``."""
    subsets = dicts(endpoints, "subsets")
    if not subsets:
        return "<none>"
    shown: list[str] = []
    for subset in subsets:
        ips = [text(a, "ip") for a in dicts(subset, "addresses")]
        ports = dicts(subset, "ports")
        if not ports:
            shown.extend(ips)  # headless services may have no ports
        for port in ports:
            shown.extend(_host_port(ip, integer(port, "port")) for ip in ips)
    return list_with_more(shown)


ENDPOINTS = Printer(
    (NAME, Column("Endpoints", DOCS["Endpoints.subsets"]), AGE),
    lambda ep, now: [name(ep), format_endpoints(ep), age(ep, now)],
)

# --- Event --------------------------------------------------------------------------------


def _event_source(event: dict) -> str:
    component = text(event, "source", "component") or text(event, "reportingComponent")
    host = text(event, "source", "host") or text(event, "reportingInstance")
    return f"{component}, {host}" if host else component


def _event_cells(event: dict, now: datetime) -> list:
    first_seen = since(now, get(event, "firstTimestamp"))
    if get(event, "firstTimestamp") is None:
        first_seen = since(now, get(event, "eventTime"))
    last_seen = since(now, get(event, "lastTimestamp"))
    if get(event, "lastTimestamp") is None:
        last_seen = first_seen
    count = integer(event, "count")
    if get(event, "series") is not None:
        last_seen = since(now, get(event, "series", "lastObservedTime"))
        count = integer(event, "series", "count")
    elif count == 0:
        count = 1  # events of the events.k8s.io API leave a single occurrence uncounted
    kind = text(event, "involvedObject", "kind").lower()
    involved_name = text(event, "involvedObject", "name")
    target = f"{kind}/{involved_name}" if involved_name else kind
    return [last_seen, text(event, "type"), text(event, "reason"), target,
            text(event, "involvedObject", "fieldPath"), _event_source(event),
            text(event, "message").strip(), first_seen, count, name(event)]


EVENT = Printer(
    (Column("Last Seen", DOCS["Event.lastTimestamp"]), Column("Type", DOCS["Event.type"]),
     Column("Reason", DOCS["Event.reason"]), Column("Object", DOCS["Event.involvedObject"]),
     wide("Subobject", DOCS["ObjectReference.fieldPath"]), wide("Source", DOCS["Event.source"]),
     Column("Message", DOCS["Event.message"]), wide("First Seen", DOCS["Event.firstTimestamp"]),
     wide("Count", DOCS["Event.count"]),
     Column("Name", DOCS["ObjectMeta.name"], priority=1, format="name")),
    _event_cells,
)

# --- configuration and identity -----------------------------------------------------------

CONFIG_MAP = Printer(
    (NAME, Column("Data", DOCS["ConfigMap.data"]), AGE),
    lambda cm, now: [name(cm), len(mapping(cm, "data")) + len(mapping(cm, "binaryData")),
                     age(cm, now)],
)


def _secret_keys(secret: dict) -> int:
    # stringData is write-only sugar merged into data; count a key given both ways once.
    return len(set(mapping(secret, "data")) | set(mapping(secret, "stringData")))


SECRET = Printer(
    (NAME, Column("Type", DOCS["Secret.type"]), Column("Data", DOCS["Secret.data"]), AGE),
    lambda s, now: [name(s), text(s, "type"), _secret_keys(s), age(s, now)],
)

SERVICE_ACCOUNT = Printer(
    (NAME, Column("Secrets", DOCS["ServiceAccount.secrets"]), AGE),
    lambda sa, now: [name(sa), len(items(sa, "secrets")), age(sa, now)],
)

# --- storage ------------------------------------------------------------------------------

STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
_ACCESS_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                 ("ReadWriteOncePod", "RWOP"))


def access_modes(modes: list) -> str:
    return ",".join(short for mode, short in _ACCESS_MODES if mode in modes)


def storage_class(obj: dict) -> str:
    annotations = mapping(obj, "metadata", "annotations")
    if STORAGE_CLASS_ANNOTATION in annotations:
        return str(annotations[STORAGE_CLASS_ANNOTATION])
    return text(obj, "spec", "storageClassName")


def _phase(obj: dict) -> str:
    if get(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    return text(obj, "status", "phase")


def _unset(obj: dict, *path: str) -> str:
    return text(obj, *path) or "<unset>"


def _pv_cells(pv: dict, now: datetime) -> list:
    claim = mapping(pv, "spec", "claimRef")
    claim_name = f"{text(claim, 'namespace')}/{text(claim, 'name')}" if claim else ""
    return [name(pv), quantity(get(pv, "spec", "capacity", "storage")),
            access_modes(items(pv, "spec", "accessModes")),
            text(pv, "spec", "persistentVolumeReclaimPolicy"), _phase(pv), claim_name,
            storage_class(pv), _unset(pv, "spec", "volumeAttributesClassName"),
            text(pv, "status", "reason"), age(pv, now), _unset(pv, "spec", "volumeMode")]


PERSISTENT_VOLUME = Printer(
    (NAME, Column("Capacity", DOCS["PersistentVolumeSpec.capacity"]),
     Column("Access Modes", DOCS["PersistentVolumeSpec.accessModes"]),
     Column("Reclaim Policy", DOCS["PersistentVolumeSpec.persistentVolumeReclaimPolicy"]),
     Column("Status", DOCS["PersistentVolumeStatus.phase"]),
     Column("Claim", DOCS["PersistentVolumeSpec.claimRef"]),
     Column("StorageClass", "StorageClass of the pv"),
     Column("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
     Column("Reason", DOCS["PersistentVolumeStatus.reason"]), AGE,
     wide("VolumeMode", DOCS["PersistentVolumeSpec.volumeMode"])),
    _pv_cells,
)


def _pvc_cells(pvc: dict, now: datetime) -> list:
    bound = bool(text(pvc, "spec", "volumeName"))
    capacity = quantity(get(pvc, "status", "capacity", "storage")) if bound else ""
    modes = access_modes(items(pvc, "status", "accessModes")) if bound else ""
    return [name(pvc), _phase(pvc), text(pvc, "spec", "volumeName"), capacity, modes,
            storage_class(pvc), _unset(pvc, "spec", "volumeAttributesClassName"),
            age(pvc, now), _unset(pvc, "spec", "volumeMode")]


PERSISTENT_VOLUME_CLAIM = Printer(
    (NAME, Column("Status", DOCS["PersistentVolumeClaimStatus.phase"]),
     Column("Volume", DOCS["PersistentVolumeClaimSpec.volumeName"]),
     Column("Capacity", DOCS["PersistentVolumeClaimStatus.capacity"]),
     Column("Access Modes", DOCS["PersistentVolumeClaimStatus.accessModes"]),
     Column("StorageClass", "StorageClass of the pvc"),
     Column("VolumeAttributesClass", "VolumeAttributesClass of the pvc"), AGE,
     wide("VolumeMode", DOCS["PersistentVolumeClaimSpec.volumeMode"])),
    _pvc_cells,
)

"""Scrape targets from the live cluster, as Prometheus' ``http_sd_configs`` takes them.

Pure functions of what discovery reads: the Node list (kubelets, one per Node, at the
address and port the Node reports, as kubernetes_sd's ``node`` role finds them), the
components the supervisor runs (``state.json``: scheduler, controller-manager, the node
and pod exporters) and the apiserver's URL. Each target is its own group, so it carries its
own ``instance``/``node`` labels::

    [{"targets": ["127.0.0.1:41231"],
      "labels": {"job": "kubelet", "node": "node-1", "instance": "127.0.0.1:41231",
                 "metrics_path": "/metrics/cadvisor", "__metrics_path__": "/metrics/cadvisor",
                 "namespace": "kube-system", "service": "kubelet", ...}}]

A Node without an address or kubelet port gives no target: Prometheus could not reach it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from observe.monitoring import jobs
from observe.monitoring.jobs import ScrapeJob

TargetGroup = dict[str, Any]
# kubernetes_sd's order of preference among a Node's addresses.
ADDRESS_TYPES = ("InternalIP", "ExternalIP", "LegacyHostIP", "Hostname")
NODE_EXPORTER_PREFIX = "node-exporter-"
# Supervisor component name -> the job its /metrics belongs to.
COMPONENT_JOBS = {
    "scheduler": jobs.KUBE_SCHEDULER,
    "controller-manager": jobs.KUBE_CONTROLLER_MANAGER,
    "pod-exporter": jobs.KUBE_STATE_METRICS,
}


def host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def url_target(url: str) -> tuple[str, str] | None:
    """``(scheme, host:port)`` of a component URL, None if it has no host."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("http", "https"):
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme, host_port(parts.hostname, port)


def group(job: ScrapeJob, address: str, scheme: str = "http", path: str = "/metrics",
          instance: str | None = None, **labels: str) -> TargetGroup:
    all_labels = {"job": job.name, "instance": instance or address, **job.labels, **labels,
                  "__scheme__": scheme, "__metrics_path__": path}
    return {"targets": [address], "labels": all_labels}


def node_address(node: Mapping[str, Any]) -> str | None:
    """``host:port`` of a Node's kubelet, or None if the Node does not say."""
    status = node.get("status") or {}
    by_type: dict[str, str] = {}
    for address in status.get("addresses") or []:
        if isinstance(address, dict) and address.get("address"):
            by_type.setdefault(address.get("type") or "", address["address"])
    host = next((by_type[t] for t in ADDRESS_TYPES if t in by_type), None)
    endpoint = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {})
    port = endpoint.get("Port")
    if not host or not isinstance(port, int) or not 0 < port < 65536:
        return None
    return host_port(host, port)


def kubelet_groups(nodes: Iterable[Mapping[str, Any]]) -> list[TargetGroup]:
    groups = []
    for node in sorted(nodes, key=lambda n: (n.get("metadata") or {}).get("name") or ""):
        name = (node.get("metadata") or {}).get("name")
        address = node_address(node)
        if not name or address is None:
            continue
        groups.extend(group(jobs.KUBELET, address, path=path, node=name, metrics_path=path)
                      for path in jobs.KUBELET_PATHS)
    return groups


def component_groups(components: Mapping[str, Mapping[str, Any]]) -> dict[str, list[TargetGroup]]:
    """Targets of the components the supervisor runs, by job name."""
    found: dict[str, list[TargetGroup]] = {}
    for name in sorted(components):
        target = url_target(str((components[name] or {}).get("url") or ""))
        if target is None:
            continue
        scheme, address = target
        if name.startswith(NODE_EXPORTER_PREFIX):
            node = name.removeprefix(NODE_EXPORTER_PREFIX)
            # kube-prometheus relabels node-exporter's instance to the node's name.
            entry = group(jobs.NODE_EXPORTER, address, scheme, instance=node, node=node)
        elif name in COMPONENT_JOBS:
            entry = group(COMPONENT_JOBS[name], address, scheme)
        else:
            continue
        found.setdefault(entry["labels"]["job"], []).append(entry)
    return found


def apiserver_groups(url: str | None) -> list[TargetGroup]:
    target = url_target(url) if url else None
    if target is None:
        return []
    scheme, address = target
    return [group(jobs.APISERVER, address, scheme)]


def discover(job: str, *, apiserver_url: str | None,
             components: Mapping[str, Mapping[str, Any]],
             nodes: Iterable[Mapping[str, Any]]) -> list[TargetGroup]:
    """The target groups of ``job`` (a name of :data:`observe.monitoring.jobs.JOBS`)."""
    if job == jobs.APISERVER.name:
        return apiserver_groups(apiserver_url or (components.get("apiserver") or {}).get("url"))
    if job == jobs.KUBELET.name:
        return kubelet_groups(nodes)
    if job not in jobs.BY_NAME:
        raise KeyError(job)
    return component_groups(components).get(job, [])

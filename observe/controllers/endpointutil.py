"""What the Endpoints and EndpointSlice controllers read off Services and Pods.

Pure functions shared by :mod:`.endpoints` and :mod:`.endpointslice`, after upstream's
``pkg/controller/util/endpoint`` and ``podutil.FindPort``: which Services a controller
manages (those with a selector, except ExternalName), which Services select a pod, whether a
pod belongs in endpoints at all (it has an IP, has not finished, and is not being deleted
unless terminating pods are wanted), the container port a Service port's ``targetPort``
resolves to, the DNS hostname an endpoint carries, and the
``endpoints.kubernetes.io/last-change-trigger-time`` annotation; and
:func:`services_to_sync`, which Services a pod event concerns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.api import meta as m
from observe.api.selectors import LabelSelector, label_selector_from_dict
from observe.controllers import pods as podutil

Object = dict[str, Any]

TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS_LABEL = "service.kubernetes.io/headless"


def _spec(obj: Object) -> Object:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def service_selector(service: Object) -> LabelSelector | None:
    """The pods ``service`` selects, or None when it has no selector: such Services have
    their endpoints written by hand and the controllers leave them alone. An empty map
    counts as none, as it does once Kubernetes has stored it (``omitempty``)."""
    selector = _spec(service).get("selector")
    if not isinstance(selector, dict) or not selector:
        return None
    return label_selector_from_dict({"matchLabels": selector})


def manages(service: Object) -> bool:
    """Whether the endpoint controllers write endpoints for ``service``."""
    return _spec(service).get("type") != "ExternalName" and service_selector(service) is not None


def is_headless(service: Object) -> bool:
    return _spec(service).get("clusterIP") == "None"


def selects(service: Object, pod: Object) -> bool:
    selector = service_selector(service)
    return selector is not None and selector.matches((pod.get("metadata") or {}).get("labels"))


def should_pod_be_in_endpoints(pod: Object, include_terminating: bool) -> bool:
    """Upstream's ``ShouldPodBeInEndpoints``: the pod has an IP and is neither finished nor,
    unless ``include_terminating``, being deleted."""
    if not (pod.get("status") or {}).get("podIP"):
        return False
    if podutil.is_terminated(pod):
        return False
    return include_terminating or not m.is_terminating(pod)


def find_port(pod: Object, service_port: Object) -> int | None:
    """The port on ``pod`` that ``service_port``'s ``targetPort`` names: a number as is, a
    name looked up among the containers' ports of the same protocol; None if not found."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target if target > 0 else None
    if not isinstance(target, str) or not target:
        return None
    protocol = service_port.get("protocol") or "TCP"
    for container in _spec(pod).get("containers") or []:
        for port in (container or {}).get("ports") or []:
            if isinstance(port, dict) and port.get("name") == target and \
                    (port.get("protocol") or "TCP") == protocol:
                number = port.get("containerPort")
                return number if isinstance(number, int) else None
    return None


def endpoint_hostname(pod: Object, service: Object) -> str | None:
    """The hostname an endpoint publishes: the pod's ``spec.hostname`` when its
    ``spec.subdomain`` names this Service in the same namespace (upstream's
    ``ShouldSetHostname``)."""
    spec = _spec(pod)
    hostname = spec.get("hostname")
    if not hostname or spec.get("subdomain") != (service.get("metadata") or {}).get("name"):
        return None
    if (pod.get("metadata") or {}).get("namespace") != \
            (service.get("metadata") or {}).get("namespace"):
        return None
    return str(hostname)


def target_ref(pod: Object) -> Object:
    meta = pod.get("metadata") or {}
    return {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta.get("name", ""),
            "uid": meta.get("uid", "")}


def endpoint_labels(service: Object) -> dict[str, str]:
    """The Service's labels, with ``service.kubernetes.io/headless`` when (and only when) it
    is headless."""
    labels = {k: v for k, v in ((service.get("metadata") or {}).get("labels") or {}).items()
              if k != HEADLESS_LABEL}
    if is_headless(service):
        labels[HEADLESS_LABEL] = ""
    return labels


def last_change_trigger_time(service: Object, pods: list[Object]) -> datetime | None:
    """When the newest change feeding these endpoints happened: the latest of the Service's
    creation and the pods' Ready transitions (or creations, before they have a Ready
    condition). kube-proxy measures network programming latency from it."""
    times = [m.parse_time((service.get("metadata") or {}).get("creationTimestamp"))]
    for pod in pods:
        ready = podutil.condition(pod, "Ready")
        stamp = (ready or {}).get("lastTransitionTime") or \
            (pod.get("metadata") or {}).get("creationTimestamp")
        times.append(m.parse_time(stamp))
    known = [t for t in times if t is not None]
    return max(known) if known else None


def services_to_sync(services: list[Object], old: Object | None, new: Object) -> list[Object]:
    """The Services (of the pod's namespace) a pod event concerns: those selecting the pod
    before or after it. A resync that delivers the same version concerns none."""
    if old is not None:
        if (old.get("metadata") or {}).get("resourceVersion") == \
                (new.get("metadata") or {}).get("resourceVersion"):
            return []
        return [s for s in services if selects(s, new) or selects(s, old)]
    return [s for s in services if selects(s, new)]

"""``describe service``: type, addresses, ports and the endpoints behind them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from observe.cli.describers.writer import Writer, annotations, events, labels, meta
from observe.cli.session import Session
from observe.client.errors import ApiError

SHOWN_ENDPOINTS = 3


def fetch(session: Session, service: dict[str, Any]) -> dict[str, Any]:
    m = meta(service)
    path = f"/api/v1/namespaces/{m.get('namespace') or session.namespace}/endpoints/" \
           f"{m.get('name', '')}"
    try:
        return {"endpoints": session.get_json(path)}
    except ApiError:
        return {"endpoints": None}


def endpoints_text(endpoints: dict[str, Any] | None, port_name: str) -> str:
    """``10.0.0.1:8000,10.0.0.2:8000`` for the ready addresses serving the named port, the
    first three of them and ``+ N more...``."""
    if endpoints is None:
        return "<none>"
    found = []
    for subset in endpoints.get("subsets") or []:
        for port in subset.get("ports") or []:
            if (port.get("name") or "") != port_name:
                continue
            found.extend(f"{a.get('ip', '')}:{port.get('port', '')}"
                         for a in subset.get("addresses") or [])
    if not found:
        return "<none>"
    text = ",".join(found[:SHOWN_ENDPOINTS])
    if len(found) > SHOWN_ENDPOINTS:
        text += f" + {len(found) - SHOWN_ENDPOINTS} more..."
    return text


def render(service: dict[str, Any], related: dict[str, Any], now: datetime | None = None
           ) -> str:
    w = Writer()
    m, spec = meta(service), service.get("spec") or {}
    w.line(0, f"Name:\t{m.get('name', '')}")
    w.line(0, f"Namespace:\t{m.get('namespace', '')}")
    labels(w, "Labels", m.get("labels"))
    annotations(w, "Annotations", m.get("annotations"))
    selector = spec.get("selector") or {}
    w.line(0, "Selector:\t" + (",".join(f"{k}={selector[k]}" for k in sorted(selector))
                               or "<none>"))
    service_type = spec.get("type", "ClusterIP")
    w.line(0, f"Type:\t{service_type}")
    if spec.get("ipFamilyPolicy"):
        w.line(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}")
    if spec.get("ipFamilies"):
        w.line(0, f"IP Families:\t{','.join(spec['ipFamilies'])}")
    if service_type != "ExternalName":
        w.line(0, f"IP:\t{spec.get('clusterIP', '')}")
        w.line(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}")
    if spec.get("externalIPs"):
        w.line(0, f"External IPs:\t{','.join(spec['externalIPs'])}")
    if spec.get("externalName"):
        w.line(0, f"External Name:\t{spec['externalName']}")
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.line(0, "LoadBalancer Ingress:\t" + ", ".join(i.get("ip") or i.get("hostname", "")
                                                       for i in ingress))
    for port in spec.get("ports") or []:
        name = port.get("name") or "<unset>"
        protocol = port.get("protocol", "TCP")
        w.line(0, f"Port:\t{name}\t{port.get('port', '')}/{protocol}")
        target = port.get("targetPort", port.get("port", ""))
        w.line(0, f"TargetPort:\t{target}/{protocol}")
        if port.get("nodePort"):
            w.line(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}")
        w.line(0, f"Endpoints:\t{endpoints_text(related.get('endpoints'), port.get('name') or '')}")
    w.line(0, f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}")
    if spec.get("externalTrafficPolicy"):
        w.line(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}")
    if spec.get("internalTrafficPolicy"):
        w.line(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}")
    events(w, related.get("events"), now)
    return w.text()

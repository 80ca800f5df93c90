"""Containers, volumes and pod templates as kubectl describes them.

Shared by the Pod describer (containers with their statuses) and by every workload that
has a ``Pod Template:`` section (Deployment, ReplicaSet, ``rollout history --revision``).
"""

from __future__ import annotations

from typing import Any

from observe.cli.describers.writer import Writer, annotations, labels
from observe.cli.humanize import rfc1123

_PROBES = (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
           ("startupProbe", "Startup"))


def containers(w: Writer, title: str, specs: list[dict[str, Any]],
               statuses: list[dict[str, Any]] | None, space: str = "",
               pod: dict[str, Any] | None = None) -> None:
    """A ``Containers:`` (or ``Init Containers:``) section. ``statuses`` is ``None`` for a
    template; ``space`` indents the whole section inside a pod template; ``pod`` resolves
    downward-API environment values."""
    if not specs:
        w.line(0, f"{space}{title}:\t<none>")
        return
    w.line(0, f"{space}{title}:")
    by_name = {s.get("name"): s for s in statuses or []}
    for spec in specs:
        status = by_name.get(spec.get("name"))
        _basics(w, spec, status, " " if space else "")
        _command(w, spec)
        if status is not None:
            _state(w, "State", status.get("state") or {})
            if (status.get("lastState") or {}).get("terminated"):
                _state(w, "Last State", status["lastState"])
            w.line(2, f"Ready:\t{'True' if status.get('ready') else 'False'}")
            w.line(2, f"Restart Count:\t{status.get('restartCount', 0)}")
        _resources(w, spec.get("resources") or {})
        _probes(w, spec)
        _environment(w, spec, pod)
        _mounts(w, spec.get("volumeMounts") or [])


def _ports(ports: list[dict[str, Any]], field: str) -> str:
    return ", ".join(f"{p.get(field, 0)}/{p.get('protocol', '')}" for p in ports)


def _basics(w: Writer, spec: dict[str, Any], status: dict[str, Any] | None,
            name_indent: str) -> None:
    w.line(1, f"{name_indent}{spec.get('name', '')}:")
    if status is not None:
        w.line(2, f"Container ID:\t{status.get('containerID', '')}")
    w.line(2, f"Image:\t{spec.get('image', '')}")
    if status is not None:
        w.line(2, f"Image ID:\t{status.get('imageID', '')}")
    ports = spec.get("ports") or []
    container_ports = _ports(ports, "containerPort")
    host_ports = _ports(ports, "hostPort")
    if "," in container_ports:
        w.line(2, f"Ports:\t{container_ports}")
    else:
        w.line(2, f"Port:\t{container_ports or '<none>'}")
    if "," in host_ports:
        w.line(2, f"Host Ports:\t{host_ports}")
    else:
        w.line(2, f"Host Port:\t{host_ports or '<none>'}")


def _command(w: Writer, spec: dict[str, Any]) -> None:
    for field, title in (("command", "Command"), ("args", "Args")):
        values = spec.get(field) or []
        if not values:
            continue
        w.line(2, f"{title}:")
        for value in values:
            for part in str(value).split("\n"):
                w.line(3, part)


def _state(w: Writer, title: str, state: dict[str, Any]) -> None:
    if "running" in state:
        w.line(2, f"{title}:\tRunning")
        w.line(3, f"Started:\t{rfc1123((state['running'] or {}).get('startedAt'))}")
    elif "terminated" in state:
        done = state["terminated"] or {}
        w.line(2, f"{title}:\tTerminated")
        if done.get("reason"):
            w.line(3, f"Reason:\t{done['reason']}")
        if done.get("message"):
            w.line(3, f"Message:\t{done['message']}")
        w.line(3, f"Exit Code:\t{done.get('exitCode', 0)}")
        if done.get("signal"):
            w.line(3, f"Signal:\t{done['signal']}")
        w.line(3, f"Started:\t{rfc1123(done.get('startedAt'))}")
        w.line(3, f"Finished:\t{rfc1123(done.get('finishedAt'))}")
    else:
        w.line(2, f"{title}:\tWaiting")
        reason = (state.get("waiting") or {}).get("reason")
        if reason:
            w.line(3, f"Reason:\t{reason}")


def _resources(w: Writer, resources: dict[str, Any]) -> None:
    for field, title in (("limits", "Limits"), ("requests", "Requests")):
        values = resources.get(field) or {}
        if not values:
            continue
        w.line(2, f"{title}:")
        for name in sorted(values):
            w.line(3, f"{name}:\t{values[name]}")


def probe_text(probe: dict[str, Any]) -> str:
    """``http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3``"""
    timing = (f"delay={probe.get('initialDelaySeconds', 0)}s "
              f"timeout={probe.get('timeoutSeconds', 1)}s "
              f"period={probe.get('periodSeconds', 10)}s "
              f"#success={probe.get('successThreshold', 1)} "
              f"#failure={probe.get('failureThreshold', 3)}")
    if "exec" in probe:
        command = " ".join(str(c) for c in (probe["exec"] or {}).get("command") or [])
        return f"exec [{command}] {timing}"
    if "httpGet" in probe:
        get = probe["httpGet"] or {}
        scheme = str(get.get("scheme") or "HTTP").lower()
        return (f"http-get {scheme}://{get.get('host', '')}:{get.get('port', '')}"
                f"{get.get('path', '')} {timing}")
    if "tcpSocket" in probe:
        sock = probe["tcpSocket"] or {}
        return f"tcp-socket {sock.get('host', '')}:{sock.get('port', '')} {timing}"
    if "grpc" in probe:
        grpc = probe["grpc"] or {}
        return f"grpc <pod>:{grpc.get('port', '')} {grpc.get('service', '')} {timing}"
    return f"unknown {timing}"


def _probes(w: Writer, spec: dict[str, Any]) -> None:
    for field, title in _PROBES:
        if spec.get(field):
            w.line(2, f"{title}:\t{probe_text(spec[field])}")


def field_value(pod: dict[str, Any] | None, path: str) -> str:
    """The value a downward-API ``fieldPath`` gives in ``pod`` (``""`` without a pod)."""
    if pod is None:
        return ""
    for prefix in ("metadata.labels", "metadata.annotations"):
        if path.startswith(prefix + "['") and path.endswith("']"):
            section = (pod.get("metadata") or {}).get(prefix.split(".")[1]) or {}
            return str(section.get(path[len(prefix) + 2:-2], ""))
    value: Any = pod
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _value_from(source: dict[str, Any], pod: dict[str, Any] | None) -> str:
    if "fieldRef" in source:
        ref = source["fieldRef"] or {}
        value = field_value(pod, ref.get("fieldPath", ""))
        prefix = f"{value} " if value else ""
        return f"{prefix}({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})"
    if "resourceFieldRef" in source:
        ref = source["resourceFieldRef"] or {}
        return f"{ref.get('resource', '')} ({ref.get('containerName', '')})"
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"] or {}
        return (f"<set to the key '{ref.get('key', '')}' in secret '{ref.get('name', '')}'>"
                f"\tOptional: {str(bool(ref.get('optional'))).lower()}")
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"] or {}
        return (f"<set to the key '{ref.get('key', '')}' of config map "
                f"'{ref.get('name', '')}'>\tOptional: "
                f"{str(bool(ref.get('optional'))).lower()}")
    return ""


def _environment(w: Writer, spec: dict[str, Any], pod: dict[str, Any] | None) -> None:
    for source in spec.get("envFrom") or []:
        if source.get("configMapRef"):
            kind, ref = "ConfigMap", source["configMapRef"]
        else:
            kind, ref = "Secret", source.get("secretRef") or {}
        w.line(2, "Environment Variables from:")
        w.line(3, f"{ref.get('name', '')}\t{kind}\tOptional: "
                  f"{str(bool(ref.get('optional'))).lower()}")
    env = spec.get("env") or []
    if not env:
        w.line(2, "Environment:\t<none>")
        return
    w.line(2, "Environment:")
    for var in env:
        name = var.get("name", "")
        if var.get("valueFrom"):
            w.line(3, f"{name}:\t{_value_from(var['valueFrom'], pod)}")
            continue
        for i, part in enumerate(str(var.get("value", "")).split("\n")):
            w.line(3, f"{name}:\t{part}" if i == 0 else f"\t{part}")


def _mounts(w: Writer, mounts: list[dict[str, Any]]) -> None:
    if not mounts:
        w.line(2, "Mounts:\t<none>")
        return
    w.line(2, "Mounts:")
    for mount in sorted(mounts, key=lambda m: m.get("mountPath", "")):
        flags = ["ro" if mount.get("readOnly") else "rw"]
        if mount.get("subPath"):
            flags.append(f'path="{mount["subPath"]}"')
        w.line(3, f"{mount.get('mountPath', '')} from {mount.get('name', '')} "
                  f"({','.join(flags)})")


# Per volume source: kubectl's type description and the fields it lists, with the text
# shown when a field is unset.
_VOLUME_SOURCES: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "emptyDir": ("EmptyDir (a temporary directory that shares a pod's lifetime)",
                 (("Medium", "medium", ""), ("SizeLimit", "sizeLimit", "<unset>"))),
    "hostPath": ("HostPath (bare host directory volume)",
                 (("Path", "path", ""), ("HostPathType", "type", ""))),
    "configMap": ("ConfigMap (a volume populated by a ConfigMap)",
                  (("Name", "name", ""), ("Optional", "optional", "false"))),
    "secret": ("Secret (a volume populated by a Secret)",
               (("SecretName", "secretName", ""), ("Optional", "optional", "false"))),
    "persistentVolumeClaim": ("PersistentVolumeClaim (a reference to a PersistentVolumeClaim "
                              "in the same namespace)",
                              (("ClaimName", "claimName", ""), ("ReadOnly", "readOnly",
                                                                "false"))),
    "projected": ("Projected (a volume that contains injected data from multiple sources)", ()),
    "downwardAPI": ("DownwardAPI (a volume populated by information about the pod)", ()),
}


def _field_text(value: Any, unset: str) -> str:
    if value is None or value == "":
        return unset
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def volumes(w: Writer, items: list[dict[str, Any]], space: str = "") -> None:
    """``Volumes:`` with each volume's source type and its main fields."""
    if not items:
        w.line(0, f"{space}Volumes:\t<none>")
        return
    w.line(0, f"{space}Volumes:")
    for volume in items:
        w.line(1, f"{' ' if space else ''}{volume.get('name', '')}:")
        source_type, source = next(((k, v) for k, v in volume.items() if k != "name"),
                                   ("", {}))
        title, fields = _VOLUME_SOURCES.get(source_type, (source_type or "<unknown>", ()))
        w.line(2, f"Type:\t{title}")
        for label, key, unset in fields:
            w.line(2, f"{label}:\t{_field_text((source or {}).get(key), unset)}")


def selector_lines(w: Writer, title: str, values: dict[str, str] | None) -> None:
    """``Node-Selectors:`` style sections: ``k=v`` lines or ``<none>``."""
    labels(w, title, values)


def tolerations(w: Writer, title: str, items: list[dict[str, Any]] | None) -> None:
    if not items:
        w.line(0, f"{title}:\t<none>")
        return
    for i, tol in enumerate(items):
        text = tol.get("key", "")
        if tol.get("value"):
            text += f"={tol['value']}"
        if tol.get("effect"):
            text += f":{tol['effect']}"
        if tol.get("operator") == "Exists" and not tol.get("value"):
            text += " op=Exists"
        if tol.get("tolerationSeconds") is not None:
            text += f" for {tol['tolerationSeconds']}s"
        w.line(0, f"{title}:\t{text}" if i == 0 else f"\t{text}")


def pod_template(w: Writer, template: dict[str, Any]) -> None:
    """The ``Pod Template:`` section of a workload."""
    w.line(0, "Pod Template:")
    template_meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    labels(w, "  Labels", template_meta.get("labels"))
    if template_meta.get("annotations"):
        annotations(w, "  Annotations", template_meta.get("annotations"))
    if spec.get("serviceAccountName"):
        w.line(1, f"Service Account:\t{spec['serviceAccountName']}")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"], None, "  ")
    containers(w, "Containers", spec.get("containers") or [], None, "  ")
    volumes(w, spec.get("volumes") or [], "  ")
    selector_lines(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "  Tolerations", spec.get("tolerations"))
    if spec.get("priorityClassName"):
        w.line(1, f"Priority Class Name:\t{spec['priorityClassName']}")


def pod_template_text(template: dict[str, Any]) -> str:
    """The ``Pod Template:`` section on its own, tabs unaligned as kubectl prints it."""
    w = Writer()
    pod_template(w, template)
    return w.unaligned()

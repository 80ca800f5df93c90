"""A container's environment and command line, by Kubernetes' rules (pure functions).

The pod worker fetches the ConfigMaps and Secrets a container refers to
(:func:`referenced_objects`), then :func:`container_env` builds the variables in upstream's
order: ``envFrom`` sources, then ``env`` entries (``value`` with ``$(VAR)`` expansion, or
``valueFrom`` fieldRef / resourceFieldRef / configMapKeyRef / secretKeyRef), then the
service-link variables of the pod's namespace (``<SVC>_SERVICE_HOST`` ...) not already set.
A reference that cannot be satisfied raises :class:`ContainerConfigError` with the message
the kubelet gives (the container waits with ``CreateContainerConfigError``).
:func:`command_line` applies the entrypoint/cmd vs command/args rules.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from observe.api.quantity import QuantityError, parse_quantity
from observe.kubelet.images import ResolvedImage

Object = dict[str, Any]


class ContainerConfigError(Exception):
    """The container cannot be configured (``CreateContainerConfigError``)."""

    reason = "CreateContainerConfigError"


@dataclass(frozen=True)
class PodNetwork:
    pod_ip: str
    host_ip: str


def referenced_objects(container: Object) -> tuple[set[str], set[str]]:
    """Names of the ConfigMaps and Secrets the container's environment reads."""
    config_maps: set[str] = set()
    secrets: set[str] = set()
    for source in container.get("envFrom") or []:
        if (ref := source.get("configMapRef")) and ref.get("name"):
            config_maps.add(ref["name"])
        if (ref := source.get("secretRef")) and ref.get("name"):
            secrets.add(ref["name"])
    for var in container.get("env") or []:
        value_from = var.get("valueFrom") or {}
        if (ref := value_from.get("configMapKeyRef")) and ref.get("name"):
            config_maps.add(ref["name"])
        if (ref := value_from.get("secretKeyRef")) and ref.get("name"):
            secrets.add(ref["name"])
    return config_maps, secrets


_VAR_REF = re.compile(r"\$\$|\$\(([^)]*)\)")


def expand(text: str, mapping: Mapping[str, str]) -> str:
    """``$(VAR)`` becomes VAR's value when defined (else stays as written); ``$$`` is ``$``."""
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return mapping.get(name, match.group(0))

    return _VAR_REF.sub(replace, text)


def config_map_data(config_map: Object) -> dict[str, str]:
    data = dict(config_map.get("data") or {})
    for key, value in (config_map.get("binaryData") or {}).items():
        data.setdefault(key, _decode(value).decode("utf-8", "replace"))
    return data


def secret_data(secret: Object) -> dict[str, str]:
    data = {k: _decode(v).decode("utf-8", "replace") for k, v in
            (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    return data


def _decode(value: str) -> bytes:
    try:
        return base64.b64decode(value or "", validate=False)
    except (binascii.Error, ValueError):
        return b""


def container_env(
    pod: Object,
    container: Object,
    *,
    config_maps: Mapping[str, Object | None],
    secrets: Mapping[str, Object | None],
    network: PodNetwork,
    allocatable: Mapping[str, str],
    service_env: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The variables the container's spec asks for, in order (later names win)."""
    namespace = pod["metadata"].get("namespace", "")
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix") or ""
        if ref := source.get("configMapRef"):
            obj = config_maps.get(ref.get("name", ""))
            if obj is None:
                if ref.get("optional"):
                    continue
                raise ContainerConfigError(f'configmap "{ref.get("name", "")}" not found')
            data = config_map_data(obj)
        elif ref := source.get("secretRef"):
            obj = secrets.get(ref.get("name", ""))
            if obj is None:
                if ref.get("optional"):
                    continue
                raise ContainerConfigError(f'secret "{ref.get("name", "")}" not found')
            data = secret_data(obj)
        else:
            continue
        for key, value in data.items():
            if key and "=" not in key:
                env[prefix + key] = value
    services = dict(service_env or {})
    for var in container.get("env") or []:
        name = var.get("name") or ""
        if "valueFrom" not in var or var.get("valueFrom") is None:
            env[name] = expand(var.get("value") or "", {**services, **env})
            continue
        value = _value_from(var["valueFrom"], pod, container, namespace, config_maps, secrets,
                            network, allocatable)
        if value is not None:
            env[name] = value
    for name, value in services.items():
        env.setdefault(name, value)
    return list(env.items())


def _value_from(value_from: Object, pod: Object, container: Object, namespace: str,
                config_maps: Mapping[str, Object | None], secrets: Mapping[str, Object | None],
                network: PodNetwork, allocatable: Mapping[str, str]) -> str | None:
    if ref := value_from.get("fieldRef"):
        return pod_field(pod, ref.get("fieldPath", ""), network)
    if ref := value_from.get("resourceFieldRef"):
        return resource_field(pod, container, ref, allocatable)
    if ref := value_from.get("configMapKeyRef"):
        return _key_of(ref, config_maps, "configmap", "ConfigMap", namespace, config_map_data)
    if ref := value_from.get("secretKeyRef"):
        return _key_of(ref, secrets, "secret", "Secret", namespace, secret_data)
    return None


def _key_of(ref: Object, objects: Mapping[str, Object | None], noun: str, kind: str,
            namespace: str, data_of: Any) -> str | None:
    name, key, optional = ref.get("name", ""), ref.get("key", ""), bool(ref.get("optional"))
    obj = objects.get(name)
    if obj is None:
        if optional:
            return None
        raise ContainerConfigError(f'{noun} "{name}" not found')
    data = data_of(obj)
    if key not in data:
        if optional:
            return None
        raise ContainerConfigError(f"couldn't find key {key} in {kind} {namespace}/{name}")
    return data[key]


_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\[['\"](.*)['\"]\]$")


def pod_field(pod: Object, path: str, network: PodNetwork) -> str:
    """The value of a downward-API ``fieldPath`` of ``pod``."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    if match := _SUBSCRIPT.match(path):
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "metadata.labels": _format_map(meta.get("labels") or {}),
        "metadata.annotations": _format_map(meta.get("annotations") or {}),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": network.host_ip,
        "status.hostIPs": network.host_ip,
        "status.podIP": network.pod_ip,
        "status.podIPs": network.pod_ip,
    }
    if path not in simple:
        raise ContainerConfigError(f'unsupported fieldPath "{path}"')
    return str(simple[path])


def _format_map(values: Mapping[str, str]) -> str:
    # The downward API's file format for labels and annotations: key="value" per line.
    return "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))


def resource_field(pod: Object, container: Object, ref: Object,
                   allocatable: Mapping[str, str]) -> str:
    """``resourceFieldRef``: a limit or request of a container, in units of ``divisor``;
    an unset limit is the node's allocatable amount, as upstream."""
    name = ref.get("containerName")
    if name:
        spec = pod.get("spec") or {}
        container = next((c for c in [*(spec.get("containers") or []),
                                      *(spec.get("initContainers") or [])]
                          if c.get("name") == name), container)
    resource = ref.get("resource", "")
    kind, _, resource_name = resource.partition(".")
    resources = container.get("resources") or {}
    value = (resources.get(kind) or {}).get(resource_name)
    if value is None and kind == "limits":
        value = allocatable.get(resource_name)
    try:
        amount = parse_quantity(value).amount if value is not None else Decimal(0)
        divisor = parse_quantity(ref.get("divisor") or "1").amount
    except QuantityError as e:
        raise ContainerConfigError(f"invalid resourceFieldRef {resource}: {e}") from e
    if kind not in ("limits", "requests") or divisor <= 0:
        raise ContainerConfigError(f"unsupported container resource : {resource}")
    return str(math.ceil(amount / divisor))


def service_env(services: Sequence[Object], namespace: str, enable_service_links: bool
                ) -> dict[str, str]:
    """Docker-link style variables for the Services a pod sees: those of its namespace when
    ``enableServiceLinks``, and always the ``kubernetes`` Service of ``default``."""
    chosen: dict[str, Object] = {}
    for service in services:
        meta = service.get("metadata") or {}
        spec = service.get("spec") or {}
        ip = spec.get("clusterIP")
        if not ip or ip == "None":
            continue
        name = meta.get("name", "")
        if meta.get("namespace") == "default" and name == "kubernetes":
            chosen.setdefault(name, service)
        elif enable_service_links and meta.get("namespace") == namespace:
            chosen[name] = service
    env: dict[str, str] = {}
    for name in sorted(chosen):
        env.update(_service_variables(chosen[name]))
    return env


def _service_variables(service: Object) -> dict[str, str]:
    spec = service["spec"]
    ip = spec["clusterIP"]
    prefix = service["metadata"]["name"].upper().replace("-", "_")
    ports = spec.get("ports") or []
    env: dict[str, str] = {f"{prefix}_SERVICE_HOST": ip}
    if ports:
        env[f"{prefix}_SERVICE_PORT"] = str(ports[0].get("port"))
    for port in ports:
        if port.get("name"):
            port_name = port["name"].upper().replace("-", "_")
            env[f"{prefix}_SERVICE_PORT_{port_name}"] = str(port.get("port"))
    for i, port in enumerate(ports):
        protocol = (port.get("protocol") or "TCP").lower()
        number = str(port.get("port"))
        url = f"{protocol}://{ip}:{number}"
        if i == 0:
            env[f"{prefix}_PORT"] = url
        port_prefix = f"{prefix}_PORT_{number}_{protocol.upper()}"
        env[port_prefix] = url
        env[f"{port_prefix}_PROTO"] = protocol
        env[f"{port_prefix}_PORT"] = number
        env[f"{port_prefix}_ADDR"] = ip
    return env


def command_line(container: Object, image: ResolvedImage, env: Mapping[str, str]
                 ) -> list[str]:
    """The argv to run: ``command`` replaces the image's entrypoint and drops its cmd;
    ``args`` replaces the cmd; both expand ``$(VAR)`` from the container's environment."""
    command = [expand(a, env) for a in container.get("command") or []]
    args = [expand(a, env) for a in container.get("args") or []]
    if command:
        return [*command, *args]
    if args:
        return [*image.entrypoint, *args]
    return [*image.entrypoint, *image.cmd]


def process_env(image: ResolvedImage, kube_env: Sequence[tuple[str, str]], hostname: str,
                pod_ip: str) -> dict[str, str]:
    """The final process environment: the image's variables, ``HOSTNAME`` (as container
    runtimes set it), then the pod spec's, and ``POD_IP`` unless the spec sets it."""
    env = {"PATH": image.env.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                                              "/sbin:/bin"),
           "HOSTNAME": hostname}
    env.update(image.env)
    env.update(kube_env)
    env.setdefault("POD_IP", pod_ip)
    env.setdefault("HOME", "/root")
    return env

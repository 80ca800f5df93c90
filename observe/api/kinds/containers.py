"""Containers: defaults (``SetDefaults_Container``, probes, ports) and validation of one
container — name, image, ports, env, resources, volume mounts, probes.

The pod spec (:mod:`observe.api.kinds.podspec`) calls in here for ``containers`` and
``initContainers`` and owns what spans containers (unique names, volumes).
"""

from __future__ import annotations

from typing import Any

from observe.api.errors import Cause
from observe.api.kinds.fields import child, existing, objects, set_default, set_default_if_empty
from observe.api.kinds.resources import (
    canonicalize_resource_list,
    validate_resource_requirements,
)
from observe.api.quantity import quantity_errors
from observe.api.validation import (
    as_dict,
    as_list,
    bool_field,
    check_type,
    dict_items,
    dns1123_label_errors,
    duplicate,
    enum_field,
    env_var_name_errors,
    forbidden,
    int_field,
    int_or_port_name_field,
    invalid,
    not_found,
    port_field,
    port_name_errors,
    required,
    string_field,
    type_error,
)

PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")


def image_tag(image: str) -> str:
    """The tag of an image reference; ``latest`` when it names neither tag nor digest (so
    ``busybox`` and ``busybox:latest`` pull Always and ``busybox@sha256:..`` does not)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    return tag or ("" if digest else "latest")


def default_container(container: dict) -> None:
    image = container.get("image")
    # Like upstream, a missing image still gets a policy (IfNotPresent, as for any image that
    # does not parse): validation then reports only the missing image.
    latest = isinstance(image, str) and bool(image) and image_tag(image) == "latest"
    set_default_if_empty(container, "imagePullPolicy", "Always" if latest else "IfNotPresent")
    set_default_if_empty(container, "terminationMessagePath", "/dev/termination-log")
    set_default_if_empty(container, "terminationMessagePolicy", "File")
    for port in objects(container, "ports"):
        set_default_if_empty(port, "protocol", "TCP")
    # Go always writes the (struct) resources back, as "resources": {} when unset.
    resources = child(container, "resources")
    if resources is not None:
        canonicalize_resource_list(resources.get("limits"))
        canonicalize_resource_list(resources.get("requests"))
    for key in PROBES:
        _default_probe(existing(container, key))
    lifecycle = existing(container, "lifecycle")
    for hook in ("postStart", "preStop"):
        _default_handler(existing(lifecycle, hook))
    for env in objects(container, "env"):
        field_ref = existing(existing(env, "valueFrom"), "fieldRef")
        set_default_if_empty(field_ref, "apiVersion", "v1")


def _default_probe(probe: dict | None) -> None:
    if probe is None:
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        if probe.get(key) in (None, 0):
            probe[key] = value
    _default_handler(probe)


def _default_handler(handler: dict | None) -> None:
    http_get = existing(handler, "httpGet")
    set_default_if_empty(http_get, "path", "/")
    set_default_if_empty(http_get, "scheme", "HTTP")


def default_pod_container(container: dict, host_network: bool) -> None:
    """What only a Pod's own containers get (``SetDefaults_Pod``), not templates: requests
    default to limits, and host networking exposes every container port on the host."""
    resources = existing(container, "resources")
    limits = existing(resources, "limits")
    if resources is not None and limits:
        requests = child(resources, "requests")
        for name, value in limits.items():
            # A malformed limit is reported once, where the client wrote it.
            if not quantity_errors(value):
                set_default(requests, name, value)
    if host_network:
        for port in objects(container, "ports"):
            if port.get("hostPort") in (None, 0):
                port["hostPort"] = port.get("containerPort")


# --------------------------------------------------------------------------------------------
# validation


def validate_container(container: dict, path: str, volume_names: set[str], *,
                       init: bool = False) -> list[Cause]:
    """One container; names unique across the pod are checked by the caller."""
    causes: list[Cause] = []
    causes += string_field(container.get("name"), f"{path}.name", required_=True,
                           check=dns1123_label_errors)
    image = container.get("image")
    causes += string_field(image, f"{path}.image", required_=True)
    if isinstance(image, str) and image and image != image.strip():
        causes.append(invalid(f"{path}.image", image,
                              "must not have leading or trailing whitespace"))
    causes += enum_field(container.get("imagePullPolicy"), f"{path}.imagePullPolicy",
                         PULL_POLICIES, required_=True)
    causes += enum_field(container.get("terminationMessagePolicy"),
                         f"{path}.terminationMessagePolicy", TERMINATION_MESSAGE_POLICIES,
                         required_=True)
    for key in ("command", "args"):
        for i, item in enumerate(as_list(container.get(key), f"{path}.{key}", causes)):
            causes += check_type(item, f"{path}.{key}[{i}]", str)
    for key in ("workingDir", "terminationMessagePath"):
        causes += string_field(container.get(key), f"{path}.{key}")
    for key in ("stdin", "stdinOnce", "tty"):
        causes += bool_field(container.get(key), f"{path}.{key}")
    causes += _validate_ports(container.get("ports"), f"{path}.ports")
    causes += _validate_env(container.get("env"), f"{path}.env")
    causes += validate_resource_requirements(container.get("resources"), f"{path}.resources")
    causes += _validate_volume_mounts(container.get("volumeMounts"), f"{path}.volumeMounts",
                                      volume_names)
    causes += _validate_restart_policy(container.get("restartPolicy"), f"{path}.restartPolicy",
                                       init)
    sidecar = init and container.get("restartPolicy") == "Always"
    for key in PROBES:
        probe = container.get(key)
        if probe is None:
            continue
        if init and not sidecar:
            causes.append(forbidden(f"{path}.{key}", "may not be set for init containers "
                                    "without restartPolicy=Always"))
            continue
        causes += _validate_probe(probe, f"{path}.{key}",
                                  single_success=key != "readinessProbe")
    as_dict(container.get("securityContext"), f"{path}.securityContext", causes)
    return causes


def _validate_restart_policy(value: Any, path: str, init: bool) -> list[Cause]:
    if value is None:
        return []
    if not init:
        return [forbidden(path, "may not be set for non-init containers")]
    return enum_field(value, path, ("Always",))


def _validate_ports(ports: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    names: set[str] = set()
    for _, port, port_path in dict_items(as_list(ports, path, causes), path, causes):
        name = port.get("name")
        if name:
            name_causes = string_field(name, f"{port_path}.name", check=port_name_errors)
            if name_causes:
                causes += name_causes
            elif name in names:
                causes.append(duplicate(f"{port_path}.name", name))
            else:
                names.add(name)
        causes += port_field(port.get("containerPort"), f"{port_path}.containerPort",
                             required_=True)
        causes += port_field(port.get("hostPort"), f"{port_path}.hostPort")
        causes += enum_field(port.get("protocol"), f"{port_path}.protocol", PROTOCOLS,
                             required_=True)
        causes += string_field(port.get("hostIP"), f"{port_path}.hostIP")
    return causes


def _validate_env(env: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for _, var, var_path in dict_items(as_list(env, path, causes), path, causes):
        causes += string_field(var.get("name"), f"{var_path}.name", required_=True,
                               check=env_var_name_errors)
        value = var.get("value")
        causes += string_field(value, f"{var_path}.value")
        source = var.get("valueFrom")
        if source is None:
            continue
        source_path = f"{var_path}.valueFrom"
        if not isinstance(source, dict):
            causes.append(type_error(source_path, source, "object"))
            continue
        given = [k for k in ENV_SOURCES if source.get(k) is not None]
        if not given:
            causes.append(invalid(source_path, "", "must specify one of: `fieldRef`, "
                                  "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
        elif len(given) > 1:
            causes.append(invalid(source_path, "", "may not have more than one field "
                                  "specified at a time"))
        elif value:
            causes.append(invalid(source_path, "", "may not be specified when `value` is "
                                  "not empty"))
        for key in given:
            ref = as_dict(source.get(key), f"{source_path}.{key}", causes)
            needed = {"fieldRef": "fieldPath", "resourceFieldRef": "resource"}.get(key, "key")
            causes += string_field(ref.get(needed), f"{source_path}.{key}.{needed}",
                                   required_=True)
    return causes


def _validate_volume_mounts(mounts: Any, path: str, volume_names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for _, mount, mount_path in dict_items(as_list(mounts, path, causes), path, causes):
        name = mount.get("name")
        name_causes = string_field(name, f"{mount_path}.name", required_=True)
        causes += name_causes
        if not name_causes and name not in volume_names:
            causes.append(not_found(f"{mount_path}.name", name))
        where = mount.get("mountPath")
        where_causes = string_field(where, f"{mount_path}.mountPath", required_=True)
        causes += where_causes
        if not where_causes:
            if where in seen:
                causes.append(invalid(f"{mount_path}.mountPath", where, "must be unique"))
            seen.add(where)
        causes += bool_field(mount.get("readOnly"), f"{mount_path}.readOnly")
        causes += string_field(mount.get("subPath"), f"{mount_path}.subPath")
    return causes


def _validate_probe(probe: Any, path: str, *, single_success: bool) -> list[Cause]:
    causes: list[Cause] = []
    probe = as_dict(probe, path, causes)
    causes += _validate_handler(probe, path)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold", "terminationGracePeriodSeconds"):
        causes += int_field(probe.get(key), f"{path}.{key}", minimum=0)
    success = probe.get("successThreshold")
    if single_success and success not in (None, 1) and not causes:
        causes.append(invalid(f"{path}.successThreshold", success, "must be 1"))
    return causes


def _validate_handler(handler: dict, path: str) -> list[Cause]:
    given = [k for k in HANDLERS if handler.get(k) is not None]
    if not given:
        return [required(path, "must specify a handler type")]
    if len(given) > 1:
        return [forbidden(f"{path}.{given[1]}", "may not specify more than 1 handler type")]
    causes: list[Cause] = []
    key = given[0]
    action = as_dict(handler.get(key), f"{path}.{key}", causes)
    if key == "exec":
        command = as_list(action.get("command"), f"{path}.exec.command", causes)
        if not command:
            causes.append(required(f"{path}.exec.command"))
    elif key in ("httpGet", "tcpSocket"):
        port = action.get("port")
        if port is None:
            causes.append(required(f"{path}.{key}.port"))
        else:
            causes += int_or_port_name_field(port, f"{path}.{key}.port")
        if key == "httpGet":
            causes += enum_field(action.get("scheme"), f"{path}.httpGet.scheme",
                                 ("HTTP", "HTTPS"))
    else:
        causes += port_field(action.get("port"), f"{path}.grpc.port", required_=True)
    return causes

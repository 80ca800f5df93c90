"""The pod spec and pod template shared by Pods and every workload: defaults
(``SetDefaults_PodSpec``) and validation (``ValidatePodSpec``, ``ValidatePodTemplateSpec``).

Workloads default and validate their ``spec.template`` through here, so a Deployment's
template is stored exactly as the Pod it will create would be (minus the Pod-only defaults in
:mod:`observe.api.kinds.pod`).
"""

from __future__ import annotations

from typing import Any

from observe.api.errors import Cause
from observe.api.kinds.containers import default_container, validate_container
from observe.api.kinds.fields import child, objects, set_default, set_default_if_empty
from observe.api.kinds.volumes import default_volume, validate_volumes
from observe.api.validation import (
    as_dict,
    as_list,
    bool_field,
    dict_items,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    duplicate,
    enum_field,
    forbidden,
    int_field,
    invalid,
    label_value_errors,
    not_supported,
    qualified_name_errors,
    required,
    string_field,
    validate_annotations,
    validate_labels,
)

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
MAX_INT32 = 2**31 - 1


def default_pod_spec(spec: dict) -> None:
    set_default_if_empty(spec, "dnsPolicy", "ClusterFirst")
    set_default_if_empty(spec, "restartPolicy", "Always")
    set_default(spec, "securityContext", {})
    set_default(spec, "terminationGracePeriodSeconds", 30)
    set_default_if_empty(spec, "schedulerName", "default-scheduler")
    # v1 keeps the deprecated serviceAccount alias in step with serviceAccountName.
    if not spec.get("serviceAccountName") and isinstance(spec.get("serviceAccount"), str):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for key in CONTAINER_LISTS:
        for container in objects(spec, key):
            default_container(container)
    for volume in objects(spec, "volumes"):
        default_volume(volume)


def default_pod_template(owner_spec: dict, key: str = "template") -> None:
    """Default ``owner_spec[key]``, a PodTemplateSpec (absent templates are left for
    validation to report)."""
    template = owner_spec.get(key)
    if not isinstance(template, dict):
        return
    child(template, "metadata")
    spec = child(template, "spec")
    if spec is not None:
        default_pod_spec(spec)


# --------------------------------------------------------------------------------------------
# validation


def validate_pod_template(template: Any, path: str) -> list[Cause]:
    """A workload's template; upstream names template labels ``<path>.labels``."""
    if template is None:
        return [required(path)]
    causes: list[Cause] = []
    template = as_dict(template, path, causes)
    metadata = as_dict(template.get("metadata"), f"{path}.metadata", causes)
    causes += validate_labels(metadata.get("labels"), f"{path}.labels")
    causes += validate_annotations(metadata.get("annotations"), f"{path}.annotations")
    spec = template.get("spec")
    causes += validate_pod_spec(spec, f"{path}.spec")
    if isinstance(spec, dict) and spec.get("ephemeralContainers"):
        causes.append(forbidden(f"{path}.spec.ephemeralContainers",
                                "ephemeral containers not allowed in pod template"))
    return causes


def validate_template_restart_policy(spec: dict, path: str,
                                     allowed: tuple[str, ...]) -> list[Cause]:
    """Controllers restrict the template's restartPolicy (Always for ReplicaSets, OnFailure
    or Never for Jobs)."""
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(pod_spec, dict):
        return []
    policy = pod_spec.get("restartPolicy")
    if policy in allowed:
        return []
    return [not_supported(f"{path}.template.spec.restartPolicy", policy, allowed)]


def validate_pod_spec(spec: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if spec is None:
        return [required(f"{path}.containers")]
    spec = as_dict(spec, path, causes)
    volume_causes, volume_names = validate_volumes(spec.get("volumes"), f"{path}.volumes")
    causes += volume_causes
    causes += _validate_containers(spec, path, volume_names)
    causes += enum_field(spec.get("restartPolicy"), f"{path}.restartPolicy", RESTART_POLICIES,
                         required_=True)
    causes += enum_field(spec.get("dnsPolicy"), f"{path}.dnsPolicy", DNS_POLICIES,
                         required_=True)
    if spec.get("dnsPolicy") == "None" and spec.get("dnsConfig") is None:
        causes.append(required(f"{path}.dnsConfig",
                               "must provide `dnsConfig` when `dnsPolicy` is None"))
    causes += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    for key in ("serviceAccountName", "nodeName"):
        causes += string_field(spec.get(key), f"{path}.{key}", check=dns1123_subdomain_errors)
    for key in ("hostname", "subdomain"):
        causes += string_field(spec.get(key), f"{path}.{key}", check=dns1123_label_errors)
    for key in ("schedulerName", "priorityClassName", "runtimeClassName"):
        causes += string_field(spec.get(key), f"{path}.{key}")
    causes += int_field(spec.get("activeDeadlineSeconds"), f"{path}.activeDeadlineSeconds",
                        minimum=1, maximum=MAX_INT32)
    causes += int_field(spec.get("terminationGracePeriodSeconds"),
                        f"{path}.terminationGracePeriodSeconds")
    causes += int_field(spec.get("priority"), f"{path}.priority")
    for key in ("hostNetwork", "hostPID", "hostIPC", "enableServiceLinks",
                "automountServiceAccountToken", "shareProcessNamespace"):
        causes += bool_field(spec.get(key), f"{path}.{key}")
    causes += validate_tolerations(spec.get("tolerations"), f"{path}.tolerations")
    for _, secret, secret_path in dict_items(
            as_list(spec.get("imagePullSecrets"), f"{path}.imagePullSecrets", causes),
            f"{path}.imagePullSecrets", causes):
        causes += string_field(secret.get("name"), f"{secret_path}.name")
    for key in ("securityContext", "affinity", "dnsConfig"):
        as_dict(spec.get(key), f"{path}.{key}", causes)
    return causes


def _validate_containers(spec: dict, path: str, volume_names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    containers = as_list(spec.get("containers"), f"{path}.containers", causes)
    if not containers and not causes:
        causes.append(required(f"{path}.containers"))
    names: set[str] = set()
    for key in ("initContainers", "containers"):
        items = containers if key == "containers" else \
            as_list(spec.get(key), f"{path}.{key}", causes)
        for _, container, c_path in dict_items(items, f"{path}.{key}", causes):
            causes += validate_container(container, c_path, volume_names,
                                         init=key == "initContainers")
            name = container.get("name")
            if isinstance(name, str) and name:
                if name in names:
                    causes.append(duplicate(f"{c_path}.name", name))
                names.add(name)
    return causes


def validate_tolerations(tolerations: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for _, tol, tol_path in dict_items(as_list(tolerations, path, causes), path, causes):
        key, operator, value = tol.get("key"), tol.get("operator") or "Equal", tol.get("value")
        causes += string_field(key, f"{tol_path}.key", check=qualified_name_errors)
        if not key and operator != "Exists":
            causes.append(invalid(f"{tol_path}.operator", operator, "operator must be Exists "
                                  "when `key` is empty, which means \"match all values and all "
                                  "keys\""))
        if tol.get("tolerationSeconds") is not None and tol.get("effect") != "NoExecute":
            causes.append(invalid(f"{tol_path}.effect", tol.get("effect") or "",
                                  "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        causes += int_field(tol.get("tolerationSeconds"), f"{tol_path}.tolerationSeconds")
        if operator == "Equal":
            causes += string_field(value, f"{tol_path}.value", check=label_value_errors)
        elif operator == "Exists":
            if value:
                causes.append(invalid(f"{tol_path}.operator", tol, "value must be empty when "
                                      "`operator` is 'Exists'"))
        else:
            causes.append(not_supported(f"{tol_path}.operator", operator, ("Equal", "Exists")))
        causes += enum_field(tol.get("effect"), f"{tol_path}.effect", TAINT_EFFECTS)
    return causes

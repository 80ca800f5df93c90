"""core/v1 ConfigMap, Secret and ServiceAccount: key/value configuration for pods.

Keys must be usable as file names; values fit in 1 MiB; an ``immutable`` ConfigMap or Secret
keeps its data forever. A Secret's ``stringData`` is write-only convenience: defaulting folds
it into ``data`` (base64), as kube-apiserver's conversion does, so it is never stored.
"""

from __future__ import annotations

import base64
import binascii
import json

from observe.api.errors import Cause
from observe.api.kinds.fields import set_default_if_empty
from observe.api.kinds.strategy import KindStrategy, build_strategy
from observe.api.validation import (
    as_list,
    bool_field,
    config_key_errors,
    dict_items,
    forbidden,
    immutable,
    invalid,
    required,
    string_field,
    string_map,
    too_long,
)

MAX_SIZE = 1024 * 1024
SECRET_TYPE_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}
SERVICE_ACCOUNT_NAME = "kubernetes.io/service-account.name"
IMMUTABLE_DATA = "field is immutable when `immutable` is set"


def _decoded(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _validate_keys(data: dict, path: str) -> list[Cause]:
    return [invalid(f"{path}[{key}]", key, m) for key in data for m in config_key_errors(key)]


def _validate_base64(data: dict[str, str], path: str) -> tuple[list[Cause], int]:
    """Causes for values that are not base64, and the decoded size of the rest."""
    causes: list[Cause] = []
    size = 0
    for key, value in data.items():
        decoded = _decoded(value)
        if decoded is None:
            causes.append(invalid(f"{path}[{key}]", "<secret contents redacted>",
                                  "illegal base64 data"))
        else:
            size += len(decoded)
    return causes, size


def _immutability(new: dict, old: dict, keys: tuple[str, ...]) -> list[Cause]:
    if old.get("immutable") is not True:
        return []
    causes = [forbidden(key, IMMUTABLE_DATA) for key in keys if new.get(key) != old.get(key)]
    if new.get("immutable") is not True:
        causes.append(forbidden("immutable", IMMUTABLE_DATA))
    return causes


# --------------------------------------------------------------------------------------------
# ConfigMap


def validate_configmap(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    data = string_map(obj.get("data"), "data", causes)
    binary = string_map(obj.get("binaryData"), "binaryData", causes)
    causes += _validate_keys(data, "data") + _validate_keys(binary, "binaryData")
    causes += [invalid(f"data[{key}]", key, "duplicate of key present in binaryData")
               for key in data if key in binary]
    binary_causes, binary_size = _validate_base64(binary, "binaryData")
    causes += binary_causes
    size = sum(len(k) + len(v.encode()) for k, v in data.items()) + \
        sum(len(k) for k in binary) + binary_size
    if size > MAX_SIZE:
        causes.append(too_long("", MAX_SIZE))
    causes += bool_field(obj.get("immutable"), "immutable")
    return causes


def configmap_strategy() -> KindStrategy:
    return build_strategy(
        namespaced=True, rules=validate_configmap,
        update_rules=lambda new, old: _immutability(new, old, ("data", "binaryData")))


# --------------------------------------------------------------------------------------------
# Secret


def default_secret(obj: dict) -> None:
    set_default_if_empty(obj, "type", "Opaque")
    string_data = obj.get("stringData")
    if not isinstance(string_data, dict) or not all(
            isinstance(v, str) for v in string_data.values()):
        return
    data = obj.get("data")
    if data is None:
        data = obj["data"] = {}
    if isinstance(data, dict):
        for key, value in string_data.items():
            data[key] = base64.b64encode(value.encode()).decode()
        del obj["stringData"]


def validate_secret(obj: dict) -> list[Cause]:
    causes: list[Cause] = []
    data = string_map(obj.get("data"), "data", causes)
    causes += _validate_keys(data, "data")
    encoding_causes, size = _validate_base64(data, "data")
    causes += encoding_causes
    if size > MAX_SIZE:
        causes.append(too_long("data", MAX_SIZE))
    # stringData is folded into data by defaulting; what is left had values of a wrong type.
    causes += _validate_keys(string_map(obj.get("stringData"), "stringData", causes),
                             "stringData")
    kind = obj.get("type")
    causes += string_field(kind, "type")
    causes += bool_field(obj.get("immutable"), "immutable")
    for key in SECRET_TYPE_KEYS.get(kind, ()) if isinstance(kind, str) else ():
        if key not in data:
            causes.append(required(f"data[{key}]"))
        elif key.startswith(".docker") and not _is_json(_decoded(data[key])):
            causes.append(invalid(f"data[{key}]", "<secret contents redacted>",
                                  "invalid JSON"))
    if kind == "kubernetes.io/basic-auth" and not ({"username", "password"} & set(data)):
        causes += [required("data[username]"), required("data[password]")]
    if kind == "kubernetes.io/service-account-token":
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        annotations = metadata.get("annotations")
        if not isinstance(annotations, dict) or not annotations.get(SERVICE_ACCOUNT_NAME):
            causes.append(required(f"metadata.annotations[{SERVICE_ACCOUNT_NAME}]"))
    return causes


def _is_json(raw: bytes | None) -> bool:
    try:
        json.loads(raw or b"")
    except ValueError:
        return False
    return True


def validate_secret_update(new: dict, old: dict) -> list[Cause]:
    causes = []
    if new.get("type") != old.get("type"):
        causes.append(immutable("type", new.get("type")))
    return causes + _immutability(new, old, ("data",))


def secret_strategy() -> KindStrategy:
    return build_strategy(namespaced=True, defaults=default_secret, rules=validate_secret,
                          update_rules=validate_secret_update)


# --------------------------------------------------------------------------------------------
# ServiceAccount


def validate_service_account(obj: dict) -> list[Cause]:
    causes = bool_field(obj.get("automountServiceAccountToken"), "automountServiceAccountToken")
    for key in ("secrets", "imagePullSecrets"):
        for _, ref, path in dict_items(as_list(obj.get(key), key, causes), key, causes):
            causes += string_field(ref.get("name"), f"{path}.name")
    return causes


def service_account_strategy() -> KindStrategy:
    return build_strategy(namespaced=True, rules=validate_service_account)

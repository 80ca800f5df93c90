"""Pod volumes: defaults (an empty source means ``emptyDir``, file modes 0644) and
validation (a DNS-label name, exactly one source, the source's required reference).
"""

from __future__ import annotations

from typing import Any

from observe.api.errors import Cause
from observe.api.kinds.fields import existing, objects, set_default
from observe.api.validation import (
    as_dict,
    as_list,
    dict_items,
    dns1123_label_errors,
    duplicate,
    enum_field,
    forbidden,
    int_field,
    required,
    string_field,
)

# In the order upstream checks them, so "more than 1 volume type" names the same one.
VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image",
)
DEFAULT_FILE_MODE = 0o644
# Which member of a source names what it mounts (checked as required).
_REFERENCES = {"secret": "secretName", "configMap": "name", "persistentVolumeClaim": "claimName",
               "hostPath": "path", "nfs": "path", "csi": "driver"}


def default_volume(volume: dict) -> None:
    if not any(volume.get(k) is not None for k in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        set_default(existing(volume, key), "defaultMode", DEFAULT_FILE_MODE)
    set_default(existing(volume, "hostPath"), "type", "")
    for item in objects(existing(volume, "downwardAPI"), "items"):
        set_default(existing(item, "fieldRef"), "apiVersion", "v1")
    for source in objects(existing(volume, "projected"), "sources"):
        set_default(existing(source, "serviceAccountToken"), "expirationSeconds", 3600)
        for item in objects(existing(source, "downwardAPI"), "items"):
            set_default(existing(item, "fieldRef"), "apiVersion", "v1")
    claim_spec = existing(existing(existing(volume, "ephemeral"), "volumeClaimTemplate"), "spec")
    set_default(claim_spec, "volumeMode", "Filesystem")


def validate_volumes(volumes: Any, path: str) -> tuple[list[Cause], set[str]]:
    """Causes, and the valid volume names mounts may refer to."""
    causes: list[Cause] = []
    names: set[str] = set()
    for _, volume, volume_path in dict_items(as_list(volumes, path, causes), path, causes):
        name = volume.get("name")
        name_causes = string_field(name, f"{volume_path}.name", required_=True,
                                   check=dns1123_label_errors)
        causes += name_causes
        if not name_causes:
            if name in names:
                causes.append(duplicate(f"{volume_path}.name", name))
            names.add(name)
        causes += _validate_source(volume, volume_path)
    return causes, names


def _validate_source(volume: dict, path: str) -> list[Cause]:
    given = [k for k in VOLUME_SOURCES if volume.get(k) is not None]
    if not given:
        return [required(path, "must specify a volume type")]
    if len(given) > 1:
        return [forbidden(f"{path}.{given[1]}", "may not specify more than 1 volume type")]
    key = given[0]
    causes: list[Cause] = []
    source = as_dict(volume.get(key), f"{path}.{key}", causes)
    if key in _REFERENCES:
        member = _REFERENCES[key]
        causes += string_field(source.get(member), f"{path}.{key}.{member}", required_=True)
    if "defaultMode" in source:
        causes += int_field(source["defaultMode"], f"{path}.{key}.defaultMode", minimum=0,
                            maximum=0o777, detail="must be a number between 0 and 0777 "
                            "(octal), both inclusive")
    if key == "emptyDir":
        causes += enum_field(source.get("medium"), f"{path}.emptyDir.medium",
                             ("", "Memory", "HugePages"))
    return causes

"""The document a log record becomes: ECS-style field names, pod metadata, id and index.

Sits between :mod:`.parsing`/:mod:`.metadata` and :mod:`.delivery`. Fields:

==============================  =========================================================
``@timestamp``                  when the runtime wrote the line (CRI/Docker time); for an
                                unparsable line, when the shipper read it
``message``                     the line (joined pieces / stack trace), or a JSON line's
                                ``message``/``msg``
``stream``                      ``stdout`` or ``stderr``
``log.level``                   normalised level (:mod:`.parsing`)
``log.file.path``, ``log.offset``  file and byte offset of the record's first line
``log.flags``                   ``multiline``, ``parse_error``, ``binary``, ``truncated``,
                                ``json_parse_error``, ``metadata_missing``,
                                ``mapping_conflict``
``json_text``                   a JSON line's fields as one string, when the store's
                                mapping refused them as fields
``kubernetes.namespace``        from the API, else from the path
``kubernetes.pod.name|uid|ip``
``kubernetes.container.name``
``kubernetes.node.name``
``kubernetes.labels.*``         label keys with ``.`` replaced by ``_`` (dedotted, as
``kubernetes.annotations.*``    Filebeat does, so ``app`` and ``app.kubernetes.io/name``
                                cannot clash in the mapping)
``kubernetes.owner.kind|name``  the pod's controller (ReplicaSet, StatefulSet, Job, ...)
``container.id|name|runtime``
``container.image.name``
``host.name``                   the node
==============================  =========================================================

A JSON line's other fields are merged at the root. When the store refuses a document
because one of them clashes with its mapping (``status`` a number in one app, a string in
another), the document is sent once more with those fields as the string ``json_text``
(:func:`without_merged_fields`) rather than dead-lettered. The part that is the same for every
record of a file (pod, container, host) is serialised once per file and spliced into each
document, which is most of the per-record cost saved.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from observe.shipper.formats import Entry
from observe.shipper.metadata import PodInfo
from observe.shipper.parsing import Parsed
from observe.shipper.paths import PodLogPath

TAG_METADATA_MISSING = "metadata_missing"
TAG_MAPPING_CONFLICT = "mapping_conflict"
# The fields the shipper itself writes; everything else came from a JSON line.
OWN_FIELDS = frozenset({"@timestamp", "message", "stream", "log", "kubernetes", "container",
                        "host"})
DEFAULT_INDEX = "observe-logs-%Y.%m.%d"
# Annotations that are large and say nothing about a log line.
SKIPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})


def dedot(mapping: Mapping[str, str], skip: frozenset[str] = frozenset()) -> dict[str, str]:
    return {k.replace(".", "_"): v for k, v in mapping.items() if k not in skip}


def document_id(fingerprint: str, offset: int) -> str:
    """The record's ``_id``: its file's fingerprint and the offset of its first byte, so the
    same record read twice (a replay after a crash) is the same document."""
    return f"{fingerprint}-{offset:x}"


def static_fields(node: str, where: PodLogPath | None, info: PodInfo | None) -> bytes:
    """``"kubernetes":…,"container":…,"host":…`` for every record of one file: JSON object
    members without the braces, ready to splice."""
    kubernetes: dict[str, Any] = {}
    container: dict[str, Any] = {}
    if where is not None:
        kubernetes = {"namespace": where.namespace,
                      "pod": {"name": where.pod, "uid": where.uid},
                      "container": {"name": where.container,
                                    "restart_count": where.restart}}
        container = {"name": where.container}
    if info is not None:
        kubernetes["namespace"] = info.namespace
        kubernetes["pod"] = {"name": info.name, "uid": info.uid}
        if info.ip:
            kubernetes["pod"]["ip"] = info.ip
        if info.labels:
            kubernetes["labels"] = dedot(info.labels)
        annotations = dedot(info.annotations, SKIPPED_ANNOTATIONS)
        if annotations:
            kubernetes["annotations"] = annotations
        if info.owner_kind:
            kubernetes["owner"] = {"kind": info.owner_kind, "name": info.owner_name}
        if where is not None:
            found = info.containers.get(where.container)
            if found is not None:
                if found.container_id:
                    container["id"] = found.container_id
                if found.runtime:
                    container["runtime"] = found.runtime
                if found.image:
                    container["image"] = {"name": found.image}
    kubernetes["node"] = {"name": info.node if info is not None and info.node else node}
    members = {"kubernetes": kubernetes, "host": {"name": node}}
    if container:
        members["container"] = container
    return orjson.dumps(members)[1:-1]


def now_rfc3339() -> str:
    ns = time.time_ns()
    seconds, frac = divmod(ns, 1_000_000_000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{frac:09d}Z"


def document(entry: Entry, parsed: Parsed, file_path: str, static: bytes,
             extra_flags: tuple[str, ...] = ()) -> bytes:
    """The JSON source of one record."""
    doc: dict[str, Any] = {}
    if parsed.fields:
        doc.update(parsed.fields)
    doc["@timestamp"] = entry.time or now_rfc3339()
    doc["message"] = parsed.message
    if entry.stream is not None:
        doc["stream"] = entry.stream
    log: dict[str, Any] = {"file": {"path": file_path}, "offset": entry.start}
    if parsed.level is not None:
        log["level"] = parsed.level
    flags = entry.tags + parsed.flags + extra_flags
    if flags:
        log["flags"] = list(flags)
    doc["log"] = log
    return orjson.dumps(doc)[:-1] + b"," + static + b"}"


def without_merged_fields(source: bytes) -> bytes | None:
    """The document with a JSON line's merged fields folded into the string ``json_text``
    and flagged; None when it has none (nothing left to try)."""
    try:
        doc = orjson.loads(source)
    except orjson.JSONDecodeError:
        return None
    # json_text counts as the shipper's own: a document refused with it is not retried.
    extra = {key: doc.pop(key) for key in list(doc)
             if key not in OWN_FIELDS and key != "json_text"}
    if not extra:
        return None
    doc["json_text"] = orjson.dumps(extra).decode()
    log = doc.setdefault("log", {})
    if isinstance(log, dict):
        log["flags"] = [*log.get("flags", []), TAG_MAPPING_CONFLICT]
    return orjson.dumps(doc)

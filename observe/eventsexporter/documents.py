"""An Event as a log-store document: pure functions, no I/O.

One document per (event uid, ``count``). A Kubernetes Event is one object that the
recorder updates in place as the same thing happens again (``count`` goes up,
``lastTimestamp`` moves); upserting by uid would keep only its latest state, and the
history this exporter exists for (how often, when) would be lost with every update. With
``_id = <uid>-<count>`` every occurrence is its own document, written with bulk ``create``
like the shipper's records: re-listing after a restart resends the same ids and the store
answers 409. Series events (``series.count``) are counted the same way.

Fields (beside ``@timestamp``, the last occurrence, and ``message``):

=====================================  =================================================
``kubernetes.namespace``               the Event's namespace
``kubernetes.event.name|uid``          the Event object
``kubernetes.event.reason|type``       ``OOMKilling``, ``BackOff``, ...; ``Normal``/``Warning``
``kubernetes.event.count``             occurrences so far
``kubernetes.event.first_timestamp``   first and last occurrence
``kubernetes.event.last_timestamp``
``kubernetes.event.source.component``  who reported it (``kubelet``, ``default-scheduler``)
``kubernetes.event.source.host``
``kubernetes.involved_object.*``       ``kind``, ``name``, ``namespace``, ``uid``,
                                       ``api_version``, ``field_path``
``kubernetes.pod.name``                when the object is a Pod: the same field the
                                       logs carry, so one query finds both
``host.name``                          the reporting node, when there is one
=====================================  =================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from observe.logstore.record import Record
from observe.logstore.templates import index_for

DEFAULT_INDEX = "observe-events-%Y.%m.%d"


def _series_count(event: Mapping[str, Any]) -> int:
    series = event.get("series") or {}
    count = series.get("count") if isinstance(series, Mapping) else None
    if not isinstance(count, int):
        count = event.get("count")
    return count if isinstance(count, int) and count > 0 else 1


def timestamps(event: Mapping[str, Any]) -> tuple[str, str]:
    """(first, last) occurrence; events.k8s.io-style Events only have ``eventTime`` and
    ``series.lastObservedTime``, a bare Event only its creation time."""
    meta = event.get("metadata") or {}
    created = meta.get("creationTimestamp") or ""
    first = event.get("firstTimestamp") or event.get("eventTime") or created
    series = event.get("series") or {}
    last = (event.get("lastTimestamp")
            or (series.get("lastObservedTime") if isinstance(series, Mapping) else None)
            or event.get("eventTime") or first)
    return first, last


def document_id(event: Mapping[str, Any]) -> str:
    meta = event.get("metadata") or {}
    uid = meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}"
    return f"{uid}-{_series_count(event)}"


def event_document(event: Mapping[str, Any]) -> dict[str, Any]:
    meta = event.get("metadata") or {}
    involved = event.get("involvedObject") or event.get("regarding") or {}
    source = event.get("source") or {}
    first, last = timestamps(event)
    described: dict[str, Any] = {
        "name": meta.get("name"), "uid": meta.get("uid"),
        "reason": event.get("reason"), "type": event.get("type"),
        "count": _series_count(event), "first_timestamp": first or None,
        "last_timestamp": last or None, "action": event.get("action"),
        "source": {"component": source.get("component") or event.get("reportingComponent"),
                   "host": source.get("host")},
        "reporting_component": event.get("reportingComponent"),
        "reporting_instance": event.get("reportingInstance"),
    }
    involved_object = {"kind": involved.get("kind"), "name": involved.get("name"),
                       "namespace": involved.get("namespace"), "uid": involved.get("uid"),
                       "api_version": involved.get("apiVersion"),
                       "field_path": involved.get("fieldPath")}
    kubernetes: dict[str, Any] = {"namespace": meta.get("namespace") or involved.get("namespace"),
                                  "event": _compact(described),
                                  "involved_object": _compact(involved_object)}
    if involved.get("kind") == "Pod" and involved.get("name"):
        kubernetes["pod"] = _compact({"name": involved.get("name"), "uid": involved.get("uid")})
    doc: dict[str, Any] = {"@timestamp": last or None,
                           "message": event.get("message") or event.get("note") or "",
                           "kubernetes": _compact(kubernetes)}
    if source.get("host"):
        doc["host"] = {"name": source["host"]}
    return _compact(doc)


def event_record(event: Mapping[str, Any], index_pattern: str = DEFAULT_INDEX,
                 index_cache: dict[str, str] | None = None) -> Record:
    """The record to send: the index is the day of the last occurrence, so a resend of the
    same (uid, count) lands in the same index and is recognised as a duplicate."""
    doc = event_document(event)
    index = index_for(index_pattern, doc.get("@timestamp"),
                      index_cache if index_cache is not None else {})
    return Record(None, 0, index, document_id(event), orjson.dumps(doc))


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    """Without empty values: a missing field is absent, not null, in the store."""
    out = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            value = _compact(value)
        if value not in (None, "", {}):
            out[key] = value
    return out

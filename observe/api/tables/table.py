"""Building a meta.k8s.io/v1 ``Table`` from objects of one kind.

The apiserver answers ``Accept: application/json;as=Table;g=meta.k8s.io;v=v1`` on list, get
and watch with :func:`build_table` (one row per object; a watch event carries a one-row
Table). It adds ``metadata.resourceVersion`` and ``continue`` itself. Printers are looked up
by ``(group, kind)`` in an explicit registry; kinds without one get Name and Age.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from observe.api.errors import StatusError
from observe.api.tables import apps, autoscaling, batch, coordination, core, discovery, pods, policy
from observe.api.tables.cells import age, name
from observe.api.tables.columns import AGE, NAME, Printer

INCLUDE_NONE, INCLUDE_METADATA, INCLUDE_OBJECT = "None", "Metadata", "Object"

DEFAULT_PRINTER = Printer((NAME, AGE), lambda obj, now: [name(obj), age(obj, now)])


def default_printers() -> dict[tuple[str, str], Printer]:
    """The printers kube-apiserver has for the kinds observe serves."""
    return {
        ("", "Pod"): pods.POD,
        ("", "Node"): core.NODE,
        ("", "Namespace"): core.NAMESPACE,
        ("", "Service"): core.SERVICE,
        ("", "Endpoints"): core.ENDPOINTS,
        ("", "Event"): core.EVENT,
        ("", "ConfigMap"): core.CONFIG_MAP,
        ("", "Secret"): core.SECRET,
        ("", "ServiceAccount"): core.SERVICE_ACCOUNT,
        ("", "PersistentVolume"): core.PERSISTENT_VOLUME,
        ("", "PersistentVolumeClaim"): core.PERSISTENT_VOLUME_CLAIM,
        ("apps", "Deployment"): apps.DEPLOYMENT,
        ("apps", "ReplicaSet"): apps.REPLICA_SET,
        ("apps", "StatefulSet"): apps.STATEFUL_SET,
        ("apps", "DaemonSet"): apps.DAEMON_SET,
        ("apps", "ControllerRevision"): apps.CONTROLLER_REVISION,
        ("batch", "Job"): batch.JOB,
        ("batch", "CronJob"): batch.CRON_JOB,
        ("coordination.k8s.io", "Lease"): coordination.LEASE,
        ("discovery.k8s.io", "EndpointSlice"): discovery.ENDPOINT_SLICE,
        ("autoscaling", "HorizontalPodAutoscaler"): autoscaling.HORIZONTAL_POD_AUTOSCALER,
        ("policy", "PodDisruptionBudget"): policy.POD_DISRUPTION_BUDGET,
    }


PRINTERS = default_printers()


def _row_object(obj: dict, include_object: str) -> dict[str, Any]:
    if include_object == INCLUDE_OBJECT:
        return obj
    metadata = obj.get("metadata")
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": metadata if isinstance(metadata, dict) else {}}


def build_table(group: str, kind: str, objects: list[dict], now: datetime,
                include_object: str = INCLUDE_METADATA,
                printers: Mapping[tuple[str, str], Printer] | None = None) -> dict[str, Any]:
    """A Table of ``objects`` (all of ``group``/``kind``) with ages measured at ``now``.

    Each row carries, as ``object``, the object's metadata as a PartialObjectMetadata
    (kubectl reads labels there for ``--show-labels`` and ``-L``), the whole object with
    ``include_object="Object"``, or nothing with ``"None"``."""
    if include_object not in (INCLUDE_NONE, INCLUDE_METADATA, INCLUDE_OBJECT):
        raise StatusError(406, "NotAcceptable",
                          f'unrecognized includeObject value: "{include_object}"')
    printer = (PRINTERS if printers is None else printers).get((group, kind), DEFAULT_PRINTER)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": printer.cells(obj, now)}
        if printer.conditions is not None and (conditions := printer.conditions(obj)):
            row["conditions"] = conditions
        if include_object != INCLUDE_NONE:
            row["object"] = _row_object(obj, include_object)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
            "columnDefinitions": [c.to_dict() for c in printer.columns], "rows": rows}

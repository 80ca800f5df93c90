"""Printers of the apps group: Deployment, ReplicaSet, StatefulSet, DaemonSet and
ControllerRevision, with kube-apiserver 1.32's columns (``READY 2/3``, ``UP-TO-DATE``, ...).
"""

from __future__ import annotations

from datetime import datetime

from observe.api.tables.cells import (
    age,
    container_cells,
    dicts,
    format_label_selector,
    format_labels,
    get,
    integer,
    mapping,
    name,
    selector_string,
    text,
)
from observe.api.tables.columns import AGE, CONTAINERS, IMAGES, NAME, Column, Printer, wide
from observe.api.tables.descriptions import DOCS

READY_PODS = "Number of the pod with ready state"


def _desired(obj: dict) -> int:
    return integer(obj, "spec", "replicas", default=1)  # what defaulting would have set


def _template_spec(obj: dict) -> dict:
    return mapping(obj, "spec", "template", "spec")


def _deployment_cells(deployment: dict, now: datetime) -> list:
    return [name(deployment),
            f"{integer(deployment, 'status', 'readyReplicas')}/{_desired(deployment)}",
            integer(deployment, "status", "updatedReplicas"),
            integer(deployment, "status", "availableReplicas"), age(deployment, now),
            *container_cells(_template_spec(deployment)),
            selector_string(get(deployment, "spec", "selector"), invalid="<invalid>")]


DEPLOYMENT = Printer(
    (NAME, Column("Ready", READY_PODS),
     Column("Up-to-date", DOCS["DeploymentStatus.updatedReplicas"]),
     Column("Available", DOCS["DeploymentStatus.availableReplicas"]), AGE,
     CONTAINERS, IMAGES, wide("Selector", DOCS["DeploymentSpec.selector"])),
    _deployment_cells,
)


def _replica_set_cells(rs: dict, now: datetime) -> list:
    return [name(rs), _desired(rs), integer(rs, "status", "replicas"),
            integer(rs, "status", "readyReplicas"), age(rs, now),
            *container_cells(_template_spec(rs)),
            format_label_selector(get(rs, "spec", "selector"))]


REPLICA_SET = Printer(
    (NAME, Column("Desired", DOCS["ReplicaSetSpec.replicas"], "integer"),
     Column("Current", DOCS["ReplicaSetStatus.replicas"], "integer"),
     Column("Ready", DOCS["ReplicaSetStatus.readyReplicas"], "integer"), AGE,
     CONTAINERS, IMAGES, wide("Selector", DOCS["ReplicaSetSpec.selector"])),
    _replica_set_cells,
)

STATEFUL_SET = Printer(
    (NAME, Column("Ready", READY_PODS), AGE, CONTAINERS, IMAGES),
    lambda sts, now: [name(sts), f"{integer(sts, 'status', 'readyReplicas')}/{_desired(sts)}",
                      age(sts, now), *container_cells(_template_spec(sts))],
)


def _daemon_set_cells(ds: dict, now: datetime) -> list:
    status = mapping(ds, "status")
    return [name(ds), integer(status, "desiredNumberScheduled"),
            integer(status, "currentNumberScheduled"), integer(status, "numberReady"),
            integer(status, "updatedNumberScheduled"), integer(status, "numberAvailable"),
            format_labels(mapping(_template_spec(ds), "nodeSelector")), age(ds, now),
            *container_cells(_template_spec(ds)),
            format_label_selector(get(ds, "spec", "selector"))]


DAEMON_SET = Printer(
    (NAME, Column("Desired", DOCS["DaemonSetStatus.desiredNumberScheduled"], "integer"),
     Column("Current", DOCS["DaemonSetStatus.currentNumberScheduled"], "integer"),
     Column("Ready", DOCS["DaemonSetStatus.numberReady"], "integer"),
     Column("Up-to-date", DOCS["DaemonSetStatus.updatedNumberScheduled"], "integer"),
     Column("Available", DOCS["DaemonSetStatus.numberAvailable"], "integer"),
     Column("Node Selector", DOCS["PodSpec.nodeSelector"]), AGE,
     CONTAINERS, IMAGES, wide("Selector", DOCS["DaemonSetSpec.selector"])),
    _daemon_set_cells,
)


def controller_name(obj: dict) -> str:
    """``statefulset.apps/web`` for the controlling owner, or ``<none>``."""
    owner = next((o for o in dicts(obj, "metadata", "ownerReferences")
                  if o.get("controller") is True), None)
    if owner is None:
        return "<none>"
    group = text(owner, "apiVersion").rpartition("/")[0]
    kind = text(owner, "kind")
    if not kind and not group:
        return text(owner, "name")
    group_kind = f"{kind}.{group}" if group else kind
    return f"{group_kind.lower()}/{text(owner, 'name')}"


CONTROLLER_REVISION = Printer(
    (NAME, Column("Controller", "Controller of the object"),
     Column("Revision", DOCS["ControllerRevision.revision"]), AGE),
    lambda cr, now: [name(cr), controller_name(cr), integer(cr, "revision"), age(cr, now)],
)

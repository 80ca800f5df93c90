"""The namespace controller's conditions and deletion order."""

from __future__ import annotations

from datetime import UTC, datetime

from observe.api.registry import default_registry
from observe.controllers.namespace import ContentReport, deletion_conditions, deletion_order

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def by_type(conditions: list[dict]) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in conditions}


def test_all_clear():
    conditions = by_type(deletion_conditions(ContentReport(), [], NOW))
    assert conditions == {
        "NamespaceDeletionDiscoveryFailure":
            ("False", "ResourcesDiscovered", "All resources successfully discovered"),
        "NamespaceDeletionGroupVersionParsingFailure":
            ("False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
        "NamespaceDeletionContentFailure":
            ("False", "ContentDeleted",
             "All content successfully deleted, may be waiting on finalization"),
        "NamespaceContentRemaining":
            ("False", "ContentRemoved", "All content successfully removed"),
        "NamespaceFinalizersRemaining":
            ("False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
    }


def test_problems_are_worded_like_upstream():
    report = ContentReport(errors=["pods.: boom", "secrets.: bang"],
                           remaining={"pods.": 2, "deployments.apps": 1},
                           finalizers={"example.com/a": 1})
    conditions = by_type(deletion_conditions(report, [], NOW))
    assert conditions["NamespaceDeletionContentFailure"] == (
        "True", "ContentDeletionFailed",
        "Failed to delete all resource types, 2 remaining: [pods.: boom, secrets.: bang]")
    assert conditions["NamespaceContentRemaining"] == (
        "True", "SomeResourcesRemain", "Some resources are remaining: deployments.apps has 1 "
        "resource instances, pods. has 2 resource instances")
    assert conditions["NamespaceFinalizersRemaining"] == (
        "True", "SomeFinalizersRemain",
        "Some content in the namespace has finalizers remaining: example.com/a in 1 resource "
        "instances")


def test_unchanged_conditions_keep_their_time():
    first = deletion_conditions(ContentReport(remaining={"pods.": 1}), [], NOW)
    later = datetime(2024, 5, 1, 13, 0, 0, tzinfo=UTC)
    second = deletion_conditions(ContentReport(), first, later)
    times = {c["type"]: c["lastTransitionTime"] for c in second}
    assert times["NamespaceContentRemaining"] == "2024-05-01T13:00:00Z"
    assert times["NamespaceDeletionContentFailure"] == "2024-05-01T12:00:00Z"


def test_pods_go_first_and_cluster_scoped_kinds_never():
    order = deletion_order(list(default_registry()))
    assert (order[0].group, order[0].plural) == ("", "pods")
    assert all(rt.namespaced for rt in order)
    assert {"deployments", "configmaps", "events", "leases"} <= {rt.plural for rt in order}

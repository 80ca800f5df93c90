"""ControllerRevisions: the template history of DaemonSets and StatefulSets.

Like upstream's ``controller_history.go``: each distinct pod template a workload has run gets
an immutable ControllerRevision named ``<owner>-<hash>``, numbered by ``revision``, holding
the template as the patch that restores it (``{"spec": {"template": {..., "$patch":
"replace"}}}``, which ``kubectl rollout undo`` applies). Going back to an earlier template
re-uses its revision and gives it the next number. Pure functions; the controllers create
and delete the objects.
"""

from __future__ import annotations

import copy
from typing import Any

from observe.controllers.ownership import controller_ref
from observe.controllers.podtemplate import normalize, template_hash

Object = dict[str, Any]

REVISION_HASH = "controller-revision-hash"


def template_of(revision: Object) -> Object:
    """The pod template a revision restores (without the ``$patch`` directive)."""
    template = (((revision.get("data") or {}).get("spec") or {}).get("template")) or {}
    return {k: v for k, v in template.items() if k != "$patch"}


def same_template(revision: Object, template: Object) -> bool:
    return normalize(template_of(revision)) == normalize(template)


def revision_number(revision: Object) -> int:
    value = revision.get("revision")
    return value if isinstance(value, int) else 0


def new_revision(owner: Object, template: Object, number: int,
                 collision_count: int | None = None) -> Object:
    """The ControllerRevision recording ``template`` for ``owner``."""
    digest = template_hash(template, collision_count)
    meta = owner["metadata"]
    labels = dict(((template.get("metadata") or {}).get("labels")) or {})
    labels[REVISION_HASH] = digest
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": f"{meta['name']}-{digest}", "namespace": meta.get("namespace"),
                         "labels": labels, "ownerReferences": [controller_ref(owner)]},
            "data": {"spec": {"template": {**copy.deepcopy(template), "$patch": "replace"}}},
            "revision": number}


def revision_hash(revision: Object) -> str:
    labels = (revision.get("metadata") or {}).get("labels") or {}
    name = str((revision.get("metadata") or {}).get("name") or "")
    return str(labels.get(REVISION_HASH) or name.rpartition("-")[2])


def current_revision(revisions: list[Object], template: Object) -> Object | None:
    """The newest revision holding ``template``, if any."""
    matching = [r for r in revisions if same_template(r, template)]
    return max(matching, key=revision_number) if matching else None


def next_number(revisions: list[Object]) -> int:
    return max((revision_number(r) for r in revisions), default=0) + 1


def history_to_delete(revisions: list[Object], in_use: set[str], limit: int) -> list[Object]:
    """The oldest revisions beyond ``limit`` that no live pod runs (``in_use`` holds their
    names or hashes)."""
    unused = sorted((r for r in revisions
                     if r["metadata"]["name"] not in in_use and revision_hash(r) not in in_use),
                    key=revision_number)
    return unused[:max(0, len(unused) - limit)]

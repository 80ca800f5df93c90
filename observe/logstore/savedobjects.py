"""The Kibana / OpenSearch Dashboards saved objects in ``dashboards/kibana``, read back.

Sits beside the log store for whoever needs to run a saved search without Dashboards: the
test that proves each one finds documents in the real indices, and triage. A saved search
keeps its query (Lucene syntax, which both products and the stores' ``query_string`` speak,
unlike KQL), its filters and its sort in ``kibanaSavedObjectMeta.searchSourceJSON``, and
names its data view through ``references``; :func:`saved_searches` resolves all of that
into the index pattern and the ``_search`` body Dashboards would send.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


class SavedObjectError(ValueError):
    """A saved object that Dashboards could not use either."""


def load(path: Path) -> list[dict[str, Any]]:
    """The objects of one ``.ndjson`` export, in order."""
    objects = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if line.strip():
            try:
                objects.append(json.loads(line))
            except ValueError as e:
                raise SavedObjectError(f"{path}:{number}: {e}") from e
    return objects


@dataclass(frozen=True)
class SavedSearch:
    id: str
    title: str
    index: str
    """The data view's title: an index pattern such as ``observe-logs-*``."""
    query: str
    language: str
    filters: tuple[Mapping[str, Any], ...]
    """Enabled filters' queries (disabled ones are templates for the user to fill in)."""
    sort: tuple[tuple[str, str], ...]

    def body(self, size: int = 10) -> dict[str, Any]:
        if self.language != "lucene":
            raise SavedObjectError(f"{self.id}: only Lucene queries can be run without "
                                   f"Dashboards, not {self.language!r}")
        must: list[Mapping[str, Any]] = []
        if self.query.strip():
            must.append({"query_string": {"query": self.query,
                                          "analyze_wildcard": True}})
        return {"size": size, "query": {"bool": {"must": must, "filter": list(self.filters)}},
                "sort": [{field: {"order": order, "unmapped_type": "keyword"}}
                         for field, order in self.sort]}


def saved_searches(objects: Iterable[Mapping[str, Any]]) -> list[SavedSearch]:
    objects = list(objects)
    patterns = {o["id"]: o["attributes"]["title"] for o in objects
                if o.get("type") == "index-pattern"}
    found = []
    for obj in objects:
        if obj.get("type") != "search":
            continue
        attributes = obj["attributes"]
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        refs = {r["name"]: r["id"] for r in obj.get("references") or []}
        pattern_id = refs.get(source.get("indexRefName", INDEX_REF))
        if pattern_id not in patterns:
            raise SavedObjectError(f"{obj['id']}: data view {pattern_id!r} is not in the "
                                   "same export")
        query = source.get("query") or {}
        filters = tuple(f["query"] for f in source.get("filter") or []
                        if not (f.get("meta") or {}).get("disabled") and "query" in f)
        found.append(SavedSearch(
            obj["id"], attributes["title"], patterns[pattern_id], query.get("query", ""),
            query.get("language", "kuery"), filters,
            tuple((field, order) for field, order in attributes.get("sort") or [])))
    return found

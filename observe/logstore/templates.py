"""Index management for the log store: composable index templates and retention.

Sits beside the writers (``observe shipper``, ``observe events-exporter``), which apply the
templates before their first write (:func:`with_index_templates`), and works the same on
OpenSearch 2.x and Elasticsearch 8/9 (both speak ``_component_template`` and
``_index_template``). Indices are daily, ``observe-logs-YYYY.MM.DD`` and
``observe-events-YYYY.MM.DD``, so retention is deleting whole indices older than N days:
no ILM/ISM policy (their APIs differ between the two stores), one APScheduler job
(:func:`schedule_retention`) run by the events exporter, of which there is one per cluster.

Mappings: ``message`` is ``text``; identifiers (namespace, pod, container, node, levels,
flags, event reasons and types) are ``keyword``, so filters and terms aggregations work on
them; label and annotation keys arrive dedotted (``app_kubernetes_io/name``, see
:mod:`observe.shipper.fields`) and are mapped ``keyword`` by a dynamic template, so a new
label never turns into a ``text`` field or clashes with another. Every index has
``number_of_replicas: 0``: a single node can place no replica and would stay yellow.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from observe.logstore.outputs.base import ItemResult, Output, OutputUnavailable
from observe.logstore.record import Record

log = logging.getLogger(__name__)

LOGS_PREFIX = "observe-logs"
EVENTS_PREFIX = "observe-events"
MANAGED_PREFIXES = (LOGS_PREFIX, EVENTS_PREFIX)
DEFAULT_RETENTION_DAYS = 7
RETENTION_INTERVAL = 3600.0
TEMPLATE_PRIORITY = 200

KEYWORD = {"type": "keyword", "ignore_above": 1024}
_DAILY = re.compile(r"^(?P<prefix>.+)-(?P<y>\d{4})\.(?P<m>\d{2})\.(?P<d>\d{2})$")


def _keywords(*names: str) -> dict[str, Any]:
    return {name: KEYWORD for name in names}


def _object(**properties: Any) -> dict[str, Any]:
    return {"properties": properties}


SETTINGS_COMPONENT = "observe-settings"
KUBERNETES_COMPONENT = "observe-kubernetes"

COMPONENT_TEMPLATES: dict[str, dict[str, Any]] = {
    SETTINGS_COMPONENT: {"template": {"settings": {
        "index": {"number_of_shards": 1, "number_of_replicas": 0,
                  "refresh_interval": "1s"}}}},
    KUBERNETES_COMPONENT: {"template": {"mappings": {
        "dynamic_templates": [
            {"labels": {"path_match": "kubernetes.labels.*", "mapping": KEYWORD}},
            {"annotations": {"path_match": "kubernetes.annotations.*", "mapping": KEYWORD}},
            # Other strings (a JSON line's own fields) are identifiers far more often than
            # prose; keyword keeps them filterable and cheap.
            {"strings": {"match_mapping_type": "string", "mapping": KEYWORD}},
        ],
        "properties": {
            "message": {"type": "text"},
            "kubernetes": _object(
                namespace=KEYWORD,
                pod=_object(**_keywords("name", "uid"), ip={"type": "ip",
                                                            "ignore_malformed": True}),
                container=_object(name=KEYWORD, restart_count={"type": "integer"}),
                node=_object(name=KEYWORD),
                owner=_object(**_keywords("kind", "name")),
                labels={"type": "object", "dynamic": True},
                annotations={"type": "object", "dynamic": True},
            ),
            "host": _object(name=KEYWORD),
        },
    }}},
}

LOGS_MAPPINGS: dict[str, Any] = {"properties": {
    # CRI timestamps have nanoseconds; lines of one burst keep their order.
    "@timestamp": {"type": "date_nanos"},
    "stream": KEYWORD,
    "log": _object(level=KEYWORD, flags=KEYWORD, offset={"type": "long"},
                   file=_object(path=KEYWORD)),
    "json_text": {"type": "text"},
    "container": _object(**_keywords("id", "name", "runtime"), image=_object(name=KEYWORD)),
}}

EVENTS_MAPPINGS: dict[str, Any] = {"properties": {
    "@timestamp": {"type": "date"},
    "kubernetes": _object(
        event=_object(**_keywords("name", "uid", "reason", "type", "action",
                                  "reporting_component", "reporting_instance"),
                      count={"type": "long"},
                      first_timestamp={"type": "date"}, last_timestamp={"type": "date"},
                      source=_object(**_keywords("component", "host"))),
        involved_object=_object(**_keywords("kind", "name", "namespace", "uid",
                                            "api_version", "field_path"))),
}}


@dataclass(frozen=True)
class IndexTemplate:
    name: str
    prefix: str
    mappings: Mapping[str, Any]

    def body(self) -> dict[str, Any]:
        return {"index_patterns": [f"{self.prefix}-*"], "priority": TEMPLATE_PRIORITY,
                "composed_of": [SETTINGS_COMPONENT, KUBERNETES_COMPONENT],
                "template": {"mappings": dict(self.mappings)},
                "_meta": {"managed_by": "observe"}}


LOGS_TEMPLATE = IndexTemplate(LOGS_PREFIX, LOGS_PREFIX, LOGS_MAPPINGS)
EVENTS_TEMPLATE = IndexTemplate(EVENTS_PREFIX, EVENTS_PREFIX, EVENTS_MAPPINGS)


def daily_index(prefix: str, day: dt.date) -> str:
    return f"{prefix}-{day:%Y.%m.%d}"


def expired_indices(names: Iterable[str], today: dt.date, days: int,
                    prefixes: Sequence[str] = MANAGED_PREFIXES) -> list[str]:
    """Daily indices of ``prefixes`` whose day is more than ``days`` days before ``today``;
    anything not named like one of ours is never touched."""
    oldest_kept = today - dt.timedelta(days=days)
    expired = []
    for name in names:
        match = _DAILY.match(name)
        if match is None or match["prefix"] not in prefixes:
            continue
        try:
            day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
        if day < oldest_kept:
            expired.append(name)
    return sorted(expired)


# -- talking to the store ------------------------------------------------------------------


class StoreError(Exception):
    """The store did not take an administrative request."""


class StoreAdmin:
    """The few administrative calls index management needs, over plain HTTP (the bulk
    clients refuse each other's product, but these requests are the same on both)."""

    def __init__(self, url: str, *, username: str | None = None, password: str | None = None,
                 api_key: str | None = None, verify_certs: bool = True,
                 timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"ApiKey {api_key}"
        self._auth = aiohttp.BasicAuth(username, password or "") if username else None
        self._ssl = None if verify_certs else False
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        try:
            async with self._session.request(method, self.url + path, json=body,
                                             headers=self._headers, auth=self._auth,
                                             ssl=self._ssl) as response:
                text = await response.text()
                if response.status >= 300:
                    raise StoreError(f"{method} {path}: {response.status} {text[:300]}")
                return await response.json(content_type=None) if text else None
        except (aiohttp.ClientError, TimeoutError) as e:
            raise StoreError(f"{method} {path}: {e}") from e

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def apply_templates(admin: StoreAdmin,
                          templates: Sequence[IndexTemplate] = (LOGS_TEMPLATE,
                                                                EVENTS_TEMPLATE)) -> None:
    """PUT the component templates, then the index templates; idempotent."""
    for name, body in COMPONENT_TEMPLATES.items():
        await admin.request("PUT", f"/_component_template/{name}", body)
    for template in templates:
        await admin.request("PUT", f"/_index_template/{template.name}", template.body())


async def delete_expired(admin: StoreAdmin, days: int, today: dt.date | None = None,
                         prefixes: Sequence[str] = MANAGED_PREFIXES) -> list[str]:
    """Delete our daily indices older than ``days`` days; returns their names."""
    pattern = ",".join(f"{p}-*" for p in prefixes)
    rows = await admin.request("GET", f"/_cat/indices/{pattern}?format=json&h=index")
    names = [row.get("index", "") for row in rows or [] if isinstance(row, dict)]
    today = today or dt.datetime.now(dt.UTC).date()
    expired = expired_indices(names, today, days, prefixes)
    for name in expired:
        await admin.request("DELETE", f"/{name}")
    if expired:
        log.info("retention (%d days): deleted %s", days, ", ".join(expired))
    return expired


def schedule_retention(scheduler: Any, admin: StoreAdmin, days: int,
                       interval: float = RETENTION_INTERVAL) -> None:
    """Add the retention job to an APScheduler ``AsyncIOScheduler``: once now, then every
    ``interval`` seconds; a failure is logged and the next run tries again."""

    async def job() -> None:
        try:
            await delete_expired(admin, days)
        except StoreError as e:
            log.warning("retention: %s", e)

    scheduler.add_job(job, "interval", seconds=interval, id="observe-retention",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1,
                      replace_existing=True)


# -- applying templates before the first write --------------------------------------------


class TemplatedOutput:
    """An :class:`~observe.logstore.outputs.base.Output` that makes sure the templates are
    in place before its first batch: a batch sent first would create the day's index with
    guessed mappings, which cannot be changed afterwards. Until the store takes them the
    batch counts as not delivered, so the delivery loop backs off and tries again."""

    def __init__(self, output: Output, admin: StoreAdmin,
                 templates: Sequence[IndexTemplate] = (LOGS_TEMPLATE, EVENTS_TEMPLATE)) -> None:
        self.output = output
        self.name = output.name
        self.admin = admin
        self.templates = tuple(templates)
        self.applied = False
        self._lock = asyncio.Lock()

    async def send(self, records: Sequence[Record]) -> list[ItemResult]:
        if not self.applied:
            async with self._lock:
                if not self.applied:
                    try:
                        await apply_templates(self.admin, self.templates)
                    except StoreError as e:
                        raise OutputUnavailable(f"cannot apply the index templates: {e}") from e
                    self.applied = True
        return await self.output.send(records)

    async def close(self) -> None:
        await self.output.close()
        await self.admin.close()


def index_for(pattern: str, timestamp: str | None, cache: dict[str, str]) -> str:
    """The index a record goes to: ``pattern`` with ``%Y``/``%m``/``%d`` taken from the
    record's own date (so a resend lands in the same index as the first send)."""
    day = timestamp[:10] if timestamp and len(timestamp) >= 10 else None
    if day is None:
        day = time.strftime("%Y-%m-%d", time.gmtime())
    name = cache.get(day)
    if name is None:
        name = (pattern.replace("%Y", day[0:4]).replace("%m", day[5:7])
                .replace("%d", day[8:10]))
        cache[day] = name
    return name

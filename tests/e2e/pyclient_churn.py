"""Writers that churn ConfigMaps and Pods in one namespace while informers watch.

Each writer owns its own names, so every write it makes should succeed: creates, JSON merge
and strategic merge patches, label flips that move objects in and out of a ``churn=yes``
selector, whole-object PUTs with the resourceVersion last seen, pod status writes, deletes.
Anything else the apiserver answers is recorded in :attr:`ChurnReport.failures`: under load,
a write may be slow, never wrong. The informer tests compare their caches with a LIST taken
after the writers stop.
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

SELECTOR = "churn=yes"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
COLLECTIONS = ("configmaps", "pods")


@dataclass
class ChurnReport:
    writes: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)


def new_object(plural: str, name: str, writer: str, rng: random.Random) -> dict[str, Any]:
    metadata = {"name": name, "labels": {"churn": rng.choice(("yes", "no")), "writer": writer}}
    if plural == "configmaps":
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                "data": {"n": "0"}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [{"name": "app", "image": "web"}]}}


class Writer:
    """One writer: ``names`` objects of one collection, changed at random until told to stop."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, namespace: str,
                 plural: str, writer: str, names: int, seed: int, report: ChurnReport) -> None:
        self.session = session
        self.collection = f"{base_url}/api/v1/namespaces/{namespace}/{plural}"
        self.plural = plural
        self.writer = writer
        self.names = [f"{writer}-{index}" for index in range(names)]
        self.rng = random.Random(seed)
        self.report = report
        self.objects: dict[str, dict[str, Any]] = {}  # name -> as last returned
        self.counter = 0

    async def _send(self, op: str, method: str, url: str, body: Any,
                    content_type: str = "application/json") -> dict[str, Any] | None:
        async with self.session.request(method, url, data=orjson.dumps(body),
                                        headers={"Content-Type": content_type}) as response:
            payload = await response.read()
            if response.status not in (200, 201):
                self.report.failures.append(
                    f"{op} {url}: HTTP {response.status} {payload[:300]!r}")
                return None
            self.report.writes[f"{self.plural} {op}"] += 1
            return orjson.loads(payload)

    async def step(self) -> None:
        name = self.rng.choice(self.names)
        url = f"{self.collection}/{name}"
        current = self.objects.get(name)
        self.counter += 1
        if current is None:
            created = await self._send("create", "POST", self.collection,
                                       new_object(self.plural, name, self.writer, self.rng))
            if created is not None:
                self.objects[name] = created
            return
        op = self.rng.choice(("label", "change", "replace", "delete"))
        result: dict[str, Any] | None
        if op == "label":
            flip = "no" if current["metadata"]["labels"].get("churn") == "yes" else "yes"
            result = await self._send(op, "PATCH", url, {"metadata": {"labels": {"churn": flip}}},
                                      MERGE_PATCH)
        elif op == "change" and self.plural == "configmaps":
            result = await self._send(op, "PATCH", url, {"data": {"n": str(self.counter)}},
                                      STRATEGIC_PATCH)
        elif op == "change":
            ready = self.rng.choice(("True", "False"))
            result = await self._send("status", "PATCH", f"{url}/status", {"status": {
                "phase": "Running", "conditions": [{"type": "Ready", "status": ready}]}},
                MERGE_PATCH)
        elif op == "replace":
            body = dict(current)
            body["metadata"] = {**current["metadata"], "annotations": {"n": str(self.counter)}}
            result = await self._send(op, "PUT", url, body)
        else:
            await self._send(op, "DELETE", url, {})
            self.objects.pop(name, None)
            return
        if result is not None:
            self.objects[name] = result

    async def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            await self.step()


async def churn(base_url: str, namespace: str, seconds: float, *, writers: int = 4,
                names: int = 8, seed: int = 1) -> ChurnReport:
    """Run ``writers`` writers (alternately on ConfigMaps and Pods) for ``seconds``."""
    report = ChurnReport()
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(
            Writer(session, base_url, namespace, COLLECTIONS[index % 2], f"w{index}", names,
                   seed * 1000 + index, report).run(deadline)
            for index in range(writers)))
    return report

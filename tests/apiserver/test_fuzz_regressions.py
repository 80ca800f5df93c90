"""Replays every input the fuzzers found (``fuzz_regressions/*.json``) against a real
apiserver: each once made the server answer 5xx or something that was not a Status.

A case file holds a ``description`` of the failure, the ``fix``, optional setup ``steps``
(requests that must succeed), the ``request`` itself (the form of
:meth:`FuzzRequest.to_json`) and what is ``expect``-ed now: the status, and the Status
reason for errors. ``{ns}`` in paths and bodies is the test's own namespace, ``{uid}`` a
suffix unique to the run. Every answer also meets the fuzz invariants, strictly (the
official client reads every object answered).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.apiserver.test_fuzz_invariants import FuzzRequest, FuzzServer

CASES = sorted((Path(__file__).parent / "fuzz_regressions").glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_cases_are_complete():
    assert CASES, "no regression cases found"
    for path in CASES:
        case = load(path)
        missing = {"description", "fix", "request", "expect"} - set(case)
        assert not missing, f"{path.name} lacks {sorted(missing)}"
        assert "status" in case["expect"], f"{path.name} expects no status"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fuzz_regression(apiserver, namespace, path: Path):
    case = load(path)
    server = FuzzServer(apiserver, strict=True)
    names = {"ns": namespace, "uid": uuid.uuid4().hex[:8]}
    for step in case.get("steps", []):
        request = FuzzRequest.from_json(step, names)
        request.headers.setdefault("Content-Type", "application/json")
        reply = server.exchange(request)
        assert reply.status < 300, f"setup step {step['method']} {step['path']}: {reply.body!r}"
    reply = server.exchange(FuzzRequest.from_json(case["request"], names))
    expect = case["expect"]
    assert reply.status == expect["status"], (
        f"{path.stem}: got {reply.status}, want {expect['status']}: {reply.body[:300]!r}")
    if "reason" in expect:
        assert json.loads(reply.body)["reason"] == expect["reason"], reply.body[:300]
    assert server.healthy()

"""A few calls of the Prometheus and Alertmanager HTTP APIs, and polling with a deadline,
for the integration tests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
# Everything here is on loopback: an http_proxy from the environment must not be asked.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get_json(url: str, timeout: float = 10.0) -> Any:
    with _OPENER.open(url, timeout=timeout) as response:
        return json.loads(response.read())


def status_of(url: str, timeout: float = 5.0) -> int:
    """The HTTP status of GET ``url`` (0 when nothing answers)."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return 0


def query(prometheus: str, expr: str) -> dict[str, Any]:
    """The whole ``/api/v1/query`` answer, errors included (a 400 has a JSON body too)."""
    url = f"{prometheus}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    try:
        return get_json(url)
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b"{}")


def active_targets(prometheus: str) -> list[dict[str, Any]]:
    return get_json(f"{prometheus}/api/v1/targets?state=active")["data"]["activeTargets"]


def rule_groups(prometheus: str) -> list[dict[str, Any]]:
    return get_json(f"{prometheus}/api/v1/rules")["data"]["groups"]


def alertmanager_alerts(alertmanager: str) -> list[dict[str, Any]]:
    return get_json(f"{alertmanager}/api/v2/alerts")


def poll(what: str, check: Callable[[], T], timeout: float = 60.0, every: float = 0.5) -> T:
    """``check()``'s first truthy result; fails naming ``what`` and the last result."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = check()
        except (OSError, ValueError, KeyError) as e:  # not up yet, or half an answer
            last = e
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; "
                                 f"last: {last!r}")
        time.sleep(every)

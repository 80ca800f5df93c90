"""HTTP health probes: a component is healthy while its health URL answers 200.

Probes of many components run at once on a small thread pool, so one hung component
costs one timeout per round, not one per component.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 2.0
# Components listen on loopback: an http_proxy from the environment must not be asked.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

HealthCheck = Callable[[Sequence[str]], Mapping[str, bool]]


def http_ok(url: str, timeout: float = TIMEOUT) -> bool:
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def check_all(urls: Sequence[str], timeout: float = TIMEOUT) -> dict[str, bool]:
    """``{url: healthy}`` for every url, probed concurrently."""
    if not urls:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(urls), 16)) as pool:
        results = pool.map(lambda u: http_ok(u, timeout), urls)
        return dict(zip(urls, results, strict=True))

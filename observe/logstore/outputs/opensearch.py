"""OpenSearch through ``opensearch-py``: only the client and its errors live here.

The bulk logic is :mod:`.bulk`'s. The client's own retries are off: retrying is the
delivery loop's job, item by item (a client retry of a whole bulk would resend items that
already succeeded).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy import exceptions as os_errors

from observe.logstore.outputs.base import OutputUnavailable
from observe.logstore.outputs.bulk import BulkOutput, BulkRequestRejected

DEFAULT_TIMEOUT = 30.0


class OpenSearchTransport:
    def __init__(self, hosts: Sequence[str], *, username: str | None = None,
                 password: str | None = None, verify_certs: bool = True,
                 timeout: float = DEFAULT_TIMEOUT, compress: bool = False) -> None:
        options: dict[str, Any] = {}
        if username is not None:
            options["http_auth"] = (username, password or "")
        self.client = AsyncOpenSearch(hosts=list(hosts), timeout=timeout, max_retries=0,
                                      retry_on_timeout=False, verify_certs=verify_certs,
                                      http_compress=compress, **options)

    async def bulk(self, body: bytes) -> dict[str, Any]:
        try:
            return await self.client.bulk(body=body)
        except (os_errors.ConnectionError, os_errors.ConnectionTimeout) as e:
            raise OutputUnavailable(f"OpenSearch unreachable: {e}") from e
        except os_errors.TransportError as e:
            status = e.status_code if isinstance(e.status_code, int) else 0
            if status == 429 or status >= 500 or status == 0:
                raise OutputUnavailable(f"OpenSearch answered {status}: {e.error}") from e
            raise BulkRequestRejected(status, str(e.error)) from e

    async def close(self) -> None:
        await self.client.close()


def opensearch_output(hosts: Sequence[str], **options: Any) -> BulkOutput:
    return BulkOutput(OpenSearchTransport(hosts, **options), "opensearch")

"""Elasticsearch 8 and 9 through the ``elasticsearch`` 8.x client: only the client and its
errors live here (the bulk logic is :mod:`.bulk`'s).

The 8.x client is the one that talks to both 8 and 9 servers. It checks the
``X-Elastic-Product`` header, so it cannot be pointed at OpenSearch — :mod:`.opensearch`
is for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import elastic_transport
from elasticsearch import ApiError, AsyncElasticsearch

from observe.logstore.outputs.base import OutputUnavailable
from observe.logstore.outputs.bulk import BulkOutput, BulkRequestRejected

DEFAULT_TIMEOUT = 30.0


class ElasticsearchTransport:
    def __init__(self, hosts: Sequence[str], *, api_key: str | None = None,
                 username: str | None = None, password: str | None = None,
                 verify_certs: bool = True, ca_certs: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, compress: bool = False) -> None:
        options: dict[str, Any] = {}
        if api_key is not None:
            options["api_key"] = api_key
        elif username is not None:
            options["basic_auth"] = (username, password or "")
        if ca_certs is not None:
            options["ca_certs"] = ca_certs
        self.client = AsyncElasticsearch(list(hosts), request_timeout=timeout, max_retries=0,
                                         retry_on_timeout=False, verify_certs=verify_certs,
                                         http_compress=compress, **options)

    async def bulk(self, body: bytes) -> dict[str, Any]:
        try:
            response = await self.client.bulk(operations=body)
        except ApiError as e:
            status = e.meta.status
            if status == 429 or status >= 500:
                raise OutputUnavailable(f"Elasticsearch answered {status}: {e.message}") from e
            raise BulkRequestRejected(status, str(e.message)) from e
        except elastic_transport.TransportError as e:
            raise OutputUnavailable(f"Elasticsearch unreachable: {e}") from e
        return dict(response.body)

    async def close(self) -> None:
        await self.client.close()


def elasticsearch_output(hosts: Sequence[str], **options: Any) -> BulkOutput:
    return BulkOutput(ElasticsearchTransport(hosts, **options), "elasticsearch")

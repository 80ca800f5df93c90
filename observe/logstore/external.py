"""``python -m observe.logstore.external``: an external Elasticsearch as an ``observe up``
component.

``observe up --es-url URL`` ships to a store it does not run; this small process stands
for it in ``observe status`` (as ``elasticsearch``): ``/readyz`` answers 200 while the
store's cluster health (read every two seconds) is yellow or green, ``/healthz`` while this
watcher runs, and ``/metrics`` has ``observe_logstore_up``.

    python -m observe.logstore.external --es-url URL [--username U] [--address A] --port P
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys

from prometheus_client import CollectorRegistry, Gauge

from observe.common.process import configure_logging, stop_event
from observe.common.server import ComponentServer, health_app
from observe.logstore.templates import StoreAdmin, StoreError

log = logging.getLogger("observe.logstore.external")
HEALTHY = ("yellow", "green")
POLL_INTERVAL = 2.0


async def store_status(admin: StoreAdmin) -> str:
    """The store's cluster health colour, or why it could not be read."""
    try:
        answer = await admin.request("GET", "/_cluster/health")
    except StoreError as e:
        return str(e)
    return str((answer or {}).get("status") or "no status in the answer")


async def serve(args: argparse.Namespace) -> int:
    admin = StoreAdmin(args.es_url, username=args.username, password=args.password,
                       api_key=args.api_key, verify_certs=not args.insecure_skip_tls_verify,
                       timeout=2.0)
    registry = CollectorRegistry()
    up = Gauge("observe_logstore_up", "1 while the store's health is yellow or green.",
               registry=registry)
    last = ["not checked yet"]

    def ready() -> str | None:
        return None if last[0] in HEALTHY else f"{args.es_url}: {last[0]}"

    server = ComponentServer(health_app(registry, ready), args.address, args.port)
    await server.start()
    log.info("watching %s; health on %s:%d", args.es_url, args.address, server.port)
    stop = stop_event()
    try:
        while not stop.is_set():
            status = await store_status(admin)
            if status != last[0]:
                log.info("%s: %s", args.es_url, status)
            last[0] = status
            up.set(1 if status in HEALTHY else 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_INTERVAL)
    finally:
        await server.stop()
        await admin.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m observe.logstore.external",
                                     description="Stand for an external Elasticsearch.")
    parser.add_argument("--es-url", required=True)
    parser.add_argument("--username")
    parser.add_argument("--password", default=os.environ.get("OBSERVE_SHIPPER_PASSWORD"))
    parser.add_argument("--api-key", default=os.environ.get("OBSERVE_SHIPPER_API_KEY"))
    parser.add_argument("--insecure-skip-tls-verify", action="store_true")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    configure_logging()
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())

"""Real TCP backends for proxy tests: each answers a line with its own name and the line, so
a test can tell which endpoint served a connection."""

from __future__ import annotations

import asyncio
import random

from observe.proxy.table import Endpoint


def random_loopback(prefix: int = 1) -> str:
    """A loopback address unlikely to be used by a concurrent test run."""
    return f"127.{prefix}.{random.randint(1, 254)}.{random.randint(2, 254)}"


class Backend:
    def __init__(self, name: str, host: str | None = None) -> None:
        self.name = name
        self.host = host or random_loopback()
        self.server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.host, self.port)

    async def start(self, port: int = 0) -> Backend:
        self.server = await asyncio.start_server(self._serve, self.host, port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                writer.write(f"{self.name} {line.decode()}".encode())
                await writer.drain()
            writer.write(f"{self.name} bye\n".encode())  # answered after the client's EOF
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def ask(host: str, port: int, text: str = "hi", timeout: float = 5.0) -> str:
    """Open a connection, send one line, return the backend's name (or "" if closed)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(f"{text}\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        return line.decode().split(" ")[0] if line else ""
    finally:
        writer.close()

"""A TCP proxy for network faults between the player and a server: stalls and drops.

Runs on the test's asyncio loop on a free loopback port and forwards every connection
to the target. `stall()` holds the server-to-client bytes for a while (a congested or
frozen link: nothing is lost, it arrives late), `drop()` resets every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

_READ_BYTES = 65536


class NetProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.downstream_bytes = 0
        """Server-to-client bytes forwarded so far, over all connections."""
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stall_from = -1  # downstream byte count at which a pending stall begins
        self._stall_s = 0.0
        self._stall_until = 0.0  # loop time until which downstream bytes are held

    def url(self, path: str = "/websocket") -> str:
        """A ws:// URL through the proxy."""
        return f"ws://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and reset every connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self.drop()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def stall(self, seconds: float, *, after_bytes: int = 0) -> None:
        """Hold server-to-client bytes for `seconds`: from now, or from the moment
        `after_bytes` more of them have passed."""
        if after_bytes:
            self._stall_from, self._stall_s = self.downstream_bytes + after_bytes, seconds
        else:
            self._stall_until = asyncio.get_running_loop().time() + seconds

    def drop(self) -> None:
        """Reset every open connection (RST, no close frame, no FIN)."""
        for writer in list(self._writers):
            sock = writer.get_extra_info("socket")
            if sock is not None:  # linger 0: close() sends a reset
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        self._writers.clear()

    async def _accept(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server = await asyncio.open_connection(*self.target)
        except OSError:
            client.transport.abort()
            return
        self._writers |= {client, server}
        pumps = [
            asyncio.create_task(self._pump(client_reader, server, downstream=False)),
            asyncio.create_task(self._pump(server_reader, client, downstream=True)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        for writer in (client, server):
            self._writers.discard(writer)
            writer.transport.abort()
        self._tasks.difference_update(pumps)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, downstream: bool
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(_READ_BYTES):
                if downstream:
                    data = await self._forward_downstream(data, writer)
                writer.write(data)
                await writer.drain()

    async def _forward_downstream(self, data: bytes, writer: asyncio.StreamWriter) -> bytes:
        """Count `data`; send the part before a stall that begins inside it, wait out the
        stall in progress, and return what is left to send."""
        loop = asyncio.get_running_loop()
        start = self.downstream_bytes
        self.downstream_bytes += len(data)
        if start <= self._stall_from < self.downstream_bytes:
            cut = self._stall_from - start
            self._stall_from = -1
            writer.write(data[:cut])
            await writer.drain()
            self._stall_until = loop.time() + self._stall_s
            data = data[cut:]
        delay = self._stall_until - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return data

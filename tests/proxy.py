"""A TCP proxy the tests control, to cut a server off its database and give it back."""

from __future__ import annotations

import asyncio
import contextlib

from tests.processes import free_port


class Proxy:
    """Forwards 127.0.0.1:`port` to `target`. `cut()` drops every connection and refuses new
        ones (the database is gone); `stall()` keeps every connection open but forwards nothing,
    as a network partition does; `restore()` forwards again (listening anew after a cut). With
        `cut_on=b"..."`, the proxy cuts itself the moment a client sends those bytes, before
        forwarding them (say `COMMIT`: the transaction never commits)."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.cut_on: bytes | None = None
        self.cuts = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )

    async def restore(self) -> None:
        self._flowing.set()
        if self._server is None:
            await self.start()

    def stall(self) -> None:
        self._flowing.clear()

    async def cut(self) -> None:
        self.cuts += 1
        self.cut_on = None
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        await self.cut()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        await self._flowing.wait()  # while stalled: accepted, never answered
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer, watch=True),
            self._pipe(up_reader, writer, watch=False),
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, watch: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if watch and self.cut_on is not None and self.cut_on in data:
                    await self.cut()
                    return
                await self._flowing.wait()  # held while stalled, not lost: TCP retransmits
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()

"""The server's event loop accepts every waiting connection at once, however busy it is."""

from __future__ import annotations

import asyncio
import socket

import pytest

from seabot.bots.serving import _loop_factory


class _Counted(asyncio.Protocol):
    made: list[asyncio.BaseTransport]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.made.append(transport)


def _turns_to_accept(connections: int) -> int:
    """Event-loop turns the serving loop takes to accept ``connections`` that a platform opened
    together (their handshakes done by the kernel), with answering work keeping it busy."""
    factory = _loop_factory()
    if factory is None:
        pytest.skip("uvloop is not installed; the standard loop accepts in batches")
    made: list[asyncio.BaseTransport] = []

    class Protocol(_Counted):
        def __init__(self) -> None:
            self.made = made

    async def main() -> int:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Protocol, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
        turns = 0
        try:
            while len(made) < connections and turns < 10 * connections:
                await asyncio.sleep(0)  # one turn of the loop, as a busy worker takes them
                turns += 1
        finally:
            for client in clients:
                client.close()
            for transport in made:
                transport.close()
            server.close()
            await server.wait_closed()
        return turns

    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())


def test_connections_opened_together_are_accepted_in_a_few_turns_not_one_per_turn() -> None:
    # libuv accepts one connection per turn: while answering makes each turn tens of ms long,
    # 50 new connections waited up to 2 s for their first webhook to be read
    assert _turns_to_accept(40) <= 5

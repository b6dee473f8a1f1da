"""A loopback TCP load balancer: round robin over backends, skipping ones that refuse.

Stands in front of several Rasa servers or action servers on one machine (the
multi-instance tests, `python -m bench`), as nginx or a Kubernetes Service does in a
deployment (docs/deployment.md). Each client connection goes to the next backend that
accepts it; bytes are copied both ways until either side closes. HTTP keep-alive keeps a
client on one backend, so a client that wants every request balanced opens a connection
per request.

    python -m stack.balancer --listen 127.0.0.1:5005 --backend 127.0.0.1:5006 --backend 127.0.0.1:5007
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import signal
from typing import List, Optional, Sequence, Tuple

logger = logging.getLogger("stack.balancer")

Address = Tuple[str, int]
CONNECT_TIMEOUT_S = 3.0
CHUNK = 64 * 1024
MAX_DRAINED = 16 * 1024 * 1024


def parse_address(text: str) -> Address:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, not {text!r}")
    return host, int(port)


class RoundRobin:
    """Chooses backends in turn; a backend that refuses is skipped for this connection."""

    def __init__(self, backends: Sequence[Address]) -> None:
        if not backends:
            raise ValueError("at least one backend is needed")
        self.backends = list(backends)
        self._next = itertools.cycle(range(len(self.backends)))

    async def connect(self) -> Optional[Tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        for _ in range(len(self.backends)):
            host, port = self.backends[next(self._next)]
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port),
                                              CONNECT_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError):
                logger.warning("backend %s:%s refused; trying the next", host, port)
        return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(CHUNK):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - already gone
            pass


async def _read_request(reader: asyncio.StreamReader) -> None:
    """Reads one HTTP request (head and Content-Length body) so a 503 can follow it."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CONNECT_TIMEOUT_S)
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                await asyncio.wait_for(reader.readexactly(min(int(value), MAX_DRAINED)),
                                       CONNECT_TIMEOUT_S)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
            ConnectionError):
        pass


async def _serve_client(pool: RoundRobin, client_reader: asyncio.StreamReader,
                        client_writer: asyncio.StreamWriter) -> None:
    upstream = await pool.connect()
    if upstream is None:  # every backend is down: a plain 503 rather than a reset
        await _read_request(client_reader)  # as nginx does: answering mid-upload breaks clients
        client_writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                            b"Connection: close\r\n\r\n")
        await client_writer.drain()
        client_writer.close()
        return
    backend_reader, backend_writer = upstream
    await asyncio.gather(_pipe(client_reader, backend_writer), _pipe(backend_reader, client_writer))


async def serve(listen: Address, backends: List[Address]) -> None:
    pool = RoundRobin(backends)
    server = await asyncio.start_server(lambda r, w: _serve_client(pool, r, w), *listen)
    logger.info("balancing %s:%s over %s", *listen, backends)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stack.balancer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", type=parse_address, required=True)
    parser.add_argument("--backend", type=parse_address, action="append", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(args.listen, args.backend))


if __name__ == "__main__":
    main()

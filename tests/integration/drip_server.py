"""A local HTTP server that answers every request one byte at a time: a node that never stops trickling.

`header_first` sends the status line and headers at once and drips only the body; otherwise the status
line itself trickles. The answer is a valid JSON-RPC answer, so a client that waited long enough would
take it. Also used by bench/bench_deadlines.py.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

ANSWER_BODY = b'{"jsonrpc":"2.0","id":1,"result":"0x7a69"}' + b" " * 4000


class DripServer:
    def __init__(self, *, byte_every: float, header_first: bool = False) -> None:
        self.byte_every = byte_every
        self.header_first = header_first
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="drip-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/"

    def start(self) -> DripServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.requests += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(ANSWER_BODY)
        )
        with connection, contextlib.suppress(OSError):
            connection.recv(65536)  # the request (small enough for one read)
            if self.header_first:
                connection.sendall(head)
                drip = ANSWER_BODY
            else:
                drip = head + ANSWER_BODY
            for i in range(len(drip)):
                if self._stopping.is_set():
                    return
                connection.sendall(drip[i : i + 1])
                time.sleep(self.byte_every)


@contextlib.contextmanager
def dripping(*, byte_every: float, header_first: bool = False) -> Iterator[DripServer]:
    server = DripServer(byte_every=byte_every, header_first=header_first).start()
    try:
        yield server
    finally:
        server.stop()

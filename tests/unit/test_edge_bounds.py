"""Small bounds at the edges: a rewritten file keeps its mode, and /metrics drops idle connections."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from butler.adapters.files.json_documents import local_scraper_config_files
from butler.entrypoints.scraper.server import MetricsServer
from tests.contract.test_deployment_writes_contract import CONFIG


def test_a_rewritten_scraper_config_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "scrape.json"
    files = local_scraper_config_files()
    files.write(path, CONFIG)
    os.chmod(path, 0o640)

    files.write(path, CONFIG)

    assert path.stat().st_mode & 0o777 == 0o640


def test_an_idle_connection_to_the_metrics_server_is_dropped() -> None:
    def app(environ: object, start_response: object) -> list[bytes]:
        return []

    server = MetricsServer(app, "127.0.0.1", 0, connection_timeout=0.3).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as idle:
            started = time.monotonic()
            assert idle.recv(1) == b"", "the server closes the connection"
            assert time.monotonic() - started < 9
    finally:
        server.stop()

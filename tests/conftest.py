"""Fixtures shared by every test layer."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.integration.devnet_fixture import devnet, isolated_devnet  # noqa: F401
from tests.integration.fresh_devnet import fresh_devnet  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent

# Property tests check behaviour, never speed: on a loaded machine a per-example deadline only adds flakes.
settings.register_profile("butler", deadline=None)
settings.load_profile("butler")


REFERENCE_DIR = REPO_ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The reference material kept in the repository (`tests/data/`, see its README)."""
    return REFERENCE_DIR


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port nothing listens on: bound (so no one else takes it) but never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]

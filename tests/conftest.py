"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

import tests.strategies  # noqa: F401  (registers the domain's strategies with Hypothesis)
from tests.integration.devnet_fixture import devnet, isolated_devnet  # noqa: F401
from tests.integration.fresh_devnet import fresh_devnet  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent

# Property tests check behaviour, never speed: on a loaded machine a per-example deadline only adds flakes.
# `dev` (the default) tries fewer examples for a quick loop; `ci` (chosen when $CI is set, as CI services and
# .ci/run do) tries more and prints how to reproduce a failure. $HYPOTHESIS_PROFILE picks one explicitly.
# Tests that set their own max_examples (slow reference implementations) keep it under both.
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile("ci", deadline=None, max_examples=200, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() in ("1", "true") else "dev")
)


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

"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.devnet_fixture import devnet, isolated_devnet  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only reference material (`../shared` beside the checkout)."""
    path = REPO_ROOT.parent / "shared"
    if not path.is_dir():
        pytest.fail(f"reference material not found at {path}: check out the repo beside shared/")
    return path

"""The saved devnet: one deployment per set of pinned versions and contracts, loaded by every start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from butler.devnet import state_cache, tools
from tests.integration.devnet_fixture import DevnetHandle

pytestmark = pytest.mark.devnet

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_cache_lives_in_the_checkout_and_git_ignores_it() -> None:
    assert state_cache.cache_dir() == REPO_ROOT / ".devnet-cache"
    assert "/.devnet-cache/" in (REPO_ROOT / ".gitignore").read_text().splitlines()


def test_the_key_follows_the_pinned_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    before = state_cache.cache_key()
    assert state_cache.cache_key() == before
    monkeypatch.setitem(tools.TOOL_PINS, "@aztec/l1-artifacts", "9.9.9")
    assert state_cache.cache_key() != before


def test_a_running_devnet_was_loaded_from_the_saved_deployment(devnet: DevnetHandle) -> None:
    saved = state_cache.saved_devnet(tools.anvil_binary())  # found, not deployed again
    assert saved.state.name == f"anvil-state-{state_cache.cache_key()}.json"
    assert saved.deployment.rollup == devnet.rollup
    assert saved.deployment.staking_registry == devnet.staking_registry
    record = json.loads(saved.state.with_name(f"deployment-{state_cache.cache_key()}.json").read_text())
    assert record["rollup"] == devnet.rollup.checksum

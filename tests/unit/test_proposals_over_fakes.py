"""What add-keys and fund-publishers print and propose when the Safe cannot or need not be asked, run
through the composition root over the fakes: the calldata is always on stdout for the Safe's owners."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from butler.domain.keyfiles import PrivateKeysFile
from tests.unit.command_world import REGISTRY, SAFE, CommandWorld
from tests.unit.deployment_values import deployed, production, publisher
from tests.unit.test_process_private_keys import validator

KEYS = Path("new-private-keys.json")
PROD = Path("prod.json")
MISSING_KEY_FILE = "no-such.key"


@pytest.fixture
def world(tmp_path: Path) -> CommandWorld:
    world = CommandWorld(tmp_path)
    world.key_files.files[KEYS] = PrivateKeysFile(schema_version=1, validators=(validator(1),))
    world.key_files.files[PROD] = production(deployed(1), deployed(2))
    return world


def test_add_keys_without_a_proposer_key_prints_the_calldata_and_the_reason(world, capsys):
    assert world.run("add-keys", str(KEYS), "-n", "devnet") == 0
    out, err = capsys.readouterr()
    assert "Safe transaction 1 of 1" in out and f"to:        {REGISTRY.checksum}" in out
    assert "nothing proposed: no Safe proposer key is configured" in err
    assert world.multisig.posted == []


def test_add_keys_still_prints_the_calldata_when_proposing_cannot_start(world, capsys):
    world.configure(f'safe_proposer_key_file = "{MISSING_KEY_FILE}"')
    assert world.run("add-keys", str(KEYS), "-n", "devnet") == 2
    out, err = capsys.readouterr()
    assert "Safe transaction 1 of 1" in out and f"to:        {REGISTRY.checksum}" in out
    # The file's name is never repeated (a key may have been pasted there); the setting is named.
    assert "error: safe_proposer_key_file in the network config: key file not found" in err
    assert MISSING_KEY_FILE not in err
    assert "error: not proposed: the calldata above is on stdout for a Safe owner to propose" in err
    assert world.multisig.posted == []


def test_fund_publishers_without_a_proposer_prints_the_transaction_and_proposes_nothing(world, capsys):
    assert world.run("fund-publishers", "--keyfile", str(PROD), "-n", "devnet") == 0
    out, err = capsys.readouterr()
    assert f"to:        {publisher(0).checksum}" in out
    assert "no Safe proposer key configured" in err
    assert world.multisig.posted == []


def test_fund_publishers_still_prints_the_transaction_when_proposing_cannot_start(world, capsys):
    world.configure(f'safe_proposer_key_file = "{MISSING_KEY_FILE}"')
    assert world.run("fund-publishers", "--keyfile", str(PROD), "-n", "devnet") == 2
    out, err = capsys.readouterr()
    assert f"to:        {publisher(0).checksum}" in out
    assert err.splitlines()[-2:] == [
        "error: safe_proposer_key_file in the network config: key file not found "
        "(the name is not repeated here)",
        "error: not proposed: the transaction above is on stdout for a Safe owner to propose",
    ]
    assert world.multisig.posted == []


def test_fund_publishers_warns_of_a_safe_short_of_the_total(world, capsys):
    world.chain.set_balance(SAFE, 10**18 // 20)
    assert world.run("fund-publishers", "--keyfile", str(PROD), "-n", "devnet", "--no-propose") == 0
    assert (
        f"warning: the Safe {SAFE} holds 0.05 ETH, less than the 0.2 ETH this transaction sends: "
        "fund the Safe before executing it"
    ) in capsys.readouterr().err


def test_fund_publishers_funds_nothing_when_every_shortfall_is_under_the_threshold(world, capsys):
    world.key_files.files[PROD] = production(deployed(1))
    args = ("--keyfile", str(PROD), "-n", "devnet", "--threshold", "0.5", "--json")
    assert world.run("fund-publishers", *args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == []
    assert re.search(rf"{publisher(0)}\s+1\s+0\s+0\.1\s+-\s+top-up below threshold", err), err
    assert "nothing to fund" in err
    assert world.multisig.posted == []

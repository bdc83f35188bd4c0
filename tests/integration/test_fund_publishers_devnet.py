"""`aztec-butler fund-publishers` against the real devnet: one Safe transaction, proposed to the tx-service
stand-in and executed by the real Safe, tops every short publisher up to exactly its target.

Publishers are fresh random accounts per test; tests that propose or execute run on the isolated devnet,
which rolls the chain and the tx-service back afterwards."""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from butler.adapters.files.json_documents import local_scraper_config_files
from butler.adapters.files.key_files import LocalKeyFiles
from butler.domain.address import Address
from butler.domain.keyfiles import DeployedValidator, FeeRecipient, ProductionKeyfile, PublicAttester
from butler.domain.keys import BlsSecretKey, bls_public_key
from butler.domain.safe import MULTISEND_CALL_ONLY, multisend_calls
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.domain.wei import WEI_PER_ETH as ETH
from butler.entrypoints.cli import run
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.test_process_private_keys_devnet import write_keys_file

pytestmark = pytest.mark.devnet

PER_ATTESTER = ETH // 10  # min_eth_per_attester in the devnet config
PROPOSER_ENV = ("AZTEC_BUTLER_SAFE_PROPOSER_KEY", "AZTEC_BUTLER_SAFE_PROPOSER_KEY_FILE")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in ("AZTEC_BUTLER_CONFIG", *PROPOSER_ENV):
        monkeypatch.delenv(name, raising=False)
    return folder


def fresh_address() -> Address:
    return Address(secrets.token_bytes(20))


def fresh_attester() -> PublicAttester:
    return PublicAttester(
        eth=fresh_address(), bls=bls_public_key(BlsSecretKey(2 + secrets.randbelow(2**200)))
    )


def write_keyfile(path: Path, attesters: list[PublicAttester], publishers: list[Address]) -> Path:
    """A production keyfile: every attester, round-robin over `publishers` (as prepare-deployment does)."""
    validators = tuple(
        DeployedValidator(a, publishers[i % len(publishers)], None, FeeRecipient(bytes(32)))
        for i, a in enumerate(attesters)
    )
    LocalKeyFiles().create_production_keyfile(
        path, ProductionKeyfile(1, "https://signer.example:8080", validators)
    )
    return path


def set_balance(devnet: DevnetHandle, account: Address, wei: int) -> None:
    devnet.chain.rpc("anvil_setBalance", [account.checksum, hex(wei)])


def balances(devnet: DevnetHandle, accounts: list[Address]) -> list[int]:
    return [devnet.chain.balance(a) for a in accounts]


def pending(devnet: DevnetHandle) -> list[dict[str, Any]]:
    return devnet.actions.pending_proposals()


def fund(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    """Run the command in-process; its exit code, stdout and stderr."""
    code = run(["fund-publishers", *args, "-c", str(config)])
    done = capsys.readouterr()
    return code, done.out, done.err


@pytest.fixture
def ha_set(isolated_devnet: DevnetHandle, workdir: Path) -> tuple[list[Path], list[Address]]:
    """Five attesters in an HA pair: A over P0, P1 (loads 3, 2), B over P2, P3 (loads 3, 2).

    P0, P1 and P2 are below target (0.3, 0.2, 0.3 ETH); P3 holds 1 ETH, above its 0.2. The Safe holds
    enough for the top-ups."""
    attesters = [fresh_attester() for _ in range(5)]
    publishers = [fresh_address() for _ in range(4)]
    files = [
        write_keyfile(workdir / "A_prod-keyfile.json.new", attesters, publishers[:2]),
        write_keyfile(workdir / "B_prod-keyfile.json.new", attesters, publishers[2:]),
    ]
    for publisher, wei in zip(publishers, (0, ETH // 20, ETH // 4, ETH), strict=True):
        set_balance(isolated_devnet, publisher, wei)
    isolated_devnet.actions.fund(Decimal(2), [isolated_devnet.safe])
    return files, publishers


def test_three_short_publishers_one_multisend_proposal_executed_to_exact_targets(
    isolated_devnet: DevnetHandle,
    ha_set: tuple[list[Path], list[Address]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    devnet = isolated_devnet
    files, publishers = ha_set
    before = pending(devnet)

    code, out, err = fund(
        capsys, devnet.config_path, "--keyfile", str(files[0]), "--keyfile", str(files[1]), "--json"
    )

    assert code == 0, err
    (call,) = json.loads(out)
    assert (call["to"], call["value"], call["operation"]) == (MULTISEND_CALL_ONLY.checksum, "0", 1)
    transfers = multisend_calls(bytes.fromhex(call["data"][2:]))
    assert [(t.to, t.value) for t in transfers] == [
        (publishers[0], 3 * PER_ATTESTER),
        (publishers[1], 2 * PER_ATTESTER - ETH // 20),
        (publishers[2], 3 * PER_ATTESTER - ETH // 4),
    ]
    (proposal,) = pending(devnet)[len(before) :]
    assert (proposal["to"], proposal["value"], proposal["data"], proposal["operation"]) == (
        call["to"],
        "0",
        call["data"],
        1,
    )
    assert f"proposed to Safe {devnet.safe} at nonce {proposal['nonce']}: {proposal['safeTxHash']}" in err
    assert re.search(rf"{publishers[3]}\s+2\s+1\s+0\.2\s+-\s+at or above target", err), err
    assert "3 of 4 publishers to fund, 0.5 ETH in total" in err

    executed = devnet.actions.execute_pending()

    assert proposal["safeTxHash"] in [e.safe_tx_hash for e in executed]
    assert balances(devnet, publishers) == [3 * PER_ATTESTER, 2 * PER_ATTESTER, 3 * PER_ATTESTER, ETH]
    code, out, err = fund(capsys, devnet.config_path, "--keyfile", str(files[0]), str(files[1]))
    assert (code, out) == (0, "")
    assert "nothing to fund" in err
    assert pending(devnet) == []


def test_no_propose_prints_the_same_calldata_and_proposes_nothing(
    isolated_devnet: DevnetHandle,
    ha_set: tuple[list[Path], list[Address]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    devnet = isolated_devnet
    files, _ = ha_set
    keyfiles = ["--keyfile", str(files[0]), "--keyfile", str(files[1])]
    before = pending(devnet)

    code, printed, err = fund(capsys, devnet.config_path, *keyfiles, "--no-propose")

    assert code == 0, err
    assert pending(devnet) == before
    assert "--no-propose: not proposed" in err

    code, proposed_out, err = fund(capsys, devnet.config_path, *keyfiles)

    assert code == 0, err
    assert proposed_out == printed
    (proposal,) = pending(devnet)[len(before) :]
    assert f"  data:      {proposal['data']}" in printed.splitlines()


def test_a_single_short_publisher_gets_a_plain_transfer(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    short, full = fresh_address(), fresh_address()
    set_balance(devnet, short, ETH // 100)
    set_balance(devnet, full, PER_ATTESTER)
    devnet.actions.fund(Decimal(1), [devnet.safe])
    attesters = [fresh_attester().eth for _ in range(3)]
    scraper_config = workdir / "devnet-scrape-config.json"
    local_scraper_config_files().write(
        scraper_config,
        ScraperConfig(
            version=1,
            network="devnet",
            chain_id=devnet.chain_id,
            staking_provider_id=devnet.provider_id,
            attesters=(
                ScrapedAttester(attesters[0], None, AttesterState.NEW, (short,)),
                ScrapedAttester(attesters[1], None, AttesterState.ACTIVE, (short,)),
                ScrapedAttester(attesters[2], None, AttesterState.NEW, (full,)),
            ),
            publishers=(short, full),
            last_updated="2026-01-01T00:00:00Z",
        ),
    )
    before = pending(devnet)

    code, out, err = fund(capsys, devnet.config_path, "--scraper-config", str(scraper_config), "--json")

    assert code == 0, err
    top_up = 2 * PER_ATTESTER - ETH // 100
    assert json.loads(out) == [{"to": short.checksum, "value": str(top_up), "data": "0x", "operation": 0}]
    (proposal,) = pending(devnet)[len(before) :]
    assert (proposal["to"], proposal["value"], proposal["operation"]) == (short.checksum, str(top_up), 0)
    devnet.actions.execute_pending()
    assert balances(devnet, [short, full]) == [2 * PER_ATTESTER, PER_ATTESTER]


def test_fresh_publishers_funded_from_the_phase3_inputs_pass_prepare_deployments_funding_check(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """Phase 2 writes publishers-<FILE> (three fresh 0-ETH publishers); prepare-deployment refuses them;
    fund-publishers given the same -p -k -a -H proposes their funding; once the Safe executes it
    (`aztec-butler-devnet execute-pending`), prepare-deployment passes, without a warning."""
    from butler.devnet.records import random_validator
    from butler.entrypoints.devnet_cli import run as run_devnet

    devnet = isolated_devnet
    config = str(devnet.config_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(workdir / "data"))
    new = [random_validator() for _ in range(3)]
    write_keys_file(workdir / "new-private-keys.json", new)
    assert run(["process-private-keys", "new-private-keys.json", "-c", config]) == 0
    publishers = [Address.parse(line) for line in capsys.readouterr().out.split()]
    assert balances(devnet, publishers) == [0, 0, 0]
    write_keyfile(workdir / "prod-keyfile.json", [fresh_attester(), fresh_attester()], [fresh_address()])
    devnet.actions.fund(Decimal(2), [devnet.safe])
    inputs = ["-p", "prod-keyfile.json", "-k", "public-new-private-keys.json"]
    inputs += ["-a", "publishers-new-private-keys.json", "-H", "2", "-c", config]

    assert run(["prepare-deployment", *inputs, "--dry-run"]) == 1
    assert "balance is 0 ETH" in capsys.readouterr().err

    code, out, err = fund(capsys, devnet.config_path, *inputs[:-2], "--json")
    assert code == 0, err
    assert f"proposed to Safe {devnet.safe}" in err
    # Five validators: set A is publisher 0 alone (5 duties), set B publishers 1 and 2 (3 and 2).
    assert [(t.to, t.value) for t in multisend_calls(bytes.fromhex(json.loads(out)[0]["data"][2:]))] == [
        (publishers[0], 5 * PER_ATTESTER),
        (publishers[1], 3 * PER_ATTESTER),
        (publishers[2], 2 * PER_ATTESTER),
    ]
    assert run_devnet(["execute-pending", "--config", config]) == 0
    capsys.readouterr()

    assert run(["prepare-deployment", *inputs]) == 0
    err = capsys.readouterr().err
    assert "warning" not in err
    assert (workdir / "A_prod-keyfile.json.new").exists() and (workdir / "B_prod-keyfile.json.new").exists()

"""The operator's coinbase loop on the devnet (real Aztec L1 contracts), through the real CLIs: attesters
staked twice resolved from the rollup's deposit outcomes, coinbases carried into the keyfiles, and a
reorganisation below the scanned blocks found and rescanned.

Expected values come from the devnet CLI's own output (stake and flush receipts), never from the code
under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from butler.devnet.records import DevValidator, random_validator
from butler.domain.address import Address
from butler.domain.keys import bls_public_key
from butler.entrypoints.cli import run
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.test_coinbases_devnet import data_file
from tests.integration.test_coinbases_devnet import report as report_with_blocks
from tests.integration.test_process_private_keys_devnet import write_keys_file

pytestmark = pytest.mark.devnet

STAKED = re.compile(r"^(0x[0-9a-fA-F]{40}) -> coinbase (0x[0-9a-fA-F]{40}) \(tx (0x[0-9a-f]{64})\)$")
FLUSHED = re.compile(r"^(0x[0-9a-fA-F]{40}) (deposited into the GSE|rejected by the GSE)")


def devnet_cli(devnet: DevnetHandle, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    from butler.entrypoints.devnet_cli import run as run_devnet

    code = run_devnet([*args, "--config", str(devnet.config_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out.splitlines()


def butler(devnet: DevnetHandle, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run([*args, "-c", str(devnet.config_path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def scrape(devnet: DevnetHandle, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    # The devnet lowers the safe confirmation depth explicitly: it stakes and scrapes in quick succession.
    return butler(devnet, capsys, "scrape-coinbases", "--confirmations", "0", *args)


def written_keys_file(path: Path, validators: list[DevValidator]) -> Path:
    write_keys_file(path, validators)
    return path


def production_keyfile(path: Path, validators: list[DevValidator], publisher: Address) -> Path:
    doc = {
        "schemaVersion": 1,
        "remoteSigner": "http://127.0.0.1:9000",
        "validators": [
            {
                "attester": {"eth": v.attester.checksum, "bls": bls_public_key(v.bls_key).to_hex()},
                "publisher": publisher.checksum,
                "feeRecipient": "0x" + "00" * 32,
            }
            for v in validators
        ],
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def mapping(workdir: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(data_file(workdir, "devnet-coinbases.json").read_text())
    return doc


def report(stdout: str) -> dict[Address, Address | None]:
    return {a: found[0] if found else None for a, found in report_with_blocks(stdout).items()}


def test_attesters_staked_twice_get_the_coinbase_of_the_deposit_the_gse_took(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    assert devnet.actions.provider_queue() == [] and devnet.actions.entry_queue() == []
    pair = [random_validator(), random_validator()]
    single = [random_validator()]
    both, one = (
        written_keys_file(workdir / "pair.json", pair),
        written_keys_file(workdir / "single.json", single),
    )
    # The pair is queued first with a broken proof (its deposits fail), then properly: the second stake
    # counts. The single one is queued twice (--duplicate): its first stake counts, the second is refused.
    devnet_cli(devnet, capsys, "add-keys", "--from", str(both), "--corrupt-proof")
    devnet_cli(devnet, capsys, "add-keys", "--from", str(one), "--duplicate")
    devnet_cli(devnet, capsys, "add-keys", "--from", str(both))
    stakes = [STAKED.match(line) for line in devnet_cli(devnet, capsys, "stake", "--count", "6")]
    flushes = [FLUSHED.match(line) for line in devnet_cli(devnet, capsys, "flush", "--count", "6")]
    assert all(stakes) and all(flushes) and len(stakes) == len(flushes) == 6
    # The entry queue is first in, first out: the i-th flush decides the i-th stake.
    counted = {
        Address.parse(s.group(1)): Address.parse(s.group(2))
        for s, f in zip(stakes, flushes, strict=True)
        if s and f and f.group(2) == "deposited into the GSE"
    }
    refunded = [
        s.group(2)
        for s, f in zip(stakes, flushes, strict=True)
        if s and f and f.group(2) == "rejected by the GSE"
    ]
    assert set(counted) == {v.attester for v in pair + single} and len(refunded) == 3

    code, out, err = scrape(devnet, capsys)

    assert code == 0, err
    assert report(out) == counted
    recorded = {
        Address.parse(a): Address.parse(r["coinbase"]) for a, r in mapping(workdir)["coinbases"].items()
    }
    assert recorded == counted
    for coinbase in refunded:
        assert f"coinbase {Address.parse(coinbase)}: failed (refunded)" in err
    assert mapping(workdir)["unsettled"] == []


def test_staked_coinbases_reach_the_keyfiles_and_a_keyfile_lacking_one_fails_the_scrape(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    validators = [random_validator() for _ in range(3)]
    devnet_cli(devnet, capsys, "add-keys", "--from", str(written_keys_file(workdir / "new.json", validators)))
    stakes = [STAKED.match(line) for line in devnet_cli(devnet, capsys, "stake", "--count", "2")]
    staked = {Address.parse(s.group(1)): Address.parse(s.group(2)) for s in stakes if s}
    assert list(staked) == [v.attester for v in validators[:2]]
    keyfile = production_keyfile(workdir / "prod.json", validators, Address.from_int(0xB0B))

    code, out, err = scrape(devnet, capsys, "--attesters", str(keyfile))

    assert code == 1
    for attester, coinbase in staked.items():
        assert f"error: {keyfile}: validator {attester} lacks its coinbase {coinbase}" in err
    assert mapping(workdir)["coinbases"]  # what was found is recorded all the same

    code, out, err = butler(devnet, capsys, "fill-coinbases", "--keyfile", str(keyfile))

    assert code == 0, err
    filled = json.loads((workdir / "prod.json.new").read_text())
    assert [v.get("coinbase") for v in filled["validators"]] == [
        staked[validators[0].attester].checksum,
        staked[validators[1].attester].checksum,
        None,
    ]
    assert f"validator {validators[2].attester} still lacks a coinbase" in err
    assert (workdir / "prod.json").read_text() == keyfile.read_text()

    code, out, err = scrape(devnet, capsys, "--attesters", str(workdir / "prod.json.new"))
    assert code == 0, err
    assert report(out) == {**staked, validators[2].attester: None}


def test_a_reorganisation_below_the_scanned_blocks_is_found_on_the_next_run_and_rescanned(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    lost, kept = random_validator(), random_validator()
    devnet_cli(devnet, capsys, "add-keys", "--from", str(written_keys_file(workdir / "a.json", [lost])))
    fork = devnet.chain.snapshot()
    devnet_cli(devnet, capsys, "stake", "--count", "1")
    devnet.chain.rpc("anvil_mine", [hex(5)])
    assert scrape(devnet, capsys)[0] == 0
    assert lost.attester.checksum in mapping(workdir)["coinbases"]

    # Another chain from before the stake, longer than the one scanned: the stake never happened there.
    devnet.chain.revert(fork)
    devnet_cli(devnet, capsys, "add-keys", "--from", str(written_keys_file(workdir / "b.json", [kept])))
    devnet.chain.rpc("anvil_mine", [hex(10)])

    code, _, err = scrape(devnet, capsys)

    assert code == 0, err
    assert "the chain reorganised" in err and "rescanning from" in err
    assert lost.attester.checksum not in mapping(workdir)["coinbases"]
    assert mapping(workdir)["lastScannedBlock"] == devnet.chain.block_number()

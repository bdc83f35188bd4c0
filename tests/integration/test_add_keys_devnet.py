"""`aztec-butler add-keys` against the real devnet: proposals land in the tx-service stand-in with the
hash the real Safe computes, the Safe executes them, the provider queue holds the attesters in order,
and the real GSE accepts every proof of possession when they are staked and flushed -- and refuses a
wrong one, which shows the devnet would catch such a bug."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode

from butler.adapters.chain.contract_abis import STAKING_REGISTRY, function
from butler.adapters.files.key_files import LocalKeyFiles
from butler.devnet.records import DevValidator, random_validator
from butler.devnet.safe import SafeContract
from butler.domain.address import Address
from butler.domain.keys import bls_public_key
from butler.domain.onchain import AttesterStatus, G1Point
from butler.domain.safe import Operation, SafeCall
from butler.entrypoints.bootstrap import Settings, build_services
from butler.entrypoints.cli import run
from butler.ports.chain import Chain
from butler.usecases.add_keys import add_keys as add_keys_usecase
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.test_process_private_keys_devnet import (
    KEYS_NAME,
    PHASE1,
    assert_no_key_material,
    error_lines,
    validators_of,
    write_keys_file,
)

pytestmark = pytest.mark.devnet

ADD_KEYS = function(STAKING_REGISTRY, "addKeysToProvider")
PROPOSED = re.compile(
    r"^proposed to Safe (0x[0-9a-fA-F]{40}) at nonce (\d+): (0x[0-9a-f]{64})$", re.MULTILINE
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in (
        "AZTEC_BUTLER_CONFIG",
        "AZTEC_BUTLER_SAFE_PROPOSER_KEY",
        "AZTEC_BUTLER_SAFE_PROPOSER_KEY_FILE",
        "AZTEC_BUTLER_SAFE_API_KEY",
        "AZTEC_BUTLER_SAFE_API_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    return folder


def add_keys(devnet: DevnetHandle, *args: str, config: Path | None = None) -> int:
    return run(["add-keys", KEYS_NAME, "--config", str(config or devnet.config_path), *args])


def proposed(stderr: str) -> list[tuple[int, str]]:
    """(nonce, Safe transaction hash) of each proposal the command reports, in order."""
    return [(int(nonce), digest) for _, nonce, digest in PROPOSED.findall(stderr)]


def queued_attesters(call_data: bytes) -> list[Address]:
    assert call_data[:4] == ADD_KEYS.selector
    _, stores = decode(list(ADD_KEYS.input_types), call_data[4:])
    return [Address.parse(store[0]) for store in stores]


def assert_hashes_are_the_safes_own(devnet: DevnetHandle, reported: Sequence[tuple[int, str]]) -> None:
    """Each reported proposal is pending in the tx-service, and the real Safe's getTransactionHash of
    its transaction is the hash the command computed and signed."""
    pending = {p.tx.nonce: p for p in devnet.tx_service.pending(devnet.safe)}
    safe = SafeContract(devnet.chain, devnet.safe)
    for nonce, digest in reported:
        proposal = pending[nonce]
        assert "0x" + proposal.safe_tx_hash.hex() == digest
        assert "0x" + safe.onchain_tx_hash(proposal.tx).hex() == digest


def stake_and_flush_everything(devnet: DevnetHandle) -> dict[Address, tuple[bool, str | None]]:
    """Stake the whole provider queue and flush the whole entry queue into the real GSE."""
    actions = devnet.actions
    actions.stake(len(actions.provider_queue()))
    return {f.attester: (f.ok, f.error) for f in actions.flush(len(actions.entry_queue()))}


def test_reference_keys_are_proposed_executed_queued_and_accepted_by_the_gse(
    isolated_devnet: DevnetHandle, workdir: Path, reference_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    shutil.copy(reference_dir / PHASE1, workdir / KEYS_NAME)
    doc = json.loads((workdir / KEYS_NAME).read_text())
    attesters = [v.attester for v in validators_of(doc)]
    queue_before = devnet.actions.provider_queue()
    safe_nonce = SafeContract(devnet.chain, devnet.safe).nonce()

    code = add_keys(devnet, "--json")

    out, err = capsys.readouterr()
    assert code == 0, err
    (call,) = json.loads(out)
    assert call["to"] == devnet.staking_registry.checksum
    assert (call["value"], call["operation"]) == ("0", 0)
    assert queued_attesters(bytes.fromhex(call["data"][2:])) == attesters
    reported = proposed(err)
    assert [nonce for nonce, _ in reported] == [safe_nonce]
    assert_hashes_are_the_safes_own(devnet, reported)
    assert f"2 attesters for provider {devnet.provider_id} on devnet, in 1 Safe transaction" in err
    assert f"StakingRegistry {devnet.staking_registry}" in err
    assert_no_key_material(out + err, doc)

    executed = devnet.actions.execute_pending()

    assert [(e.safe_tx_hash, e.nonce) for e in executed] == [(reported[0][1], safe_nonce)]
    assert devnet.actions.provider_queue() == queue_before + attesters

    assert add_keys(devnet) == 1
    assert error_lines(capsys.readouterr().err) == [
        *(f"error: attester {a}: already in the provider queue" for a in attesters),
        "error: nothing was proposed; --skip-known proposes only the attesters not known yet",
    ]

    flushed = stake_and_flush_everything(devnet)
    assert [flushed[a] for a in attesters] == [(True, None)] * 2
    assert [devnet.actions.attester_status(a) for a in attesters] == [AttesterStatus.VALIDATING] * 2


def test_five_keys_in_chunks_of_two_are_three_proposals_executed_in_order(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    validators = [random_validator() for _ in range(5)]
    doc = write_keys_file(workdir / KEYS_NAME, validators)
    queue_before = devnet.actions.provider_queue()
    safe_nonce = SafeContract(devnet.chain, devnet.safe).nonce()

    code = add_keys(devnet, "--chunk-size", "2")

    out, err = capsys.readouterr()
    assert code == 0, err
    reported = proposed(err)
    assert [nonce for nonce, _ in reported] == [safe_nonce, safe_nonce + 1, safe_nonce + 2]
    assert_hashes_are_the_safes_own(devnet, reported)
    assert "transaction 3 of 3: 1 attester:" in err
    assert_no_key_material(out + err, doc)

    executed = devnet.actions.execute_pending()

    assert [(e.nonce, e.safe_tx_hash) for e in executed] == reported
    assert devnet.actions.provider_queue() == queue_before + [v.attester for v in validators]
    flushed = stake_and_flush_everything(devnet)
    assert [flushed[v.attester] for v in validators] == [(True, None)] * 5


def test_keys_pending_in_the_safe_are_refused_with_another_chunk_size_or_in_a_superset(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    validators = [random_validator() for _ in range(3)]
    write_keys_file(workdir / KEYS_NAME, validators)
    assert add_keys(devnet, "--chunk-size", "2") == 0
    first = proposed(capsys.readouterr().err)
    assert [nonce for nonce, _ in first] == [0, 1]
    pending = devnet.tx_service.pending(devnet.safe)

    # The same keys in other chunks, then a superset: refused, naming the pending nonces; nothing posted.
    expected = [
        f"error: attester {v.attester}: already proposed to Safe {devnet.safe} in the pending transaction at "
        f"nonce {nonce}"
        for v, nonce in zip(validators, (0, 0, 1), strict=True)
    ]
    assert add_keys(devnet, "--chunk-size", "1") == 1
    assert error_lines(capsys.readouterr().err)[:3] == expected
    newcomer = random_validator()
    write_keys_file(workdir / KEYS_NAME, [*validators, newcomer])
    assert add_keys(devnet, "--chunk-size", "5") == 1
    assert error_lines(capsys.readouterr().err)[:3] == expected
    assert devnet.tx_service.pending(devnet.safe) == pending

    # --skip-known proposes the new key alone.
    assert add_keys(devnet, "--chunk-size", "5", "--skip-known") == 0
    err = capsys.readouterr().err
    (only,) = proposed(err)
    assert only[0] == 2
    assert sum(line.startswith("skipped attester") for line in err.splitlines()) == 3
    new = {p.tx.nonce: p for p in devnet.tx_service.pending(devnet.safe)}[2]
    assert queued_attesters(new.tx.data) == [newcomer.attester]

    # Executed, every key is in the provider queue once.
    devnet.actions.execute_pending()
    assert devnet.actions.provider_queue() == [v.attester for v in (*validators, newcomer)]


def test_no_propose_prints_calldata_the_safe_can_execute_and_proposes_nothing(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devnet = isolated_devnet
    validators = [random_validator() for _ in range(3)]
    write_keys_file(workdir / KEYS_NAME, validators)
    pending_before = devnet.tx_service.pending(devnet.safe)
    queue_before = devnet.actions.provider_queue()

    code = add_keys(devnet, "--no-propose", "--json", "--chunk-size", "2")

    out, err = capsys.readouterr()
    assert code == 0, err
    assert devnet.tx_service.pending(devnet.safe) == pending_before
    assert "nothing proposed: --no-propose was given" in err
    calls = json.loads(out)
    assert [queued_attesters(bytes.fromhex(c["data"][2:])) for c in calls] == [
        [v.attester for v in validators[:2]],
        [validators[2].attester],
    ]

    # The printed calls are complete: the Safe's owners can execute them as they are.
    for c in calls:
        devnet.actions.execute_as_owner(Address.parse(c["to"]), int(c["value"]), bytes.fromhex(c["data"][2:]))
    assert devnet.actions.provider_queue() == queue_before + [v.attester for v in validators]


class WrongGseChain:
    """A chain whose registration digests come from another GSE generation (here: another key's digest),
    the mistake SPEC §9 warns about. Everything else is the real chain."""

    def __init__(self, chain: Chain, wrong_for: set[G1Point]) -> None:
        self._chain = chain
        self._wrong_for = wrong_for

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)

    def registration_digests(self, public_keys: Sequence[G1Point]) -> Sequence[G1Point]:
        digests = list(self._chain.registration_digests(public_keys))
        decoy = self._chain.registration_digests([G1Point(1, 2)])[0]
        return [decoy if pk in self._wrong_for else d for pk, d in zip(public_keys, digests, strict=True)]


def test_a_wrong_proof_of_possession_is_refused_by_the_real_gse_at_flush(
    isolated_devnet: DevnetHandle, workdir: Path
) -> None:
    devnet = isolated_devnet
    good, bad = random_validator(), random_validator()
    write_keys_file(workdir / KEYS_NAME, [good, bad])
    services = build_services(Settings({}, workdir))
    loaded = services.network(str(devnet.config_path), None)
    config = loaded.config
    multisig = services.multisig(loaded)
    assert multisig is not None
    chain = WrongGseChain(services.chain(loaded), {bls_public_key(bad.bls_key).point})

    outcome = add_keys_usecase(
        workdir / KEYS_NAME,
        files=LocalKeyFiles(),
        chain=chain,
        config=config,
        multisig=multisig,
        chunk_size=50,
        show=lambda _: None,
        progress=lambda done, total: None,
    )
    assert len(outcome.proposals) == 1
    devnet.actions.execute_pending()

    flushed = stake_and_flush_everything(devnet)

    assert flushed[good.attester] == (True, None)
    ok, error = flushed[bad.attester]
    assert not ok and error is not None and "InvalidProofOfPossession" in error
    assert devnet.actions.attester_status(bad.attester) is AttesterStatus.NONE


def test_the_call_is_exactly_what_web3_encodes_for_the_registry(
    devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    validators: list[DevValidator] = [random_validator() for _ in range(2)]
    write_keys_file(workdir / KEYS_NAME, validators)

    assert add_keys(devnet, "--no-propose", "--json") == 0

    (call,) = json.loads(capsys.readouterr().out)
    stores = devnet.actions.make_keystores(validators)
    expected = devnet.actions.registry.encode_abi(
        "addKeysToProvider",
        args=[
            devnet.provider_id,
            [
                (
                    s.attester.checksum,
                    (s.public_key_g1.x, s.public_key_g1.y),
                    (s.public_key_g2.x0, s.public_key_g2.x1, s.public_key_g2.y0, s.public_key_g2.y1),
                    (s.proof_of_possession.x, s.proof_of_possession.y),
                )
                for s in stores
            ],
        ],
    )
    assert SafeCall(
        Address.parse(call["to"]), int(call["value"]), bytes.fromhex(call["data"][2:])
    ) == SafeCall(devnet.staking_registry, 0, bytes.fromhex(expected[2:]), Operation.CALL)

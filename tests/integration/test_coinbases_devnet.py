"""`scrape-coinbases` and `generate-scraper-config` against the real devnet, through the CLI.

Expected coinbases come from the devnet's own stake receipts, expected addresses from eth_account: nothing
here is computed by the code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_keys import keys as eth_keys

from butler.devnet.records import DevValidator, Staked, random_validator
from butler.domain.address import Address
from butler.entrypoints.cli import run
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.rpc_proxy import RpcProxy
from tests.integration.web3signer_stub import running_web3signer

pytestmark = pytest.mark.devnet

LINE = re.compile(r"^(0x[0-9a-fA-F]{40}) (?:(0x[0-9a-fA-F]{40}) block (\d+)|none)$")


def data_file(workdir: Path, name: str) -> Path:
    return workdir.parent / "data" / "aztec-butler" / name


def public_key_hex(validator: DevValidator, form: str) -> str:
    """The attester's secp256k1 public key as a signer might list it, computed with eth_keys."""
    xy = eth_keys.PrivateKey(bytes.fromhex(validator.eth_key.reveal_hex()[2:])).public_key.to_bytes()
    if form == "compressed":
        return "0x" + bytes([2 + (xy[-1] & 1)]).hex() + xy[:32].hex()
    return "0x" + ("04" if form == "uncompressed" else "") + xy.hex()


def config_with_rpc(devnet: DevnetHandle, folder: Path, rpc_url: str) -> Path:
    text, replaced = re.subn(r"(?m)^rpc_url = .*$", f'rpc_url = "{rpc_url}"', devnet.config_path.read_text())
    assert replaced == 1
    folder.mkdir(exist_ok=True)
    path = folder / "devnet.toml"
    path.write_text(text)
    return path


def report(stdout: str) -> dict[Address, tuple[Address, int] | None]:
    found: dict[Address, tuple[Address, int] | None] = {}
    for line in stdout.splitlines():
        match = LINE.match(line)
        assert match, f"unexpected report line {line!r}"
        attester, coinbase, block = match.groups()
        found[Address.parse(attester)] = (Address.parse(coinbase), int(block)) if coinbase else None
    return found


def emitted(devnet: DevnetHandle, staked: list[Staked]) -> dict[Address, tuple[Address, int]]:
    """Attester -> (coinbase, block) as the stake transactions' receipts tell."""
    blocks = {
        s.tx_hash: int(devnet.chain.w3.eth.get_transaction_receipt(s.tx_hash)["blockNumber"]) for s in staked
    }
    return {s.attester: (s.coinbase, blocks[s.tx_hash]) for s in staked}


def drain_provider_queue(devnet: DevnetHandle) -> None:
    """Stakes whatever earlier tests left queued, so that the next stakes take this test's keys."""
    waiting = len(devnet.actions.provider_queue())
    if waiting:
        devnet.actions.stake(waiting)


def scrape(config: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """scrape-coinbases with 0 confirmations unless told otherwise: the devnet lowers the safe default
    explicitly, since the tests stake and scrape in quick succession."""
    depth = [] if "--confirmations" in args else ["--confirmations", "0"]
    code = run(["scrape-coinbases", "-c", str(config), *depth, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def four_queued(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> list[DevValidator]:
    """Four fresh validators in the provider queue, in the scraper config (generated from their public
    keys, as web3signer would list them)."""
    drain_provider_queue(isolated_devnet)
    validators = [random_validator() for _ in range(4)]
    isolated_devnet.actions.add_validators(validators)
    keys = workdir / "web3signer-keys.json"
    forms = ["uncompressed", "compressed", "bare", "uncompressed"]
    keys.write_text(json.dumps([public_key_hex(v, f) for v, f in zip(validators, forms, strict=True)]))
    assert (
        run(
            [
                "generate-scraper-config",
                "-c",
                str(isolated_devnet.config_path),
                "--web3signer-keys",
                str(keys),
            ]
        )
        == 0
    )
    capsys.readouterr()
    return validators


def test_the_staked_attesters_get_the_coinbases_the_devnet_emitted(
    isolated_devnet: DevnetHandle,
    workdir: Path,
    four_queued: list[DevValidator],
    capsys: pytest.CaptureFixture[str],
) -> None:
    staked = isolated_devnet.actions.stake(2)
    expected = emitted(isolated_devnet, staked)
    assert set(expected) == {v.attester for v in four_queued[:2]}

    code, out, err = scrape(isolated_devnet.config_path, "--update-scraper-config", capsys=capsys)

    assert code == 0, err
    assert report(out) == {v.attester: expected.get(v.attester) for v in four_queued}
    assert list(report(out)) == [v.attester for v in four_queued]
    mapping = json.loads(data_file(workdir, "devnet-coinbases.json").read_text())
    for attester, (coinbase, block) in expected.items():
        assert mapping["coinbases"][attester.checksum] == {"coinbase": coinbase.checksum, "block": block}
    assert mapping["lastScannedBlock"] == isolated_devnet.chain.block_number()
    assert (mapping["chainId"], mapping["providerId"]) == (
        isolated_devnet.chain_id,
        isolated_devnet.provider_id,
    )
    config = json.loads(data_file(workdir, "devnet-scrape-config.json").read_text())
    assert {a["address"]: a.get("coinbase") for a in config["attesters"]} == {
        v.attester.checksum: expected[v.attester][0].checksum if v.attester in expected else None
        for v in four_queued
    }
    assert "2 of 4 attesters of the scraper config" in err


def test_a_second_run_scans_only_the_new_blocks(
    isolated_devnet: DevnetHandle,
    workdir: Path,
    tmp_path: Path,
    four_queued: list[DevValidator],
    capsys: pytest.CaptureFixture[str],
) -> None:
    proxy = RpcProxy(isolated_devnet.rpc_url).start()
    try:
        config = config_with_rpc(isolated_devnet, tmp_path / "proxied", proxy.url)
        isolated_devnet.actions.stake(1)
        assert scrape(config, capsys=capsys)[0] == 0
        covered = json.loads(data_file(workdir, "devnet-coinbases.json").read_text())["lastScannedBlock"]

        proxy.reset()
        code, out, err = scrape(config, capsys=capsys)
        assert code == 0, err
        assert proxy.calls_of("eth_getLogs") == 0
        assert "no new blocks to scan" in err
        quiet_posts = proxy.posts

        isolated_devnet.chain.rpc("anvil_mine", [hex(50)])
        staked = isolated_devnet.actions.stake(1)
        proxy.reset()
        code, out, err = scrape(config, capsys=capsys)
    finally:
        proxy.stop()
    assert code == 0, err
    log_ranges = [
        (int(b["params"][0]["fromBlock"], 16), int(b["params"][0]["toBlock"], 16))
        for b in proxy.bodies
        if isinstance(b, dict) and b.get("method") == "eth_getLogs"
    ]
    head = isolated_devnet.chain.block_number()
    assert log_ranges == [(covered + 1, head)]
    # chain id, the provider, the head, the checkpoints' hashes: nothing else when nothing is new
    assert quiet_posts <= 4
    assert report(out)[staked[0].attester] == emitted(isolated_devnet, staked)[staked[0].attester]


def test_a_coinbase_contradicting_the_scraper_config_fails_and_writes_nothing(
    isolated_devnet: DevnetHandle,
    workdir: Path,
    four_queued: list[DevValidator],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (staked,) = isolated_devnet.actions.stake(1)
    config_path = data_file(workdir, "devnet-scrape-config.json")
    config = json.loads(config_path.read_text())
    wrong = Address.from_int(0xBAD)
    for attester in config["attesters"]:
        if attester["address"] == staked.attester.checksum:
            attester["coinbase"] = wrong.checksum
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    before = config_path.read_bytes()

    code, out, err = scrape(isolated_devnet.config_path, "--update-scraper-config", capsys=capsys)

    assert code == 1
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        f"error: attester {staked.attester}: coinbase on chain is {staked.coinbase} (block "
        f"{emitted(isolated_devnet, [staked])[staked.attester][1]}) but the scraper config {config_path} "
        f"records {wrong}"
    ]
    assert out == ""
    assert config_path.read_bytes() == before
    assert not data_file(workdir, "devnet-coinbases.json").exists()


def test_through_a_node_that_limits_ranges_and_rate_limits_the_result_is_the_same(
    isolated_devnet: DevnetHandle,
    workdir: Path,
    tmp_path: Path,
    four_queued: list[DevValidator],
    capsys: pytest.CaptureFixture[str],
) -> None:
    isolated_devnet.actions.stake(1)
    # anvil mines each block in time growing with the chain's length: a few hundred blocks are enough.
    isolated_devnet.chain.rpc("anvil_mine", [hex(300)])
    isolated_devnet.actions.stake(1)
    direct = tmp_path / "direct.json"
    code, expected_out, err = scrape(isolated_devnet.config_path, "-o", str(direct), capsys=capsys)
    assert code == 0, err

    limit = 10
    proxy = RpcProxy(isolated_devnet.rpc_url).start()

    def refuse_wide_ranges(body: Any) -> Any | None:
        if isinstance(body, dict) and body.get("method") == "eth_getLogs":
            log_filter = body["params"][0]
            if int(log_filter["toBlock"], 16) - int(log_filter["fromBlock"], 16) + 1 > limit:
                error = {"code": -32602, "message": f"eth_getLogs is limited to a {limit} block range"}
                return {"jsonrpc": "2.0", "id": body["id"], "error": error}
        return None

    proxy.intercept = refuse_wide_ranges
    proxy.every_nth = (7, 429)
    try:
        config = config_with_rpc(isolated_devnet, tmp_path / "proxied", proxy.url)
        proxied = tmp_path / "proxied.json"
        code, out, err = scrape(config, "-o", str(proxied), capsys=capsys)
    finally:
        proxy.stop()

    assert code == 0, err
    assert out == expected_out
    assert json.loads(proxied.read_text()) == json.loads(direct.read_text())
    assert proxy.faulted > 0 and proxy.calls_of("eth_getLogs") > 300 // limit


@pytest.mark.parametrize("source", ["file", "url"])
def test_generate_scraper_config_from_signer_keys_and_publisher_keys(
    devnet: DevnetHandle, workdir: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Web3signer holds the attesters' keys and the publishers' keys alike.
    attesters = [random_validator() for _ in range(3)]
    publishers = [random_validator() for _ in range(2)]
    listed = [
        public_key_hex(attesters[0], "compressed"),
        public_key_hex(publishers[0], "uncompressed"),
        public_key_hex(attesters[1], "uncompressed"),
        public_key_hex(attesters[2], "bare"),
        public_key_hex(publishers[1], "compressed"),
    ]
    publisher_file = workdir / "publisher-keys.json"
    publisher_keys = [p.eth_key.reveal_hex() for p in publishers]
    publisher_file.write_text(json.dumps([publisher_keys[0].upper().replace("0X", "0x"), publisher_keys[1]]))
    output = workdir / "scrape-config.json"
    args = ["generate-scraper-config", "-c", str(devnet.config_path), "--publisher-keys", str(publisher_file)]
    args += ["-o", str(output)]

    if source == "file":
        keys_file = workdir / "web3signer-keys.json"
        keys_file.write_text(json.dumps(listed))
        code = run([*args, "--web3signer-keys", str(keys_file)])
    else:
        with running_web3signer() as signer:
            signer.keys = listed
            code = run([*args, "--web3signer-url", signer.url + "/?token=SECRET"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    written = output.read_text()
    config = json.loads(written)
    assert [a["address"] for a in config["attesters"]] == [
        Account.from_key(a.eth_key.reveal_hex()).address for a in attesters
    ]
    assert config["publishers"] == [Account.from_key(key).address for key in publisher_keys]
    assert (config["network"], config["chainId"], config["stakingProviderId"]) == (
        "devnet",
        devnet.chain_id,
        devnet.provider_id,
    )
    every_key = [v.eth_key.reveal_hex() for v in (*attesters, *publishers)]
    for shown in (written, captured.out, captured.err):
        lowered = shown.lower()
        assert not [key for key in every_key if key[2:].lower() in lowered], (
            "a private key was written or shown"
        )
    assert "SECRET" not in captured.err

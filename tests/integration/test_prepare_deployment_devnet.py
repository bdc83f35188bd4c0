"""`aztec-butler prepare-deployment` against the real devnet: the phase-3 reference, never overwriting an
output, high-availability sets, every refusal leaving the folder and the scraper config as they were, and
the scraper config a run leaves. Publishers are funded on the shared devnet; funding only adds, so tests
need no isolation. The reference files are copied into a temporary folder first."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from butler.devnet.records import random_validator
from butler.domain.address import Address
from butler.domain.keys import bls_public_key
from butler.entrypoints.cli import run
from tests.integration.devnet_fixture import DevnetHandle

pytestmark = pytest.mark.devnet

PHASE2 = "key-flow/after_phase2/on-dev-machine"
PHASE3 = "key-flow/after_phase3/on-dev-machine"
PROD = "prod-testnet-keyfile.json"
NEW = "new-public-keys.json"
PUBS = "testnet_available_publisher_addresses.json"
ZERO_FEE_RECIPIENT = "0x" + "00" * 32
ZERO_ADDRESS = "0x" + "00" * 20


@pytest.fixture
def workdir(tmp_path: Path, reference_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The operator's folder with the phase-2 files, as the current directory; scraper data under tmp."""
    folder = tmp_path / "work"
    folder.mkdir()
    for name in (PROD, NEW, PUBS):
        shutil.copy(reference_dir / PHASE2 / name, folder / name)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("AZTEC_BUTLER_CONFIG", raising=False)
    return folder


@pytest.fixture
def reference_publishers_funded(devnet: DevnetHandle, reference_dir: Path) -> list[Address]:
    publishers = [Address.parse(a) for a in json.loads((reference_dir / PHASE2 / PUBS).read_text())]
    devnet.actions.fund(Decimal(1), publishers)
    return publishers


def scraper_config_path(workdir: Path) -> Path:
    return workdir.parent / "data" / "aztec-butler" / "devnet-scrape-config.json"


def prepare(devnet: DevnetHandle, *extra: str, prod: str = PROD, new: str = NEW, pubs: str = PUBS) -> int:
    args = ["--production-keys", prod, "--new-public-keys", new, "--available-publishers", pubs]
    return run(["prepare-deployment", *args, "--config", str(devnet.config_path), *extra])


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def fresh_validators(count: int) -> list[dict[str, Any]]:
    """Public values of new random validators, as a public-keys or production keyfile holds them."""
    out = []
    for _ in range(count):
        v = random_validator()
        out.append({"eth": str(v.attester), "bls": bls_public_key(v.bls_key).to_hex()})
    return out


def write_json(path: Path, doc: object) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n")


def write_scraper_config(path: Path, devnet: DevnetHandle, attesters: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "version": 1,
        "network": "devnet",
        "chainId": devnet.chain_id,
        "stakingProviderId": devnet.provider_id,
        "attesters": attesters,
        "publishers": [],
        "lastUpdated": "2026-01-01T00:00:00Z",
    }
    write_json(path, doc)


def funded_publishers(devnet: DevnetHandle, count: int) -> list[str]:
    publishers = [random_validator().attester for _ in range(count)]
    devnet.actions.fund(Decimal(1), publishers)
    return [str(p) for p in publishers]


def test_the_phase2_files_give_the_phase3_reference_and_a_second_run_never_overwrites(
    devnet: DevnetHandle,
    workdir: Path,
    reference_dir: Path,
    reference_publishers_funded: list[Address],
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = (reference_dir / PHASE3 / f"{PROD}.new").read_bytes()

    assert prepare(devnet) == 0, capsys.readouterr().err
    first = capsys.readouterr().err

    assert (workdir / f"{PROD}.new").read_bytes() == expected
    assert "validators: 5 (3 from prod-testnet-keyfile.json, 2 new from new-public-keys.json)" in first
    assert f"wrote {PROD}.new: 5 validators over 3 publisher(s)" in first
    for publisher, load in zip(reference_publishers_funded, (2, 2, 1), strict=True):
        assert f"  {publisher}  {load} attester(s)  " in first

    assert prepare(devnet) == 0, capsys.readouterr().err

    assert (workdir / f"{PROD}.new").read_bytes() == expected
    assert (workdir / f"{PROD}.new2").read_bytes() == expected
    assert f"wrote {PROD}.new2: " in capsys.readouterr().err


def test_a_dry_run_names_the_files_and_loads_of_the_real_run_and_writes_nothing(
    devnet: DevnetHandle,
    workdir: Path,
    reference_publishers_funded: list[Address],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = folder_state(workdir)

    assert prepare(devnet, "--dry-run", "--json") == 0
    planned_run = capsys.readouterr()

    assert folder_state(workdir) == before and not scraper_config_path(workdir).exists()
    assert "--dry-run: every check passed; nothing was written" in planned_run.err
    planned = json.loads(planned_run.out)
    assert planned["dry_run"] is True
    assert prepare(devnet, "--json") == 0
    done = json.loads(capsys.readouterr().out)
    assert {**planned, "dry_run": False} == done
    (keyfile,) = done["keyfiles"]
    assert (keyfile["path"], keyfile["set"]) == (f"{PROD}.new", None)
    assert [(p["address"], p["attesters"]) for p in keyfile["publishers"]] == [
        (str(p), load) for p, load in zip(reference_publishers_funded, (2, 2, 1), strict=True)
    ]
    assert (workdir / keyfile["path"]).exists()


def test_three_servers_share_ten_publishers_three_three_four(
    devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    publishers = funded_publishers(devnet, 10)
    validators = fresh_validators(15)
    write_json(workdir / "pubs.json", publishers)
    write_json(
        workdir / "prod.json",
        {
            "schemaVersion": 1,
            "remoteSigner": "https://signer.example.com:8080",
            "validators": [
                {"attester": a, "publisher": publishers[0], "feeRecipient": ZERO_FEE_RECIPIENT}
                for a in validators[:9]
            ],
        },
    )
    write_json(
        workdir / "new.json",
        {
            "schemaVersion": 1,
            "validators": [{"attester": a, "feeRecipient": ZERO_FEE_RECIPIENT} for a in validators[9:]],
        },
    )

    code = prepare(
        devnet, "--high-availability-count", "3", prod="prod.json", new="new.json", pubs="pubs.json"
    )

    assert code == 0, capsys.readouterr().err
    groups = {"A": publishers[0:3], "B": publishers[3:6], "C": publishers[6:10]}
    for name, group in groups.items():
        keyfile = json.loads((workdir / f"{name}_prod.json.new").read_text())
        assert [v["attester"] for v in keyfile["validators"]] == validators
        assert [v["publisher"] for v in keyfile["validators"]] == [group[i % len(group)] for i in range(15)]
    assert not (workdir / "prod.json.new").exists()
    config = json.loads(scraper_config_path(workdir).read_text())
    assert config["publishers"] == publishers
    assert {a["address"] for a in config["attesters"]} == {v["eth"] for v in validators}
    assert all(a["lastSeenState"] == "NEW" for a in config["attesters"])


def test_more_servers_than_publishers_fails_and_writes_nothing(
    devnet: DevnetHandle,
    workdir: Path,
    reference_publishers_funded: list[Address],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = folder_state(workdir)

    assert prepare(devnet, "--high-availability-count", "4") == 1

    assert error_lines(capsys.readouterr().err) == [
        f"error: {PUBS}: 3 publisher(s) cannot be split into 4 high-availability sets: every server needs "
        "at least one publisher of its own"
    ]
    assert folder_state(workdir) == before
    assert not scraper_config_path(workdir).exists()


def _zero_coinbase(workdir: Path) -> list[str]:
    doc = json.loads((workdir / PROD).read_text())
    doc["validators"][2]["coinbase"] = ZERO_ADDRESS
    write_json(workdir / PROD, doc)
    return [f"{PROD}: validators[2].coinbase", doc["validators"][2]["attester"]["eth"]]


def _duplicate_attester(workdir: Path) -> list[str]:
    doc = json.loads((workdir / NEW).read_text())
    prod = json.loads((workdir / PROD).read_text())
    doc["validators"][1]["attester"]["eth"] = prod["validators"][0]["attester"]["eth"]
    write_json(workdir / NEW, doc)
    return [
        f"{NEW}: validators[1].attester.eth",
        prod["validators"][0]["attester"]["eth"],
        "validators[0] of",
    ]


def _duplicate_bls(workdir: Path) -> list[str]:
    doc = json.loads((workdir / NEW).read_text())
    prod = json.loads((workdir / PROD).read_text())
    doc["validators"][0]["attester"]["bls"] = prod["validators"][1]["attester"]["bls"]
    write_json(workdir / NEW, doc)
    # The key itself is masked like anything shaped like a private key; the places name it.
    return [f"{NEW}: validators[0].attester.bls", f"validators[1] of {PROD}"]


def _unfunded_publisher(workdir: Path) -> list[str]:
    stranger = str(random_validator().attester)
    doc = json.loads((workdir / PUBS).read_text())
    write_json(workdir / PUBS, [*doc, stranger])
    return [f"publisher {stranger}: balance is 0 ETH"]


def _malformed_publisher(workdir: Path) -> list[str]:
    doc = json.loads((workdir / PUBS).read_text())
    doc[1] = doc[1].swapcase().replace("0X", "0x")
    write_json(workdir / PUBS, doc)
    return [f"{PUBS}: publishers[1]: mixed-case address with a wrong EIP-55 checksum"]


def _repeated_publisher(workdir: Path) -> list[str]:
    doc = json.loads((workdir / PUBS).read_text())
    write_json(workdir / PUBS, [*doc, doc[0]])
    return [f"{PUBS}: publishers[3]: publisher {doc[0]} is repeated (also publishers[0])"]


@pytest.mark.parametrize(
    "spoil",
    [
        _zero_coinbase,
        _duplicate_attester,
        _duplicate_bls,
        _unfunded_publisher,
        _malformed_publisher,
        _repeated_publisher,
    ],
)
def test_a_failed_check_names_the_culprit_and_leaves_everything_untouched(
    devnet: DevnetHandle,
    workdir: Path,
    reference_publishers_funded: list[Address],
    capsys: pytest.CaptureFixture[str],
    spoil: Any,
) -> None:
    culprits = spoil(workdir)
    scraper = scraper_config_path(workdir)
    write_scraper_config(scraper, devnet, [{"address": "0x" + "ab" * 20, "lastSeenState": "ACTIVE"}])
    before = folder_state(workdir), scraper.read_bytes()

    assert prepare(devnet, "--scraper-config", str(scraper)) == 1

    errors = error_lines(capsys.readouterr().err)
    assert len(errors) == 1, errors
    assert all(culprit in errors[0] for culprit in culprits), errors
    assert (folder_state(workdir), scraper.read_bytes()) == before


def test_the_scraper_config_keeps_known_coinbases_and_states_and_adds_new_attesters(
    devnet: DevnetHandle,
    workdir: Path,
    reference_publishers_funded: list[Address],
    capsys: pytest.CaptureFixture[str],
) -> None:
    prod = json.loads((workdir / PROD).read_text())["validators"]
    new = json.loads((workdir / NEW).read_text())["validators"]
    known_coinbase = "0x" + "c0" * 20
    scraper = scraper_config_path(workdir)
    write_scraper_config(
        scraper,
        devnet,
        [
            {"address": prod[0]["attester"]["eth"], "coinbase": ZERO_ADDRESS, "lastSeenState": "ACTIVE"},
            {
                "address": prod[2]["attester"]["eth"],
                "coinbase": known_coinbase,
                "lastSeenState": "IN_STAKING_QUEUE",
            },
        ],
    )

    assert prepare(devnet) == 0, capsys.readouterr().err

    config = json.loads(scraper.read_text())
    by_address = {a["address"]: a for a in config["attesters"]}
    assert by_address[prod[0]["attester"]["eth"]]["coinbase"] == prod[0]["coinbase"]  # non-zero over zero
    assert by_address[prod[0]["attester"]["eth"]]["lastSeenState"] == "ACTIVE"
    third = by_address[prod[2]["attester"]["eth"]]
    assert (third["coinbase"], third["lastSeenState"]) == (
        Address.parse(known_coinbase).checksum,
        "IN_STAKING_QUEUE",
    )
    for validator in new:
        assert by_address[validator["attester"]["eth"]]["lastSeenState"] == "NEW"
        assert "coinbase" not in by_address[validator["attester"]["eth"]]
    assert config["publishers"] == [str(p) for p in reference_publishers_funded]
    assert (config["chainId"], config["stakingProviderId"]) == (devnet.chain_id, devnet.provider_id)
    assert "updated" in capsys.readouterr().err


def test_an_object_of_named_sets_gives_one_keyfile_per_server(
    devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    east, west = funded_publishers(devnet, 2), funded_publishers(devnet, 1)
    write_json(workdir / "sets.json", {"east": east, "west": west})
    output = workdir / "deploy"
    output.mkdir()

    assert prepare(devnet, "-o", str(output), pubs="sets.json") == 0, capsys.readouterr().err

    assert sorted(p.name for p in output.iterdir()) == [f"east_{PROD}.new", f"west_{PROD}.new"]
    west_file = json.loads((output / f"west_{PROD}.new").read_text())
    assert {v["publisher"] for v in west_file["validators"]} == set(west)
    east_file = json.loads((output / f"east_{PROD}.new").read_text())
    assert [v["publisher"] for v in east_file["validators"]] == [east[i % 2] for i in range(5)]


def test_an_output_path_that_is_not_a_folder_names_the_keyfile_exactly_and_is_never_replaced(
    devnet: DevnetHandle,
    workdir: Path,
    reference_dir: Path,
    reference_publishers_funded: list[Address],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert prepare(devnet, "-o", "next.json") == 0, capsys.readouterr().err
    assert (workdir / "next.json").read_bytes() == (reference_dir / PHASE3 / f"{PROD}.new").read_bytes()
    capsys.readouterr()
    before = folder_state(workdir)

    assert prepare(devnet, "-o", "next.json") == 1
    assert error_lines(capsys.readouterr().err) == [
        "error: next.json: already exists; prepare-deployment never replaces a file (choose another -o)"
    ]
    assert prepare(devnet, "-o", "missing/") == 2
    assert error_lines(capsys.readouterr().err) == ["error: missing/: no such folder"]
    assert folder_state(workdir) == before

"""Reading the available publishers file and the new public-keys file from disk: both JSON forms of the
publishers file, and errors that name the file, the entry and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from butler.adapters.files.key_files import LocalKeyFiles
from butler.domain.address import Address
from butler.domain.errors import InputError
from butler.domain.publisher_sets import PublisherSet, PublisherSets

REFERENCE = "key-flow/after_phase2/on-dev-machine"
GOOD = "0xfd962667101b9E429A7DA2164203F83C0D99EbdB"
OTHER = "0xebD99FF0Ff6677205509AE73F93d0Ca52AC85D67"
BAD_CHECKSUM = "0xFD962667101b9E429A7DA2164203F83C0D99EbdB"


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "publishers.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def read_errors(path: Path) -> list[str]:
    with pytest.raises(InputError) as failed:
        LocalKeyFiles().read_available_publishers(path)
    return list(failed.value.problems)


def test_the_reference_list_reads_in_file_order(reference_dir: Path) -> None:
    sets = LocalKeyFiles().read_available_publishers(
        reference_dir / REFERENCE / "testnet_available_publisher_addresses.json"
    )

    assert sets == PublisherSets.single(
        tuple(Address.parse(a) for a in (GOOD, OTHER, "0xFb243b9112Bb65785A4A8eDAf32529accf003614"))
    )
    assert not sets.named


def test_an_object_names_one_set_per_server_in_file_order(tmp_path: Path) -> None:
    path = write(tmp_path, {"B": [OTHER], "A": [GOOD.lower()]})

    sets = LocalKeyFiles().read_available_publishers(path)

    assert sets.sets == (
        PublisherSet("B", (Address.parse(OTHER),)),
        PublisherSet("A", (Address.parse(GOOD),)),
    )
    assert sets.named


def test_every_malformed_entry_is_named_by_index(tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD, BAD_CHECKSUM, "0x1234", 7])

    assert read_errors(path) == [
        f"{path}: publishers[1]: mixed-case address with a wrong EIP-55 checksum",
        f"{path}: publishers[2]: must be 0x followed by exactly 40 hex digits",
        f"{path}: publishers[3]: expected a string, got int",
    ]


def test_entries_of_a_named_set_are_named_by_set_and_index(tmp_path: Path) -> None:
    path = write(tmp_path, {"A": [GOOD], "B": [OTHER, "nope"], "C": GOOD})

    assert read_errors(path) == [
        f"{path}: B[1]: must be 0x followed by exactly 40 hex digits",
        f"{path}: C: expected a list of addresses, got a string",
    ]


def test_a_set_name_that_cannot_prefix_a_file_is_refused_without_repeating_it(tmp_path: Path) -> None:
    path = write(tmp_path, {"A": [GOOD], "../etc": [OTHER]})

    (problem,) = read_errors(path)

    assert problem.startswith(f"{path}: top level: set #2: a publisher set name must be letters, digits")
    assert "../etc" not in problem


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('"0xfd962667101b9e429a7da2164203f83c0d99ebdb"', "top level: expected a list of addresses"),
        ('{"A": [], "A": []}', 'top level: field "A" appears twice in one object'),
        ("[", "not valid JSON"),
    ],
)
def test_the_wrong_shape_is_refused(tmp_path: Path, content: str, reason: str) -> None:
    (problem,) = read_errors(write(tmp_path, content))

    assert problem.startswith(f"{tmp_path / 'publishers.json'}: {reason}")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert read_errors(tmp_path / "absent.json") == [f"{tmp_path / 'absent.json'}: file not found"]


def test_the_public_keys_reference_reads(reference_dir: Path) -> None:
    keys = LocalKeyFiles().read_public_keys(reference_dir / REFERENCE / "new-public-keys.json")

    assert [str(v.attester.eth) for v in keys.validators] == [
        "0x5FAC75C9bD29CDf5599C74e31A8a88850a573748",
        "0x829B7234A1544C755a9F31Fa4812675F8E8A0BF3",
    ]


def test_a_public_key_off_the_curve_is_refused(reference_dir: Path, tmp_path: Path) -> None:
    doc = json.loads((reference_dir / REFERENCE / "new-public-keys.json").read_text())
    doc["validators"][1]["attester"]["bls"] = "0x" + "00" * 31 + "04"  # no point has x = 4
    path = tmp_path / "new-public-keys.json"
    path.write_text(json.dumps(doc))

    with pytest.raises(InputError) as failed:
        LocalKeyFiles().read_public_keys(path)

    (problem,) = failed.value.problems
    assert problem == f"{path}: validators[1].attester.bls: x is not the coordinate of a point on BN254 G1"

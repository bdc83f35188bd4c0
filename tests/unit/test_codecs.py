"""The JSON formats: byte-exact output, and one precise line per problem in a bad file."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.adapters.files import codecs, json_text
from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile, PublicKeysFile

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
PHASE2 = "key-flow/after_phase2/on-dev-machine/new-public-keys.json"


def problems(text: str) -> list[str]:
    with pytest.raises(codecs.DecodeError) as failure:
        codecs.structure(json_text.parse_json(text), PrivateKeysFile)
    return failure.value.problems


@pytest.fixture
def private_doc(reference_dir):
    return json.loads((reference_dir / PHASE1).read_text())


def test_public_keys_file_round_trips_byte_for_byte(reference_dir):
    text = (reference_dir / PHASE2).read_text()
    assert codecs.dump_json(codecs.structure(json_text.parse_json(text), PublicKeysFile)) == text


def test_publisher_may_be_one_key_or_a_list(private_doc):
    private_doc["validators"][0]["publisher"] = [private_doc["validators"][0]["publisher"]] * 2
    parsed = codecs.structure(private_doc, PrivateKeysFile)
    assert len(parsed.validators[0].publisher) == 2
    assert len(parsed.validators[1].publisher) == 1


def test_every_problem_is_named_by_its_json_path(private_doc):
    v0, v1 = private_doc["validators"]
    v0["attester"]["eth"] = "1234"
    v1["attester"]["bls"] = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"
    del v1["feeRecipient"]
    v0["publisher"] = [v0["publisher"], 5]
    assert problems(json.dumps(private_doc)) == [
        "validators[0].attester.eth: must be 0x followed by exactly 64 hex digits; "
        "the 0x prefix (lowercase x) is missing",
        "validators[0].publisher[1]: must be 0x followed by exactly 64 hex digits as a string, got int",
        "validators[1].attester.bls: out of range: must satisfy 1 <= k < r (the BN254 group order)",
        "validators[1].feeRecipient: required field missing",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", ["not valid JSON: Expecting value (line 1, column 1)"]),
        ("[1, 2]", ["top level: expected an object, got a list"]),
        ("{}", ["schemaVersion: required field missing", "validators: required field missing"]),
        (
            '{"schemaVersion": "1", "validators": {}}',
            [
                "schemaVersion: expected an integer, got a string",
                "validators: expected a list, got an object",
            ],
        ),
        ('{"schemaVersion": true, "validators": []}', ["schemaVersion: expected an integer, got a boolean"]),
        ('{"schemaVersion": 1, "validators": [7]}', ["validators[0]: expected an object, got a number"]),
        (
            '{"schemaVersion": 1, "validators": [{"attester": "x", "publisher": [], "feeRecipient": "0x"}]}',
            [
                "validators[0].attester: expected an object, got a string",
                "validators[0].publisher: expected a private key or a non-empty list of them",
                "validators[0].feeRecipient: must be 0x followed by exactly 64 hex digits",
            ],
        ),
        (
            '{"schemaVersion": 1, "schemaVersion": 1, "validators": []}',
            ['top level: field "schemaVersion" appears twice in one object'],
        ),
        pytest.param(
            '{"schemaVersion": 1, "validators": [], "0x' + "ab" * 32 + '": 1, "0x' + "ab" * 32 + '": 2}',
            ["top level: field with a long name appears twice in one object"],
            id="repeated-long-name",
        ),
        pytest.param(
            '{"schemaVersion": ' + "9" * 5000 + ', "validators": []}',
            ["not valid JSON for this format: a number has too many digits"],
            id="number-too-long",
        ),
        pytest.param("[" * 100_000, ["not valid JSON for this format: nested too deeply"], id="too-deep"),
    ],
)
def test_malformed_files(text, expected):
    assert problems(text) == expected


def test_deep_nesting_is_refused_even_after_py_ecc_raised_the_recursion_limit():
    import py_ecc  # noqa: F401 - imported for its side effect: sys.setrecursionlimit(100000)

    assert problems("[" * 100_000) == ["not valid JSON for this format: nested too deeply"]


def test_brackets_inside_strings_are_not_nesting():
    text = "[" * 100 + '\\"' + "{" * 100
    assert json_text.parse_json(json.dumps({"a": [[text]]})) == {"a": [[text]]}


@given(st.integers(min_value=1, max_value=2**256 - 1), st.sampled_from(["eth", "bls"]), st.data())
def test_no_problem_ever_repeats_key_material(private_doc_factory, scalar, field, data):
    doc = private_doc_factory()
    digits = f"{scalar:064x}"
    mangled = data.draw(
        st.sampled_from(
            [digits, f"0x{digits}0", f" 0x{digits}", f"0X{digits}", f"0x{digits[:-1]}g", f"0x{digits}"]
        )
    )
    doc["validators"][1]["attester"][field] = mangled
    doc["validators"][0]["attester"][field] = mangled
    try:
        codecs.structure(doc, PrivateKeysFile)
    except codecs.DecodeError as failure:
        text = "\n".join(failure.problems)
        assert digits[:16] not in text and digits[-16:] not in text
    else:
        assert mangled == f"0x{digits}", "a malformed key was accepted"


@pytest.fixture(scope="module")
def private_doc_factory(reference_dir):
    text = (reference_dir / PHASE1).read_text()
    return lambda: json.loads(text)


def test_private_keys_can_never_be_serialised(reference_dir):
    parsed = codecs.structure(json.loads((reference_dir / PHASE1).read_text()), PrivateKeysFile)
    with pytest.raises(TypeError, match="never serialised"):
        codecs.dump_json(parsed)


@pytest.mark.parametrize("phase", ["after_phase2", "after_phase3", "after_phase5"])
def test_production_keyfiles_are_written_back_byte_for_byte(reference_dir, phase):
    for path in (reference_dir / "key-flow" / phase).glob("*/prod-testnet-keyfile.json*"):
        text = path.read_text()
        assert codecs.dump_json(codecs.structure(json_text.parse_json(text), ProductionKeyfile)) == text


def test_a_production_keyfile_needs_a_remote_signer(reference_dir):
    data = json.loads(
        (reference_dir / "key-flow/after_phase2/on-dev-machine/prod-testnet-keyfile.json").read_text()
    )
    del data["remoteSigner"]
    with pytest.raises(codecs.DecodeError) as failure:
        codecs.structure(data, ProductionKeyfile)
    assert failure.value.problems == ["remoteSigner: required field missing"]
    data["remoteSigner"] = None
    with pytest.raises(codecs.DecodeError, match="remoteSigner: expected a value, got null"):
        codecs.structure(data, ProductionKeyfile)

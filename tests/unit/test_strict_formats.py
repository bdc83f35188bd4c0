"""Every file format the product reads: what it holds survives a rewrite (read ∘ write = identity), and
a misspelt field is refused with its JSON path and the name it resembles, never read as absent.
docs/file-formats.md lists which formats are strict and which keep fields they do not read."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import attrs
import coincurve
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from butler.adapters.endpoints import Endpoints
from butler.adapters.files import codecs, json_text
from butler.adapters.files.config_file import load_network_config
from butler.adapters.files.json_documents import local_coinbase_mapping_files, local_scraper_config_files
from butler.adapters.files.key_files import LocalKeyFiles
from butler.adapters.files.signer_key_files import LocalPublisherKeyFiles, PublicKeyListFile
from butler.domain.address import Address
from butler.domain.coinbases import CoinbaseMapping, CoinbaseRecord
from butler.domain.config import NetworkConfig, SecretSources
from butler.domain.deployment import DeploymentInputs, plan_deployment
from butler.domain.errors import InputError, UsageError
from butler.domain.hashing import keccak256
from butler.domain.keyfiles import (
    DeployedValidator,
    FeeRecipient,
    PrivateKeysFile,
    ProductionKeyfile,
    PublicAttester,
    PublicKeysFile,
    PublicValidator,
)
from butler.domain.publisher_sets import PublisherSet, PublisherSets
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from tests.strategies import addresses, eth_scalars
from tests.unit.command_world import real_services
from tests.unit.deployment_values import bls

PHASE1_PRIVATE = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
PHASE2_PUBLIC = "key-flow/after_phase2/on-dev-machine/new-public-keys.json"
PHASE5_KEYFILE = "key-flow/after_phase5/on-testnet-node/prod-testnet-keyfile.json"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
BN254_R = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001

bls_keys = st.integers(1, 40).map(bls)
fee_recipients = st.binary(min_size=32, max_size=32).map(FeeRecipient)
attesters = st.builds(PublicAttester, bls=bls_keys)  # eth: the registered Address strategy
names = st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def kept(field_names: tuple[str, ...]) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(st.sampled_from(field_names), json_values, max_size=len(field_names))


def rewritten(value: object, cls: type) -> object:
    """`value` written as the product writes it, then read back."""
    return codecs.structure(json_text.parse_json(codecs.dump_json(value)), cls)


def problems_of(data: object, cls: type) -> list[str]:
    with pytest.raises(codecs.DecodeError) as failure:
        codecs.structure(data, cls)
    return failure.value.problems


def write(tmp_path: Path, data: object, name: str = "file.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def refused(read, path: Path) -> list[str]:
    with pytest.raises((InputError, UsageError)) as failure:
        read(path)
    return list(failure.value.problems)


# --- production keyfile: strict, but keeps the fields of Aztec's keystore format it does not read ---

production_keyfiles = st.builds(
    ProductionKeyfile,
    schema_version=st.just(1),
    remote_signer=st.one_of(st.text(min_size=1), st.fixed_dictionaries({"remoteSignerUrl": st.text()})),
    validators=st.lists(
        st.builds(
            DeployedValidator,
            attester=attesters,
            publisher=addresses,
            coinbase=st.none() | addresses,
            fee_recipient=fee_recipients,
            other_fields=kept(("remoteSigner", "fundingAccount")),
        ),
        max_size=4,
    ).map(tuple),
    other_fields=kept(("slasher", "prover", "fundingAccount")),
)


@given(production_keyfiles)
def test_a_production_keyfile_is_written_back_as_it_was_read(keyfile):
    again = rewritten(keyfile, ProductionKeyfile)
    assert again == keyfile
    assert again.remote_signer == keyfile.remote_signer
    assert codecs.dump_json(again) == codecs.dump_json(keyfile)


def test_a_misspelt_coinbase_in_a_production_keyfile_is_refused_with_its_path(tmp_path, reference_dir):
    data = json.loads((reference_dir / PHASE5_KEYFILE).read_text())
    data["validators"][1]["coinBase"] = data["validators"][1].pop("coinbase")
    path = write(tmp_path, data)
    assert refused(LocalKeyFiles().read_production_keyfile, path) == [
        f'{path}: validators[1].coinBase: unknown field; did you mean "coinbase"?'
    ]


def test_aztec_fields_the_product_does_not_read_are_kept_in_every_keyfile_it_writes(
    tmp_path, reference_dir, capsys
):
    data = json.loads((reference_dir / PHASE5_KEYFILE).read_text())
    data["slasher"] = {"address": "0x" + "11" * 20, "remoteSignerUrl": "https://slash.example"}
    data["validators"][0]["fundingAccount"] = "0x" + "22" * 20
    files = LocalKeyFiles()
    keyfile = files.read_production_keyfile(write(tmp_path, data))
    assert capsys.readouterr().err == (
        f"warning: {tmp_path / 'file.json'}: kept as written, not read by aztec-butler: "
        "slasher, validators[0].fundingAccount\n"
    )
    plan = plan_deployment(
        DeploymentInputs(
            production=keyfile,
            production_file="prod.json",
            new=PublicKeysFile(1, ()),
            new_file="new.json",
            publishers=PublisherSets.single((Address.from_int(0x9B),)),
            publishers_file="publishers.json",
        )
    )
    out = tmp_path / "out.json"
    files.create_production_keyfile(out, plan.files[0].keyfile)
    written = json.loads(out.read_text())
    assert written["slasher"] == data["slasher"]
    assert written["validators"][0]["fundingAccount"] == data["validators"][0]["fundingAccount"]
    assert [sorted(v) for v in written["validators"]] == [sorted(v) for v in data["validators"]]


@pytest.mark.parametrize(
    ("plant", "problem"),
    [
        (lambda d: d.update(fundingAccount="0x" + "ab" * 32), "fundingAccount: looks like a private key"),
        (
            lambda d: d["validators"][2].update(fundingAccount={"path": "k.json", "password": "pw"}),
            "validators[2].fundingAccount.password: a secret",
        ),
        (lambda d: d.update(slasher={"mnemonic": "test " * 12}), "slasher.mnemonic: a secret"),
    ],
)
def test_a_kept_field_holding_a_secret_is_refused_as_it_would_be_copied(
    tmp_path, reference_dir, plant, problem
):
    data = json.loads((reference_dir / PHASE5_KEYFILE).read_text())
    plant(data)
    path = write(tmp_path, data)
    [line] = refused(LocalKeyFiles().read_production_keyfile, path)
    assert line.startswith(f"{path}: {problem}")
    assert "ab" * 32 not in line and "test test" not in line


# --- private-keys file (read only: private keys are never written) ---


@given(
    st.lists(
        st.tuples(
            eth_scalars,
            st.integers(1, BN254_R - 1),
            st.lists(eth_scalars, min_size=1, max_size=3),
            fee_recipients,
            st.none() | addresses,
        ),
        max_size=3,
    )
)
def test_a_private_keys_file_reads_as_the_keys_it_holds(validators):
    def key(k: int) -> str:
        return f"0x{k:064x}"

    doc = {
        "schemaVersion": 1,
        "validators": [
            {
                "attester": {"eth": key(eth), "bls": key(bls_key)},
                "publisher": [key(p) for p in publishers],
                "feeRecipient": str(fee),
                **({"coinbase": coinbase.checksum} if coinbase is not None else {}),
            }
            for eth, bls_key, publishers, fee, coinbase in validators
        ],
    }
    parsed = codecs.structure(json_text.parse_json(json.dumps(doc)), PrivateKeysFile)
    assert [
        (
            int(v.attester.eth.reveal_hex(), 16),
            int(v.attester.bls.reveal_hex(), 16),
            [int(p.reveal_hex(), 16) for p in v.publisher],
            v.fee_recipient,
            v.coinbase,
        )
        for v in parsed.validators
    ] == [(e, b, p, f, c) for e, b, p, f, c in validators]


def test_a_misspelt_field_in_a_private_keys_file_is_refused_with_its_path(tmp_path, reference_dir):
    data = json.loads((reference_dir / PHASE1_PRIVATE).read_text())
    data["validators"][1]["feeRecepient"] = data["validators"][1].pop("feeRecipient")
    path = write(tmp_path, data)
    assert refused(LocalKeyFiles().read_private_keys, path) == [
        f'{path}: validators[1].feeRecepient: unknown field; did you mean "feeRecipient"?',
        f"{path}: validators[1].feeRecipient: required field missing",
    ]
    # The same file given as --publisher-keys is read by the same rules.
    assert refused(LocalPublisherKeyFiles().read_publisher_keys, path)[0] == (
        f'{path}: validators[1].feeRecepient: unknown field; did you mean "feeRecipient"?'
    )


# --- public-keys file ---


@given(
    st.builds(
        PublicKeysFile,
        schema_version=st.just(1),
        validators=st.lists(st.builds(PublicValidator, attesters, fee_recipients), max_size=4).map(tuple),
    )
)
def test_a_public_keys_file_is_written_back_as_it_was_read(keys):
    assert rewritten(keys, PublicKeysFile) == keys


def test_a_misspelt_field_in_a_public_keys_file_is_refused_with_its_path(tmp_path, reference_dir):
    data = json.loads((reference_dir / PHASE2_PUBLIC).read_text())
    data["validators"][0]["attester"]["eht"] = data["validators"][0]["attester"].pop("eth")
    path = write(tmp_path, data)
    assert refused(LocalKeyFiles().read_public_keys, path) == [
        f'{path}: validators[0].attester.eht: unknown field; did you mean "eth"?',
        f"{path}: validators[0].attester.eth: required field missing",
    ]


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        (2, "schemaVersion: unsupported version 2; this release reads version 1"),
        (10**70, "schemaVersion: unsupported version; this release reads version 1"),
    ],
)
def test_a_key_file_of_another_schema_version_is_refused(reference_dir, version, problem):
    data = json.loads((reference_dir / PHASE2_PUBLIC).read_text())
    data["schemaVersion"] = version
    assert problems_of(data, PublicKeysFile) == [problem]


# --- available publishers file: no fixed field names (the object form's keys are set names) ---


@given(
    st.one_of(
        st.lists(addresses, max_size=4).map(tuple).map(PublisherSets.single),
        st.dictionaries(names, st.lists(addresses, max_size=3).map(tuple), min_size=1, max_size=3).map(
            lambda sets: PublisherSets(tuple(PublisherSet(n, p) for n, p in sets.items()))
        ),
    )
)
def test_a_publishers_file_reads_as_the_sets_written_in_it(sets):
    if sets.named:
        doc: object = {s.name: [p.checksum for p in s.publishers] for s in sets.sets}
    else:
        doc = [p.checksum for p in sets.sets[0].publishers]
    assert codecs.structure_publisher_sets(json_text.parse_json(json.dumps(doc))) == sets


def test_a_field_in_a_publishers_file_that_holds_no_list_is_refused_with_its_path(tmp_path):
    path = write(tmp_path, {"A": [Address.from_int(1).checksum], "schemaVersion": 1})
    assert refused(LocalKeyFiles().read_available_publishers, path) == [
        f"{path}: schemaVersion: expected a list of addresses, got a number"
    ]


# --- scraper config ---

scraper_configs = st.builds(
    ScraperConfig,
    version=st.just(1),
    network=names,
    chain_id=st.integers(1, 2**64),
    staking_provider_id=st.integers(1, 2**32),
    attesters=st.lists(
        st.builds(
            ScrapedAttester,
            address=addresses,
            coinbase=st.none() | addresses,
            last_seen_state=st.none() | st.sampled_from(AttesterState),
            publishers=st.lists(addresses, max_size=2).map(tuple),
        ),
        max_size=4,
    ).map(tuple),
    publishers=st.lists(addresses, max_size=3).map(tuple),
    last_updated=st.just("2026-01-02T03:04:05Z"),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scraper_configs)
def test_a_scraper_config_is_written_back_as_it_was_read(tmp_path, config):
    files = local_scraper_config_files()
    path = tmp_path / "scrape-config.json"
    files.write(path, config)
    assert files.read(path) == config


def test_a_misspelt_field_in_a_scraper_config_is_refused_with_its_path(tmp_path):
    config = ScraperConfig(
        1, "testnet", 11155111, 7, (ScrapedAttester(Address.from_int(0xA7)),), (), "2026-01-02T03:04:05Z"
    )
    data = codecs.unstructure(config)
    data["attesters"][0]["lastSeenStat"] = "ACTIVE"
    data["chainID"] = data.pop("chainId")
    path = write(tmp_path, data)
    assert refused(local_scraper_config_files().read, path) == [
        f'{path}: chainID: unknown field; did you mean "chainId"?',
        f"{path}: chainId: required field missing",
        f'{path}: attesters[0].lastSeenStat: unknown field; did you mean "lastSeenState"?',
    ]


# --- coinbase mapping ---


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.builds(
        CoinbaseMapping,
        version=st.just(1),
        network=names,
        chain_id=st.integers(1, 2**64),
        staking_registry=addresses,
        provider_id=st.integers(1, 2**32),
        first_block=st.integers(0, 2**40),
        last_scanned_block=st.integers(0, 2**40),
        coinbases=st.dictionaries(
            addresses, st.builds(CoinbaseRecord, addresses, st.integers(0, 2**40)), max_size=4
        ),
    )
)
def test_a_coinbase_mapping_is_written_back_as_it_was_read(tmp_path, mapping):
    files = local_coinbase_mapping_files()
    path = tmp_path / "coinbases.json"
    files.write(path, mapping)
    assert files.read(path) == mapping
    assert list(files.read(path).coinbases.items()) == list(mapping.coinbases.items())


def test_a_misspelt_field_in_a_coinbase_mapping_is_refused_with_its_path(tmp_path):
    attester = Address.from_int(0xA7)
    mapping = CoinbaseMapping(
        1, "devnet", 31337, Address.from_int(0x4E6), 1, 0, 9, {attester: CoinbaseRecord(attester, 3)}
    )
    data = codecs.unstructure(mapping)
    data["coinbases"][attester.checksum]["blok"] = data["coinbases"][attester.checksum].pop("block")
    path = write(tmp_path, data)
    assert refused(local_coinbase_mapping_files().read, path) == [
        f"{path}: coinbases['{attester.checksum}'].blok: unknown field; did you mean \"block\"?",
        f"{path}: coinbases['{attester.checksum}'].block: required field missing",
    ]


# --- network config (TOML) ---


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.builds(
        NetworkConfig,
        network=names,
        chain_id=st.integers(1, 2**63),
        staking_registry=addresses,
        rollup=addresses,
        provider_id=st.integers(1, 2**32),
        provider_admin=st.none() | addresses,
        safe_address=st.none() | addresses,
        min_eth_per_attester=st.decimals(0, 1000, places=3).map(lambda d: d.normalize()),
        registry_first_block=st.integers(0, 2**40),
    ),
    st.builds(
        Endpoints,
        rpc_url=names.map(lambda n: f"https://{n}.example/rpc"),
        safe_tx_service_url=st.none() | names.map(lambda n: f"http://{n}.example"),
    ),
    st.none() | names,
)
def test_a_network_config_reads_as_the_values_written_in_it(tmp_path, config, endpoints, key_file):
    values = [
        *((field.name, getattr(config, field.name)) for field in attrs.fields(NetworkConfig)),
        *((field.name, getattr(endpoints, field.name)) for field in attrs.fields(Endpoints)),
    ]
    lines = [
        f"{name} = {json.dumps(value if isinstance(value, int) else str(value))}"
        for name, value in values
        if value is not None
    ]
    if key_file is not None:
        lines.append(f'safe_proposer_key_file = "{key_file}"')
    path = tmp_path / "network.toml"
    path.write_text("\n".join(lines) + '\n[devnet]\ngse = "kept for aztec-butler-devnet"\n')
    read_config, secrets, read_endpoints = load_network_config(path)
    assert read_config == config and read_endpoints == endpoints
    assert read_config.min_eth_per_attester == Decimal(str(config.min_eth_per_attester))
    assert secrets == SecretSources(str(tmp_path / key_file) if key_file else None)


def test_a_misspelt_field_in_a_network_config_is_refused_with_its_path(tmp_path):
    path = tmp_path / "testnet.toml"
    path.write_text(
        'network = "testnet"\nchain_id = 1\nrpc_url = "https://rpc.example"\n'
        f'staking_registry = "{Address.from_int(1).checksum}"\nrollup = "{Address.from_int(2).checksum}"\n'
        'provider_id = 7\nmin_eth_per_atester = "0.2"\n'
    )
    assert refused(load_network_config, path) == [
        f'{path}: min_eth_per_atester: unknown field; did you mean "min_eth_per_attester"?'
    ]


# --- web3signer keys file: a JSON list, no field names ---


@given(st.lists(eth_scalars, max_size=4), st.sampled_from([True, False]))
def test_a_signer_keys_file_reads_as_the_keys_written_in_it(tmp_path_factory, secrets, compressed):
    points = [coincurve.PrivateKey.from_int(k).public_key for k in secrets]
    path = tmp_path_factory.mktemp("signer") / "keys.json"
    path.write_text(json.dumps(["0x" + p.format(compressed=compressed).hex() for p in points]))
    read = PublicKeyListFile(path).public_keys()
    assert [k.address for k in read] == [
        Address(keccak256(p.format(compressed=False)[1:])[-20:]) for p in points
    ]


def test_an_unknown_field_never_echoes_a_long_name(tmp_path, reference_dir):
    data = json.loads((reference_dir / PHASE2_PUBLIC).read_text())
    data["0x" + "ab" * 32] = 1
    assert problems_of(data, PublicKeysFile) == [
        "top level: a field with a long name is not part of this format"
    ]


def test_prepare_deployment_refuses_a_misspelt_coinbase_and_writes_nothing(
    tmp_path, reference_dir, capsys, closed_port
):
    from butler.entrypoints.cli import run

    phase2 = reference_dir / "key-flow/after_phase2/on-dev-machine"
    data = json.loads((phase2 / "prod-testnet-keyfile.json").read_text())
    data["validators"][0]["coinBase"] = data["validators"][0].pop("coinbase")
    write(tmp_path, data, "prod.json")
    for name in ("new-public-keys.json", "testnet_available_publisher_addresses.json"):
        (tmp_path / name).write_text((phase2 / name).read_text())
    (tmp_path / "testnet.toml").write_text(
        f'network = "testnet"\nchain_id = 11155111\nrpc_url = "http://127.0.0.1:{closed_port}"\n'
        f'staking_registry = "{Address.from_int(1).checksum}"\nrollup = "{Address.from_int(2).checksum}"\n'
        "provider_id = 7\n"
    )
    before = sorted(tmp_path.iterdir())
    args = ["--production-keys", str(tmp_path / "prod.json")]
    args += ["--new-public-keys", str(tmp_path / "new-public-keys.json")]
    args += ["--available-publishers", str(tmp_path / "testnet_available_publisher_addresses.json")]
    services = real_services(tmp_path, XDG_DATA_HOME=str(tmp_path / "data"))

    assert run(["prepare-deployment", "-c", str(tmp_path / "testnet.toml"), *args], services) == 1

    assert capsys.readouterr().err == (
        f'error: {tmp_path / "prod.json"}: validators[0].coinBase: unknown field; did you mean "coinbase"?\n'
    )
    assert sorted(tmp_path.iterdir()) == before

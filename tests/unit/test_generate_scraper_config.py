"""generate-scraper-config over fakes: attesters and publishers from each source, the merge, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import coincurve
import pytest

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.bn254 import G1
from butler.domain.errors import CheckFailed, UsageError
from butler.domain.keyfiles import DeployedValidator, FeeRecipient, ProductionKeyfile, PublicAttester
from butler.domain.keys import BlsPublicKey, EthSecretKey, attester_address
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.domain.secp256k1_public_keys import Secp256k1PublicKey
from butler.entrypoints.console import shown
from butler.ports.clock_fake import FixedClock
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files_fake import FakeKeyFiles
from butler.ports.signer_keys_fake import FakePublisherKeyFiles, FakeSignerKeys
from butler.usecases.generate_scraper_config import Generated, Sources, generate_scraper_config

OUTPUT = Path("/data/devnet-scrape-config.json")
KEYFILE_A = Path("/keys/A_prod.json")
KEYFILE_B = Path("/keys/B_prod.json")
PUBLISHER_KEYS = Path("/keys/publishers.json")


def secret(n: int) -> EthSecretKey:
    return EthSecretKey(0x5EC0000 + n)


def address(n: int) -> Address:
    return attester_address(secret(n))


def public_key(n: int, *, compressed: bool = False) -> Secp256k1PublicKey:
    raw = coincurve.PublicKey.from_secret(secret(n).scalar.to_bytes(32, "big")).format(compressed=compressed)
    return Secp256k1PublicKey.parse("0x" + raw.hex())


def keyfile(*validators: tuple[int, int, Address | None]) -> ProductionKeyfile:
    """(attester number, publisher number, coinbase) per validator."""
    return ProductionKeyfile(
        schema_version=1,
        remote_signer={"remoteSignerUrl": "http://signer"},
        validators=tuple(
            DeployedValidator(
                attester=PublicAttester(eth=address(a), bls=BlsPublicKey(G1)),
                publisher=address(p),
                coinbase=coinbase,
                fee_recipient=FeeRecipient(bytes(32)),
            )
            for a, p, coinbase in validators
        ),
    )


class World:
    def __init__(self) -> None:
        self.key_files = FakeKeyFiles()
        self.publisher_files = FakePublisherKeyFiles()
        self.configs = FakeJsonDocuments()
        self.clock = FixedClock()

    def run(self, sources: Sources, **options: Any) -> Generated:
        return generate_scraper_config(
            sources,
            network=options.get("network", "devnet"),
            chain_id=options.get("chain_id", 31337),
            provider_id=options.get("provider_id", 1),
            output=OUTPUT,
            key_files=self.key_files,
            publisher_key_files=self.publisher_files,
            scraper_configs=self.configs,
            clock=self.clock,
        )


def test_signer_keys_and_publisher_keys_give_attesters_and_publishers() -> None:
    world = World()
    world.publisher_files.files[PUBLISHER_KEYS] = [secret(100), secret(101)]
    signer = FakeSignerKeys(
        [public_key(1), public_key(2, compressed=True), public_key(100), public_key(1, compressed=True)]
    )

    generated = world.run(Sources(signer=signer, publisher_keys=PUBLISHER_KEYS))

    config = world.configs.files[OUTPUT]
    assert [(a.address, a.coinbase, a.last_seen_state) for a in config.attesters] == [
        (address(1), None, AttesterState.NEW),
        (address(2), None, AttesterState.NEW),
    ]
    assert config.publishers == (address(100), address(101))
    assert (config.network, config.chain_id, config.staking_provider_id) == ("devnet", 31337, 1)
    assert generated.created and generated.from_signer == 3 and generated.signer_publishers == 1


def test_keyfiles_give_attesters_with_their_coinbases_and_every_publisher_of_an_ha_set() -> None:
    world = World()
    coinbase = Address.from_int(0xC0)
    world.key_files.files[KEYFILE_A] = keyfile((1, 100, coinbase), (2, 101, None))
    world.key_files.files[KEYFILE_B] = keyfile((1, 102, None), (2, 103, ZERO_ADDRESS))

    generated = world.run(Sources(production_keyfiles=(KEYFILE_A, KEYFILE_B)))

    config = world.configs.files[OUTPUT]
    assert [(a.address, a.coinbase, a.publishers) for a in config.attesters] == [
        (address(1), coinbase, (address(100), address(102))),
        (address(2), None, (address(101), address(103))),
    ]
    assert config.publishers == tuple(address(n) for n in (100, 101, 102, 103))
    assert generated.notes == (
        f"{KEYFILE_B}: validators[1].coinbase is the zero address: recorded as unknown",
    )


def test_two_keyfiles_with_different_coinbases_for_one_attester_fail_and_write_nothing() -> None:
    world = World()
    world.key_files.files[KEYFILE_A] = keyfile((1, 100, Address.from_int(0xC0)))
    world.key_files.files[KEYFILE_B] = keyfile((1, 101, Address.from_int(0xC1)))
    with pytest.raises(CheckFailed, match=f"attester {address(1)}: conflicting coinbases"):
        world.run(Sources(production_keyfiles=(KEYFILE_A, KEYFILE_B)))
    assert world.configs.writes == 0


def existing_config(**changes: Any) -> ScraperConfig:
    fields: dict[str, Any] = {
        "version": 1,
        "network": "devnet",
        "chain_id": 31337,
        "staking_provider_id": 1,
        "attesters": (
            ScrapedAttester(address(1), Address.from_int(0xC0), AttesterState.ACTIVE, (address(100),)),
            ScrapedAttester(address(3), None, AttesterState.IN_STAKING_QUEUE),
        ),
        "publishers": (address(100),),
        "last_updated": "2025-12-01T00:00:00Z",
    }
    fields.update(changes)
    return ScraperConfig(**fields)


def test_an_existing_config_is_merged_not_replaced() -> None:
    world = World()
    world.configs.files[OUTPUT] = existing_config()
    world.clock.advance(60)

    generated = world.run(Sources(signer=FakeSignerKeys([public_key(2), public_key(1), public_key(100)])))

    config = world.configs.files[OUTPUT]
    assert [(a.address, a.coinbase, a.last_seen_state, a.publishers) for a in config.attesters] == [
        (address(1), Address.from_int(0xC0), AttesterState.ACTIVE, (address(100),)),
        (address(3), None, AttesterState.IN_STAKING_QUEUE, ()),
        (address(2), None, AttesterState.NEW, ()),
    ]
    # Without keyfiles or publisher keys the publisher list stays; its members are not taken for attesters.
    assert config.publishers == (address(100),)
    assert config.last_updated == "2026-01-01T00:01:00Z"
    assert not generated.created and generated.new_attesters == (address(2),)
    assert generated.signer_publishers == 1


def test_publisher_keys_alone_replace_the_publisher_list() -> None:
    world = World()
    world.configs.files[OUTPUT] = existing_config()
    world.publisher_files.files[PUBLISHER_KEYS] = [secret(200)]
    world.run(Sources(publisher_keys=PUBLISHER_KEYS))
    config = world.configs.files[OUTPUT]
    assert config.publishers == (address(200),)
    assert config.attesters == existing_config().attesters


@pytest.mark.parametrize(
    "changes", [{"chain_id": 1}, {"staking_provider_id": 2}, {"network": "testnet"}], ids=str
)
def test_a_config_of_another_network_chain_or_provider_is_refused(changes: dict[str, Any]) -> None:
    world = World()
    world.configs.files[OUTPUT] = existing_config(**changes)
    with pytest.raises(CheckFailed, match="the scraper config is for network"):
        world.run(Sources(signer=FakeSignerKeys([public_key(2)])))
    assert world.configs.writes == 0


def test_a_signer_list_without_known_publishers_says_so() -> None:
    world = World()
    generated = world.run(Sources(signer=FakeSignerKeys([public_key(1)], source="web3signer http://s:9000")))
    assert tuple(map(shown, generated.notes)) == (
        "every key of web3signer http://s:9000 is listed as an attester: pass --publisher-keys so that the "
        "publishers' keys are told apart",
    )


def test_attesters_of_the_config_that_turn_out_to_be_publishers_are_pointed_out() -> None:
    world = World()
    world.configs.files[OUTPUT] = existing_config()
    world.publisher_files.files[PUBLISHER_KEYS] = [secret(3)]
    generated = world.run(Sources(publisher_keys=PUBLISHER_KEYS))
    assert generated.notes == (
        f"{OUTPUT}: 1 of its attesters are publishers (first: {address(3)}); remove them from its attesters "
        "by hand",
    )


def test_nothing_to_generate_from_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nothing to generate from"):
        World().run(Sources())

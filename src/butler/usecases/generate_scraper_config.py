"""`generate-scraper-config`: the monitoring's list of attesters and publishers, from public material.

Attesters come from production keyfiles (with their coinbases and publishers) and from the public keys a
remote signer holds; publishers from the keyfiles and from a file of publisher private keys, of which only
the addresses are kept. The result is merged into the existing scraper config by the SPEC §7 rule.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.errors import Problem, UsageError
from butler.domain.keys import attester_address
from butler.domain.scraper_config import ScrapedAttester, ScraperConfig, merged_scraper_config
from butler.domain.secp256k1_public_keys import addresses_of
from butler.ports.clock import Clock
from butler.ports.json_documents import ScraperConfigFiles
from butler.ports.key_files import KeyFiles
from butler.ports.signer_keys import PublisherKeyFiles, SignerKeys


@attrs.frozen
class Sources:
    production_keyfiles: tuple[Path, ...] = ()
    signer: SignerKeys | None = None
    publisher_keys: Path | None = None

    @property
    def empty(self) -> bool:
        return not self.production_keyfiles and self.signer is None and self.publisher_keys is None


@attrs.frozen
class Generated:
    output: Path
    config: ScraperConfig
    created: bool
    new_attesters: tuple[Address, ...]
    from_signer: int
    """Distinct addresses of the signer's keys."""
    signer_publishers: int
    """Of those, the publishers' (web3signer holds the publishers' keys too): not listed as attesters."""
    notes: tuple[str | Problem, ...]


def generate_scraper_config(
    sources: Sources,
    *,
    network: str,
    chain_id: int,
    provider_id: int,
    output: Path,
    key_files: KeyFiles,
    publisher_key_files: PublisherKeyFiles,
    scraper_configs: ScraperConfigFiles,
    clock: Clock,
) -> Generated:
    if sources.empty:
        raise UsageError(
            Problem(
                "nothing to generate from: pass {production_keys}, {web3signer_keys}, {web3signer_url} or "
                "{publisher_keys}"
            )
        )
    existing = scraper_configs.read(output) if scraper_configs.exists(output) else None
    notes: list[str | Problem] = []
    attesters, publishers = _from_keyfiles(sources.production_keyfiles, key_files, notes)
    if sources.publisher_keys is not None:
        for key in publisher_key_files.read_publisher_keys(sources.publisher_keys):
            publishers[attester_address(key)] = None

    # The signer holds the publishers' keys too: any publisher known here or to the config is one.
    known_publishers = {*publishers, *(existing.publishers if existing is not None else ())}
    from_signer, signer_publishers = 0, 0
    if sources.signer is not None:
        signer_attesters, from_signer, signer_publishers = _from_signer(
            sources.signer, known_publishers, notes
        )
        attesters += signer_attesters

    known = {a.address for a in existing.attesters} if existing is not None else set()
    listed_publishers = sorted(known & known_publishers)
    if listed_publishers:
        notes.append(
            f"{output}: {len(listed_publishers)} of its attesters are publishers (first: "
            f"{listed_publishers[0]}); remove them from its attesters by hand"
        )
    config = merged_scraper_config(
        existing,
        network=network,
        chain_id=chain_id,
        staking_provider_id=provider_id,
        attesters=attesters,
        publishers=list(publishers) if sources.production_keyfiles or sources.publisher_keys else None,
        now=clock.now(),
    )
    scraper_configs.write(output, config)
    return Generated(
        output=output,
        config=config,
        created=existing is None,
        new_attesters=tuple(dict.fromkeys(a.address for a in attesters if a.address not in known)),
        from_signer=from_signer,
        signer_publishers=signer_publishers,
        notes=tuple(notes),
    )


def _from_signer(
    signer: SignerKeys, known_publishers: Set[Address], notes: list[str | Problem]
) -> tuple[list[ScrapedAttester], int, int]:
    """The signer's keys that are no known publisher's, as attesters; how many keys it holds, and how many
    of them are publishers'."""
    addresses = addresses_of(signer.public_keys())
    publishers = sum(1 for address in addresses if address in known_publishers)
    if publishers:
        notes.append(
            f"{publishers} of the {len(addresses)} keys of {signer.source} are publishers' "
            "and are not listed as attesters"
        )
    if not known_publishers:
        notes.append(
            Problem(
                "every key of {source} is listed as an attester: pass {publisher_keys} so "
                "that the publishers' keys are told apart",
                source=signer.source,
            )
        )
    attesters = [ScrapedAttester(address=a) for a in addresses if a not in known_publishers]
    return attesters, len(addresses), publishers


def _from_keyfiles(
    paths: Sequence[Path], key_files: KeyFiles, notes: list[str | Problem]
) -> tuple[list[ScrapedAttester], dict[Address, None]]:
    """The keyfiles' attesters (one entry per keyfile validator) and their publishers, in file order."""
    incoming: list[ScrapedAttester] = []
    # An attester has one publisher per keyfile of an HA set: all of them are its publishers.
    assigned: dict[Address, dict[Address, None]] = {}
    publishers: dict[Address, None] = {}
    for path in paths:
        keyfile = key_files.read_production_keyfile(path)
        for index, validator in enumerate(keyfile.validators):
            coinbase = validator.coinbase
            if coinbase is not None and coinbase.is_zero:
                notes.append(f"{path}: validators[{index}].coinbase is the zero address: recorded as unknown")
                coinbase = None
            incoming.append(ScrapedAttester(address=validator.attester.eth, coinbase=coinbase))
            assigned.setdefault(validator.attester.eth, {})[validator.publisher] = None
            publishers[validator.publisher] = None
    # Two keyfiles naming different coinbases for one attester reach the merge as two entries: it names them.
    return [attrs.evolve(a, publishers=tuple(assigned[a.address])) for a in incoming], publishers

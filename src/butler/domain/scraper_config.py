"""The scraper config (SPEC §3, §7): every attester and publisher the monitoring watches. Public data only."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import attrs

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.errors import CheckFailed
from butler.domain.scope import Scope, out_of_scope

SCRAPER_CONFIG_VERSION = 1


class AttesterState(enum.StrEnum):
    """Lifecycle of an attester as the scraper sees it (SPEC §13)."""

    NEW = "NEW"
    IN_STAKING_PROVIDER_QUEUE = "IN_STAKING_PROVIDER_QUEUE"
    IN_STAKING_QUEUE = "IN_STAKING_QUEUE"
    ACTIVE = "ACTIVE"
    NO_LONGER_ACTIVE = "NO_LONGER_ACTIVE"


@attrs.frozen
class ScrapedAttester:
    """`publishers` are the accounts that publish for this attester, one per keyfile of an HA set."""

    address: Address
    coinbase: Address | None = None
    last_seen_state: AttesterState | None = None
    publishers: tuple[Address, ...] = ()


@attrs.frozen
class ScraperConfig:
    version: int
    network: str
    chain_id: int
    staking_provider_id: int
    attesters: tuple[ScrapedAttester, ...]
    publishers: tuple[Address, ...]
    last_updated: str

    @property
    def scope(self) -> Scope:
        return Scope(self.network, self.chain_id, provider_id=self.staking_provider_id)


def timestamp(moment: datetime) -> str:
    """`lastUpdated` text: UTC, seconds, `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _known(coinbase: Address | None) -> Address | None:
    return None if coinbase == ZERO_ADDRESS else coinbase


def merged_attesters(
    existing: Iterable[ScrapedAttester], incoming: Iterable[ScrapedAttester]
) -> tuple[ScrapedAttester, ...]:
    """Every attester once, existing ones first, in order of first appearance (SPEC §7).

    A non-zero coinbase wins over a zero or absent one; two different non-zero coinbases for one attester
    raise CheckFailed naming every such attester. A known `last_seen_state` is kept; attesters seen for
    the first time are NEW. A non-empty `publishers` replaces the old assignment (the newest deployment
    decides who publishes).
    """
    merged: dict[Address, ScrapedAttester] = {}
    conflicts: dict[Address, set[Address]] = {}
    for attester in (*existing, *incoming):
        coinbase = _known(attester.coinbase)
        before = merged.get(attester.address)
        if before is None:
            merged[attester.address] = attrs.evolve(
                attester, coinbase=coinbase, last_seen_state=attester.last_seen_state or AttesterState.NEW
            )
            continue
        if before.coinbase is not None and coinbase is not None and before.coinbase != coinbase:
            conflicts.setdefault(attester.address, {before.coinbase}).add(coinbase)
        merged[attester.address] = ScrapedAttester(
            address=before.address,
            coinbase=before.coinbase or coinbase,
            last_seen_state=before.last_seen_state or attester.last_seen_state,
            publishers=attester.publishers or before.publishers,
        )
    if conflicts:
        raise CheckFailed(
            *(
                f"attester {address}: conflicting coinbases {' and '.join(sorted(map(str, coinbases)))}"
                for address, coinbases in conflicts.items()
            )
        )
    return tuple(merged.values())


def merged_scraper_config(
    existing: ScraperConfig | None,
    *,
    network: str,
    chain_id: int,
    staking_provider_id: int,
    attesters: Iterable[ScrapedAttester],
    publishers: Sequence[Address] | None,
    now: datetime,
) -> ScraperConfig:
    """`existing` updated with `attesters` (see `merged_attesters`); `publishers` replaces the list when
    given. A config of another network, chain or provider is refused rather than mixed in."""
    if existing is not None:
        other = out_of_scope(
            "scraper config", existing.scope, Scope(network, chain_id, provider_id=staking_provider_id)
        )
        if other is not None:
            raise CheckFailed(other)
    kept_publishers = existing.publishers if existing is not None else ()
    return ScraperConfig(
        version=SCRAPER_CONFIG_VERSION,
        network=network,
        chain_id=chain_id,
        staking_provider_id=staking_provider_id,
        attesters=merged_attesters(existing.attesters if existing else (), attesters),
        publishers=tuple(dict.fromkeys(publishers)) if publishers is not None else kept_publishers,
        last_updated=timestamp(now),
    )


def publisher_loads(
    config: ScraperConfig, states: Mapping[Address, AttesterState] | None = None
) -> dict[Address, int]:
    """Attesters assigned to each publisher; every listed publisher is present, unused ones with 0.

    Attesters no longer active are not counted: they will not publish again, so they need no funds.
    `states`, when given, are the attesters' states just observed, newer than the file's."""
    loads = dict.fromkeys(config.publishers, 0)
    for attester in config.attesters:
        state = states.get(attester.address) if states is not None else None
        if (state or attester.last_seen_state) is AttesterState.NO_LONGER_ACTIVE:
            continue
        for publisher in attester.publishers:
            loads[publisher] = loads.get(publisher, 0) + 1
    return loads


@attrs.frozen
class PublisherLoads:
    """Attesters per publisher, and whether they are assumed: a config that names no attester's
    publishers (built from web3signer keys) says nothing of who publishes for whom."""

    loads: dict[Address, int]
    even_split: bool


def assumed_publisher_loads(
    config: ScraperConfig, states: Mapping[Address, AttesterState] | None = None
) -> PublisherLoads:
    """`publisher_loads`, except when no attester names a publisher while publishers are listed: then the
    attesters still counted are assumed spread evenly, ceil(attesters / publishers) on each, rather than
    every publisher needing nothing."""
    if not config.publishers or any(attester.publishers for attester in config.attesters):
        return PublisherLoads(publisher_loads(config, states), even_split=False)
    counted = {
        attester.address
        for attester in config.attesters
        if ((states or {}).get(attester.address) or attester.last_seen_state)
        is not AttesterState.NO_LONGER_ACTIVE
    }
    share = -(-len(counted) // len(config.publishers))
    return PublisherLoads(dict.fromkeys(config.publishers, share), even_split=True)


def with_states(
    config: ScraperConfig, states: Mapping[Address, AttesterState], now: datetime
) -> ScraperConfig:
    """`config` with the given attesters' `last_seen_state` replaced; others unchanged."""
    return attrs.evolve(
        config,
        attesters=tuple(
            attrs.evolve(a, last_seen_state=states[a.address]) if a.address in states else a
            for a in config.attesters
        ),
        last_updated=timestamp(now),
    )

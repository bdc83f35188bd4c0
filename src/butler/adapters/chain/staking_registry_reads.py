"""What the adapter reads of the StakingRegistry: providers, provider queues, `StakedWithProvider` events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError

from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.contract_reader import Contract, Read
from butler.adapters.chain.contract_reads import ContractReads, ReadMeans
from butler.adapters.chain.node_answers import address, address_topic
from butler.adapters.chain.onchain_values import key_store
from butler.adapters.chain.read_batching import ItemReads
from butler.adapters.chain.transport import one_line
from butler.domain.address import Address
from butler.domain.errors import ChainError
from butler.domain.onchain import KeyStore, Provider, StakedWithProvider

_PROVIDER_CONFIGURATIONS = abis.function(abis.STAKING_REGISTRY, "providerConfigurations")
_NEXT_PROVIDER_IDENTIFIER = abis.function(abis.STAKING_REGISTRY, "nextProviderIdentifier")
_FIRST_INDEX = abis.function(abis.STAKING_REGISTRY, "getFirstIndexInQueue")
_LAST_INDEX = abis.function(abis.STAKING_REGISTRY, "getLastIndexInQueue")
_VALUE_AT_INDEX = abis.function(abis.STAKING_REGISTRY, "getValueAtIndexInQueue")
_STAKED_WITH_PROVIDER = abis.event(abis.STAKING_REGISTRY, "StakedWithProvider")
_STAKED_TOPIC = "0x" + _STAKED_WITH_PROVIDER.topic0.hex()


class StakingRegistryReads(ContractReads):
    """Reads of the configured staking registry, `registry`."""

    def __init__(self, registry: Contract, means: ReadMeans) -> None:
        super().__init__(means)
        self.registry = registry

    def provider_by_id(self, provider_id: int) -> Provider | None:
        (raw,) = self._reader.read_all(
            [self._reader.call(self.registry, _PROVIDER_CONFIGURATIONS, provider_id)]
        )
        return self._provider(provider_id, raw)

    def provider_by_admin(self, admin: Address) -> Provider | None:
        (next_id,) = self._reader.read(self.registry, _NEXT_PROVIDER_IDENTIFIER)
        ids = range(1, next_id)
        raws = self._reader.read_all(
            [self._reader.call(self.registry, _PROVIDER_CONFIGURATIONS, i) for i in ids]
        )
        for provider_id, raw in zip(ids, raws, strict=True):
            provider = self._provider(provider_id, raw)
            if provider is not None and provider.admin == admin:
                return provider
        return None

    def _provider(self, provider_id: int, raw: Any) -> Provider | None:
        admin, take_rate, rewards_recipient = self._reader.decode(
            _PROVIDER_CONFIGURATIONS, raw, self.registry
        )
        admin_address = address(admin)
        # The registry answers an unknown id with zeros; a registered provider never has a zero admin.
        if admin_address.is_zero:
            return None
        return Provider(
            id=provider_id,
            admin=admin_address,
            take_rate=take_rate,
            rewards_recipient=address(rewards_recipient),
        )

    def provider_queue(self, provider_id: int) -> Sequence[KeyStore]:
        """The provider's queue, read at one block (see `ReadBatching.pinned`)."""

        def bounds(block: str) -> list[Read]:
            return [
                self._reader.call(self.registry, _FIRST_INDEX, provider_id, block=block),
                self._reader.call(self.registry, _LAST_INDEX, provider_id, block=block),
            ]

        def items(raw_bounds: Sequence[Any], block: str) -> ItemReads:
            (first,) = self._reader.decode(_FIRST_INDEX, raw_bounds[0], self.registry)
            (last,) = self._reader.decode(_LAST_INDEX, raw_bounds[1], self.registry)
            if last < first:
                raise ChainError(
                    f"rpc {self._answers.node}: provider {provider_id}'s queue ends ({last}) before it "
                    f"starts ({first})"
                )
            return self._batching.item_reads(
                self.registry, _VALUE_AT_INDEX, (provider_id,), range(first, last), block
            )

        answers = self._batching.pinned(bounds, items)
        return [key_store(self._reader.decoded(_VALUE_AT_INDEX, data, self.registry)[0]) for data in answers]

    def staked_with_provider(
        self, provider_id: int, from_block: int, to_block: int, attesters: Sequence[Address] | None
    ) -> list[StakedWithProvider]:
        """The provider's `StakedWithProvider` events in the range (of `attesters` only, unless None), in
        chain order."""
        provider_topic = "0x" + provider_id.to_bytes(32, "big").hex()
        topics: list[Any] = [_STAKED_TOPIC, provider_topic]
        if attesters is not None:
            topics += [None, [address_topic(a) for a in dict.fromkeys(attesters)]]
        logs = self._logs.logs(self.registry.address, topics, from_block, to_block)
        events = list(self._staked_events(logs, provider_id))
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return events

    def _staked_events(self, logs: list[Any], provider_id: int) -> Iterable[StakedWithProvider]:
        for log in logs:
            if log.get("removed"):
                continue
            topics = log.get("topics")
            if (
                not isinstance(topics, list)
                or len(topics) != 4
                or not isinstance(topics[0], str)
                or topics[0].lower() != _STAKED_TOPIC
                or address(str(log.get("address"))) != self.registry.address
            ):
                raise ChainError(
                    f"rpc {self._answers.node}: eth_getLogs returned a log that is not a StakedWithProvider "
                    f"event of the registry {self.registry.address}"
                )
            event = self._staked_event(log, topics)
            if event.provider_id != provider_id:
                raise ChainError(
                    f"rpc {self._answers.node}: eth_getLogs returned an event of provider "
                    f"{event.provider_id} when asked for provider {provider_id}"
                )
            yield event

    def _staked_event(self, log: dict[str, Any], topics: list[Any]) -> StakedWithProvider:
        provider_word, rollup_word, attester_word = (self._answers.data(t, "eth_getLogs") for t in topics[1:])
        try:
            (event_provider,) = decode(["uint256"], provider_word)
            (rollup,) = decode(["address"], rollup_word)
            (attester,) = decode(["address"], attester_word)
            coinbase, staker_implementation = decode(
                list(_STAKED_WITH_PROVIDER.data_types), self._answers.data(log.get("data"), "eth_getLogs")
            )
        except (DecodingError, ValueError, OverflowError) as error:
            raise ChainError(
                f"rpc {self._answers.node}: undecodable StakedWithProvider log: {one_line(str(error))}"
            ) from None
        return StakedWithProvider(
            provider_id=event_provider,
            rollup=address(rollup),
            attester=address(attester),
            coinbase=address(coinbase),
            staker_implementation=address(staker_implementation),
            block_number=self._answers.quantity(log.get("blockNumber"), "eth_getLogs"),
            log_index=self._answers.quantity(log.get("logIndex"), "eth_getLogs"),
            transaction_hash=self._answers.transaction_hash(log),
        )

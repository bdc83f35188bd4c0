"""Which rollup the adapter reads (the canonical one), and what it reads of it and of its GSE: attester
views, deposit events, registration digests. The entry queue is in `entry_queue_reads`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError

from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.contract_reader import Contract
from butler.adapters.chain.contract_reads import ContractReads, ReadMeans
from butler.adapters.chain.node_answers import address, address_topic
from butler.adapters.chain.transport import one_line
from butler.domain.address import Address
from butler.domain.errors import ChainError
from butler.domain.onchain import AttesterStatus, AttesterView, DepositStep, G1Point, RollupDepositEvent

_ROLLUP_REGISTRY = abis.function(abis.STAKING_REGISTRY, "ROLLUP_REGISTRY")
_CANONICAL_ROLLUP = abis.function(abis.REGISTRY, "getCanonicalRollup")
_ATTESTER_VIEW = abis.function(abis.ROLLUP, "getAttesterView")
_GET_GSE = abis.function(abis.ROLLUP, "getGSE")
_REGISTRATION_DIGEST = abis.function(abis.GSE, "getRegistrationDigest")
_DEPOSIT_STEPS = {
    "0x" + abis.event(abis.ROLLUP_DEPOSITS, name).topic0.hex(): step
    for name, step in (
        ("ValidatorQueued", DepositStep.QUEUED),
        ("Deposit", DepositStep.DEPOSITED),
        ("FailedDeposit", DepositStep.FAILED),
    )
}


class WrongRollup(ChainError):
    """The configured rollup is not the canonical rollup of the staking registry's Aztec Registry: reads
    of it would describe another rollup than the one stakes go to. No retry will help."""


class RollupReads(ContractReads):
    """Reads of the canonical rollup of the Aztec Registry that `registry` (the staking registry) names
    (`ROLLUP_REGISTRY()`, then `getCanonicalRollup()`), looked up once, on first use. A `configured`
    rollup must be that one: any other is refused (`WrongRollup`)."""

    def __init__(
        self,
        registry: Contract,
        means: ReadMeans,
        *,
        configured: Address | None,
    ) -> None:
        super().__init__(means)
        self._registry = registry
        self._configured = configured
        self._rollup: Contract | None = None
        self._gse: Contract | None = None

    def rollup(self) -> Contract:
        if self._rollup is None:
            canonical, aztec_registry = self._canonical_rollup()
            if self._configured is None:
                self._rollup = Contract(
                    canonical,
                    f"rollup {canonical}, canonical in {aztec_registry.name}",
                    aztec_registry.setting,
                )
            elif self._configured != canonical:
                raise WrongRollup(
                    f"rollup {self._configured} is not the canonical rollup {canonical} of "
                    f"{aztec_registry.name}: set rollup to the canonical one, or leave it out to follow the "
                    "canonical rollup"
                )
            else:
                self._rollup = Contract.configured("rollup", self._configured)
        return self._rollup

    def _canonical_rollup(self) -> tuple[Address, Contract]:
        (aztec_registry,) = self._reader.read(self._registry, _ROLLUP_REGISTRY)
        at = address(aztec_registry)
        registry = Contract(
            at, f"the Aztec Registry {at}, named by {self._registry.name}", "staking_registry"
        )
        (canonical,) = self._reader.read(registry, _CANONICAL_ROLLUP)
        if address(canonical).is_zero:
            raise ChainError(f"rpc {self._answers.node}: {registry.name} has no canonical rollup")
        return address(canonical), registry

    def _gse_contract(self) -> Contract:
        if self._gse is None:
            rollup = self.rollup()
            (gse,) = self._reader.read(rollup, _GET_GSE)
            at = address(gse)
            if at.is_zero:
                raise ChainError(
                    f"rpc {self._answers.node}: {rollup.name} names no GSE: is the configured "
                    f"{rollup.setting} address right?"
                )
            self._gse = Contract(at, f"GSE {at}, named by {rollup.name}", rollup.setting)
        return self._gse

    def attester_views(self, attesters: Sequence[Address]) -> Mapping[Address, AttesterView]:
        """The views of `attesters`, which are distinct."""
        rollup = self.rollup()
        reads = self._batching.item_reads(rollup, _ATTESTER_VIEW, (), attesters)
        answers = self._batching.answers(reads, self._batching.batch(reads))
        return {
            attester: self._attester_view(attester, self._reader.decoded(_ATTESTER_VIEW, data, rollup)[0])
            for attester, data in zip(attesters, answers, strict=True)
        }

    def _attester_view(self, attester: Address, decoded: Any) -> AttesterView:
        status, effective_balance, _exit, (_public_key, withdrawer) = decoded
        try:
            attester_status = AttesterStatus(status)
        except ValueError:
            raise ChainError(
                f"rpc {self._answers.node}: the rollup reports an unknown status {status} for {attester}"
            ) from None
        return AttesterView(
            status=attester_status, effective_balance=effective_balance, withdrawer=address(withdrawer)
        )

    def registration_digests(self, public_keys: Sequence[G1Point]) -> list[G1Point]:
        gse = self._gse_contract()
        raws = self._reader.read_all(
            [self._reader.call(gse, _REGISTRATION_DIGEST, (pk.x, pk.y)) for pk in public_keys]
        )
        digests = []
        for raw in raws:
            ((x, y),) = self._reader.decode(_REGISTRATION_DIGEST, raw, gse)
            digests.append(G1Point(x=x, y=y))
        return digests

    def deposit_events(
        self, attesters: Sequence[Address], from_block: int, to_block: int
    ) -> list[RollupDepositEvent]:
        """The deposit steps of `attesters` in the range, in chain order."""
        topics = [list(_DEPOSIT_STEPS), [address_topic(a) for a in dict.fromkeys(attesters)]]
        logs = self._logs.logs(self.rollup().address, topics, from_block, to_block)
        events = [self._deposit_event(log) for log in logs if not log.get("removed")]
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return events

    def _deposit_event(self, log: dict[str, Any]) -> RollupDepositEvent:
        topics = log.get("topics")
        step = _DEPOSIT_STEPS.get(topics[0].lower()) if isinstance(topics, list) and topics else None
        if (
            step is None
            or not isinstance(topics, list)
            or len(topics) != 3
            or address(str(log.get("address"))) != self.rollup().address
        ):
            raise ChainError(
                f"rpc {self._answers.node}: eth_getLogs returned a log that is not a deposit event of the "
                f"rollup {self.rollup().address}"
            )
        try:
            (attester,) = decode(["address"], self._answers.data(topics[1], "eth_getLogs"))
        except (DecodingError, ValueError, OverflowError) as error:
            raise ChainError(
                f"rpc {self._answers.node}: undecodable deposit log: {one_line(str(error))}"
            ) from None
        return RollupDepositEvent(
            step=step,
            attester=address(attester),
            block_number=self._answers.quantity(log.get("blockNumber"), "eth_getLogs"),
            log_index=self._answers.quantity(log.get("logIndex"), "eth_getLogs"),
            transaction_hash=self._answers.transaction_hash(log),
        )

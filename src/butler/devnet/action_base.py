"""What every devnet action stands on: the devnet's contracts, checked to be there, and sending as any
account (anvil impersonates it), as the Safe's owners, or at an epoch's start."""

from __future__ import annotations

from typing import Any

from web3.contract import Contract
from web3.types import TxReceipt

from butler.devnet import accounts, artifacts
from butler.devnet.chain import DevChain, DevnetError, TxFailed
from butler.devnet.config import DevnetConfig
from butler.devnet.safe import SafeContract, sign_hash
from butler.domain.address import Address
from butler.domain.onchain import AttesterStatus
from butler.domain.safe import Operation, SafeTransaction
from butler.domain.wei import WEI_PER_ETH

# Withdrawals and slashes call through the GSE into governance, where estimates fall short.
STAKING_CALL_GAS = 1_500_000


class ActionBase:
    """The devnet a config describes, with handles on its real contracts."""

    def __init__(self, config: DevnetConfig, chain: DevChain | None = None) -> None:
        self.config = config
        self.chain = chain or DevChain(config.rpc_url)
        self.chain.check_reachable()
        if self.chain.chain_id != config.chain_id:
            raise DevnetError(
                f"the node at {config.rpc_url} runs chain {self.chain.chain_id}, "
                f"the config says {config.chain_id}"
            )
        # A node restarted without `up` answers the same chain id but holds none of the contracts.
        for name, address in (
            ("StakingRegistry", config.staking_registry),
            ("Rollup", config.rollup),
            ("GSE", config.gse),
            ("Safe", config.safe),
        ):
            if not self.chain.code(address):
                raise DevnetError(
                    f"no {name} at {address} on {config.rpc_url}: the config belongs to another devnet"
                )
        self.safe = SafeContract(self.chain, config.safe)
        self.registry = self.chain.contract(artifacts.own("StakingRegistry"), config.staking_registry)
        self.rollup = self.chain.contract(artifacts.aztec("Rollup"), config.rollup)
        self.gse = self.chain.contract(artifacts.aztec("GSE"), config.gse)
        self.rollup_version = int(self.chain.call(self.rollup.functions.getVersion()))

    def execute_as_owner(
        self, to: Address, value: int, data: bytes, operation: Operation = Operation.CALL
    ) -> TxReceipt:
        """Execute a Safe transaction at the Safe's current nonce, signed by devnet owners."""
        tx = SafeTransaction(to=to, value=value, data=data, operation=operation, nonce=self.safe.nonce())
        return self.safe.execute(
            tx, self._owner_signatures(self.safe.tx_hash(tx), {}), sender=accounts.EXECUTOR.address
        )

    def _owner_signatures(self, digest: bytes, stored: dict[Address, bytes]) -> list[tuple[Address, bytes]]:
        owners = self.safe.owners()
        chosen = [(signer, sig) for signer, sig in stored.items() if signer in owners]
        threshold = self.safe.threshold()
        for owner in accounts.SAFE_OWNERS:
            if len(chosen) >= threshold:
                break
            if owner.address in owners and owner.address not in stored:
                chosen.append((owner.address, sign_hash(owner.key, digest)))
        if len(chosen) < threshold:
            raise DevnetError(f"the Safe needs {threshold} owner signatures and the devnet holds fewer keys")
        return chosen

    def _epoch_start(self, epoch: int) -> int:
        genesis = int(self.chain.call(self.rollup.functions.getGenesisTime()))
        slots = int(self.chain.call(self.rollup.functions.getEpochDuration()))
        slot_s = int(self.chain.call(self.rollup.functions.getSlotDuration()))
        return genesis + epoch * slots * slot_s

    def attester_status(self, attester: Address) -> AttesterStatus:
        view = self.chain.call(self.rollup.functions.getAttesterView(attester.checksum))
        return AttesterStatus(int(view[0]))

    def _preflight(self, fn: Any, sender: Address, what: str) -> None:
        """Run the call first, so a refusal shows the rollup's error rather than a bare revert."""
        try:
            with self.chain.lock:
                fn.call({"from": sender.checksum})
        except Exception as exc:  # web3 raises several kinds for a revert
            raise TxFailed(what, self.chain.describe_revert(exc)) from None

    def _as(self, sender: Address, fn: Any, *, what: str) -> TxReceipt:
        """Send from any address: anvil signs for impersonated accounts; gas money is topped up."""
        self.chain.rpc("anvil_impersonateAccount", [sender.checksum])
        try:
            if self.chain.balance(sender) < WEI_PER_ETH:
                self.chain.rpc("anvil_setBalance", [sender.checksum, hex(10 * WEI_PER_ETH)])
            self._preflight(fn, sender, what)
            return self.chain.transact(fn, sender=sender, gas=STAKING_CALL_GAS, what=what)
        finally:
            self.chain.rpc("anvil_stopImpersonatingAccount", [sender.checksum])


def require_positive(count: int, flag: str) -> None:
    if count < 1:
        raise DevnetError(f"{flag} must be at least 1")


def decode_event(contract: Contract, name: str, log: Any) -> Any:
    try:
        return contract.events[name]().process_log(log)
    except Exception:  # a log of another event (or another contract)
        return None


def events_in(contract: Contract, name: str, receipt: TxReceipt) -> list[Any]:
    return [
        event
        for log in receipt["logs"]
        if Address.parse(log["address"]) == Address.parse(contract.address)
        and (event := decode_event(contract, name, log)) is not None
    ]

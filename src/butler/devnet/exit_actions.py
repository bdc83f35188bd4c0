"""Leaving the validator set: the real withdrawal, its finalization after the delays, and slashing."""

from __future__ import annotations

from butler.devnet import accounts, artifacts, clock
from butler.devnet.action_base import STAKING_CALL_GAS, ActionBase, events_in
from butler.devnet.chain import DevnetError
from butler.devnet.records import Exited, Finalized, Slashed
from butler.domain.address import Address


class ExitActions(ActionBase):
    def exit(self, attester: Address) -> Exited:
        """The real `initiateWithdraw`, sent by the attester's withdrawer (the delegator, for every stake
        the devnet makes), to the withdrawer itself. The attester then reads EXITING until `finalize`."""
        withdrawer = self._withdrawer(attester)
        receipt = self._as(
            withdrawer,
            self.rollup.functions.initiateWithdraw(attester.checksum, withdrawer.checksum),
            what=f"exit of {attester}",
        )
        return Exited(attester, self.attester_status(attester), receipt["transactionHash"].to_0x_hex())

    def finalize(self, attester: Address) -> Finalized:
        """The real `finalizeWithdraw`, after moving the clock past the rollup's exit delay and the
        governance withdrawal delay behind it (the stake comes back out of governance), if needed."""
        withdrawal_id, _, exitable_at, _, _, exists = self.chain.call(
            self.rollup.functions.getExit(attester.checksum)
        )
        if exists:
            governance = self.chain.contract(
                artifacts.aztec("Governance"),
                Address.parse(self.chain.call(self.gse.functions.getGovernance())),
            )
            withdrawal = self.chain.call(governance.functions.getWithdrawal(withdrawal_id))
            clock.advance_to(self.chain, max(int(exitable_at), int(withdrawal[1])))
        finalize = self.rollup.functions.finalizeWithdraw(attester.checksum)
        self._preflight(finalize, accounts.DEPLOYER.address, f"finalizing the exit of {attester}")
        receipt = self.chain.transact(
            finalize,
            sender=accounts.DEPLOYER.address,
            gas=STAKING_CALL_GAS,
            what=f"finalizing the exit of {attester}",
        )
        (event,) = events_in(self.rollup, "WithdrawFinalized", receipt) or [None]
        if event is None:
            raise DevnetError(f"finalizeWithdraw of {attester} emitted no WithdrawFinalized")
        return Finalized(
            attester,
            Address.parse(event["args"]["recipient"]),
            int(event["args"]["amount"]),
            receipt["transactionHash"].to_0x_hex(),
        )

    def slash(self, attester: Address, amount: int | None = None) -> Slashed:
        """The real `Rollup.slash`, sent as the rollup's slasher contract (impersonated: the devnet runs
        no L2 to vote a slash through). By default it takes the rollup's small slash amount, which leaves
        less than the local ejection threshold: the GSE lets the attester go and it reads ZOMBIE."""
        slasher = Address.parse(self.chain.call(self.rollup.functions.getSlasher()))
        amount = amount if amount is not None else self._small_slash()
        receipt = self._as(
            slasher, self.rollup.functions.slash(attester.checksum, amount), what=f"slash of {attester}"
        )
        return Slashed(
            attester, amount, self.attester_status(attester), receipt["transactionHash"].to_0x_hex()
        )

    def _small_slash(self) -> int:
        threshold = int(self.chain.call(self.rollup.functions.getActivationThreshold()))
        local = int(self.chain.call(self.rollup.functions.getLocalEjectionThreshold()))
        return max(threshold - local + 1, 1)

    def _withdrawer(self, attester: Address) -> Address:
        view = self.chain.call(self.rollup.functions.getAttesterView(attester.checksum))
        withdrawer = Address.parse(view[3][1])
        # Nothing staked: let the rollup say so, from the devnet's staker.
        return accounts.DELEGATOR.address if withdrawer.is_zero else withdrawer

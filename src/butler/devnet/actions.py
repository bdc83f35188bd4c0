"""What one can do to a running devnet: fund accounts, fill the provider queue through the Safe (with
generated keys or an operator's own), stake into the real Rollup's entry queue, flush it into the real
GSE, start and finalize exits, slash, and execute the Safe proposals the tx-service stand-in holds. Where
the real contracts wait on time (the next flushable epoch, the exit delay) the action moves the devnet's
clock. Every action returns plain records; the CLI prints them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import requests
from web3.contract import Contract
from web3.types import TxReceipt

from butler.devnet import accounts, artifacts, clock
from butler.devnet.chain import DevChain, DevnetError, TxFailed
from butler.devnet.config import DevnetConfig
from butler.devnet.safe import SafeContract, recover_signer, sign_hash
from butler.domain import bn254
from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.entry_queue import QueueConfig
from butler.domain.keyfiles import PrivateKeysFile
from butler.domain.keys import SECP256K1_N, BlsSecretKey, EthSecretKey, attester_address, bls_public_key
from butler.domain.onchain import AttesterStatus, G1Point, G2Point, KeyStore
from butler.domain.registration import registration_keystore
from butler.domain.safe import Operation, SafeTransaction

WEI_PER_ETH = 10**18
# A GSE deposit costs ~0.6-0.8M gas, and the Rollup reverts a whole flush whose deposit ran out of gas:
# fixed limits with a wide margin, since estimates of such calls can fall a little short.
FLUSH_GAS_PER_DEPOSIT = 3_000_000
FLUSH_GAS_BASE = 300_000
FLUSH_CHUNK = 8  # 8 x 3M stays inside anvil's 30M block gas limit
# Withdrawals and slashes call through the GSE into governance, where estimates fall short.
STAKING_CALL_GAS = 1_500_000
ADD_KEYS_CHUNK = 40
HTTP_TIMEOUT_S = 10


@attrs.frozen
class Funded:
    address: Address
    wei: int
    tx_hash: str


@attrs.frozen
class AddedKey:
    attester: Address
    tx_hash: str
    corrupted_proof: bool
    repeated: bool = False  # this keystore was queued before, by the same call


@attrs.frozen
class Staked:
    attester: Address
    coinbase: Address
    tx_hash: str


@attrs.frozen
class Flushed:
    attester: Address
    ok: bool
    error: str | None
    tx_hash: str


@attrs.frozen
class Exited:
    attester: Address
    status: AttesterStatus
    tx_hash: str


@attrs.frozen
class Finalized:
    attester: Address
    recipient: Address
    amount: int
    tx_hash: str


@attrs.frozen
class Slashed:
    attester: Address
    amount: int
    status: AttesterStatus
    tx_hash: str


@attrs.frozen
class Executed:
    safe_tx_hash: str
    nonce: int
    tx_hash: str
    added_owner_signature: bool


@attrs.frozen
class DevValidator:
    """A validator to queue on the devnet: generated throwaway keys, or the attester keys of a
    private-keys file. repr shows only the address."""

    attester: Address
    eth_key: EthSecretKey = attrs.field(repr=False)
    bls_key: BlsSecretKey = attrs.field(repr=False)


def random_validator() -> DevValidator:
    eth = EthSecretKey(1 + secrets.randbelow(SECP256K1_N - 1))
    bls = BlsSecretKey(1 + secrets.randbelow(bn254.R - 1))
    return DevValidator(attester_address(eth), eth, bls)


def file_validators(keys_file: PrivateKeysFile) -> list[DevValidator]:
    """The attesters of a private-keys file, in file order (publishers play no part in registration)."""
    return [
        DevValidator(attester_address(v.attester.eth), v.attester.eth, v.attester.bls)
        for v in keys_file.validators
    ]


class DevnetActions:
    """Actions against the devnet a config describes."""

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

    # --- fund ----------------------------------------------------------------------------------

    def fund(self, eth: Decimal, addresses: Sequence[Address]) -> list[Funded]:
        wei = int(eth * WEI_PER_ETH) if eth.is_finite() else 0
        if wei <= 0 or Decimal(wei) != eth * WEI_PER_ETH:
            raise DevnetError(f"--eth must be a positive amount of ETH with at most 18 decimals, got {eth:f}")
        done = []
        for address in addresses:
            what = f"sending {eth:f} ETH to {address}"
            receipt = self.chain.send(sender=accounts.FAUCET.address, to=address, value=wei, what=what)
            done.append(Funded(address, wei, receipt["transactionHash"].to_0x_hex()))
        return done

    # --- provider queue ------------------------------------------------------------------------

    def registration_digests(self, public_keys: Sequence[G1Point]) -> list[G1Point]:
        digests = []
        for point in public_keys:
            x, y = self.chain.call(self.gse.functions.getRegistrationDigest((point.x, point.y)))
            digests.append(G1Point(int(x), int(y)))
        return digests

    def make_keystores(
        self, validators: Sequence[DevValidator], *, corrupt_proof: bool = False
    ) -> list[KeyStore]:
        """Registration data from the real GSE's digests; `corrupt_proof` signs the wrong point."""
        digests = self.registration_digests([bls_public_key(v.bls_key).point for v in validators])
        stores = []
        for validator, digest in zip(validators, digests, strict=True):
            store = registration_keystore(validator.attester, validator.bls_key, digest)
            if corrupt_proof:
                # Still a curve point, so only the pairing check can refuse it.
                store = attrs.evolve(
                    store, proof_of_possession=bn254.g1_add(store.proof_of_possession, bn254.G1)
                )
            stores.append(store)
        return stores

    def add_keys(self, count: int, *, corrupt_proof: bool = False) -> list[AddedKey]:
        """Generate `count` validators and queue them for the provider through the Safe."""
        _positive(count, "--count")
        return self.add_validators([random_validator() for _ in range(count)], corrupt_proof=corrupt_proof)

    def add_validators(
        self, validators: Sequence[DevValidator], *, corrupt_proof: bool = False, duplicate: bool = False
    ) -> list[AddedKey]:
        """Queue these validators for the provider through the Safe, in order; with `duplicate`, the same
        keystores once more after them (a duplicate registration, as an operator's mistake makes one).

        Like the real registry, nothing stops a validator already on chain from being queued again."""
        if not validators:
            raise DevnetError("no validators to queue")
        stores = self.make_keystores(validators, corrupt_proof=corrupt_proof)
        return self.add_keystores([*stores, *stores] if duplicate else stores, corrupted_proof=corrupt_proof)

    def add_keystores(self, stores: Sequence[KeyStore], *, corrupted_proof: bool = False) -> list[AddedKey]:
        """addKeysToProvider executed through the real Safe, signed by a devnet owner."""
        added = []
        seen: set[KeyStore] = set()
        for start in range(0, len(stores), ADD_KEYS_CHUNK):
            chunk = stores[start : start + ADD_KEYS_CHUNK]
            data = self.registry.encode_abi(
                "addKeysToProvider", args=[self.config.provider_id, [_keystore_tuple(s) for s in chunk]]
            )
            receipt = self.execute_as_owner(self.config.staking_registry, 0, bytes.fromhex(data[2:]))
            tx_hash = receipt["transactionHash"].to_0x_hex()
            for store in chunk:
                added.append(AddedKey(store.attester, tx_hash, corrupted_proof, repeated=store in seen))
                seen.add(store)
        return added

    def execute_as_owner(
        self, to: Address, value: int, data: bytes, operation: Operation = Operation.CALL
    ) -> TxReceipt:
        """Execute a Safe transaction at the Safe's current nonce, signed by devnet owners."""
        tx = SafeTransaction(to=to, value=value, data=data, operation=operation, nonce=self.safe.nonce())
        return self.safe.execute(
            tx, self._owner_signatures(self.safe.tx_hash(tx), {}), sender=accounts.EXECUTOR.address
        )

    def provider_queue(self) -> list[Address]:
        pid = self.config.provider_id
        first = int(self.chain.call(self.registry.functions.getFirstIndexInQueue(pid)))
        last = int(self.chain.call(self.registry.functions.getLastIndexInQueue(pid)))
        return [
            Address.parse(self.chain.call(self.registry.functions.getValueAtIndexInQueue(pid, i))[0])
            for i in range(first, last)
        ]

    # --- stake, flush, exit --------------------------------------------------------------------

    def stake(self, count: int) -> list[Staked]:
        """The delegator stakes `count` times: each moves the provider queue's head into the entry queue."""
        _positive(count, "--count")
        pid = self.config.provider_id
        queued = int(self.chain.call(self.registry.functions.getProviderQueueLength(pid)))
        if queued < count:
            raise DevnetError(f"provider {pid} has {queued} queued key(s), cannot stake {count}")
        _, take_rate, _ = self.chain.call(self.registry.functions.providerConfigurations(pid))
        delegator = accounts.DELEGATOR.address.checksum
        done = []
        for _ in range(count):
            receipt = self.chain.transact(
                self.registry.functions.stake(
                    pid, self.rollup_version, delegator, take_rate, delegator, False
                ),
                sender=accounts.DELEGATOR.address,
                what="stake",
            )
            for event in _events(self.registry, "StakedWithProvider", receipt):
                done.append(
                    Staked(
                        Address.parse(event["args"]["attester"]),
                        Address.parse(event["args"]["coinbaseSplitContractAddress"]),
                        receipt["transactionHash"].to_0x_hex(),
                    )
                )
        return done

    def entry_queue(self) -> list[Address]:
        length = int(self.chain.call(self.rollup.functions.getEntryQueueLength()))
        return [
            Address.parse(self.chain.call(self.rollup.functions.getEntryQueueAt(i))[0]) for i in range(length)
        ]

    def flush(self, count: int) -> list[Flushed]:
        """Move up to `count` entry-queue heads into the real GSE with the real `flushEntryQueue`, which
        checks each proof of possession. When this epoch's flushes are used up, the clock moves to the
        next flushable epoch."""
        _positive(count, "--count")
        waiting = int(self.chain.call(self.rollup.functions.getEntryQueueLength()))
        if waiting == 0:
            raise DevnetError("the rollup entry queue is empty: nothing to flush")
        remaining = min(count, waiting)
        done: list[Flushed] = []
        while remaining:
            available = self._available_flushes()
            n = min(remaining, available, FLUSH_CHUNK)
            receipt = self.chain.transact(
                self.rollup.functions.flushEntryQueue(n),
                sender=accounts.DEPLOYER.address,
                gas=FLUSH_GAS_BASE + n * FLUSH_GAS_PER_DEPOSIT,
                what="flushEntryQueue",
            )
            moved = self._flush_results(receipt)
            if not moved:
                raise DevnetError("flushEntryQueue moved nothing although the rollup allowed a flush")
            done += moved
            remaining -= len(moved)
        return done

    def _available_flushes(self) -> int:
        available = int(self.chain.call(self.rollup.functions.getAvailableValidatorFlushes()))
        if available:
            return available
        epoch = int(self.chain.call(self.rollup.functions.getNextFlushableEpoch()))
        clock.advance_to(self.chain, self._epoch_start(epoch))
        available = int(self.chain.call(self.rollup.functions.getAvailableValidatorFlushes()))
        if not available:
            raise DevnetError(f"the rollup allows no flush in epoch {epoch} (its staking queue config)")
        return available

    def _epoch_start(self, epoch: int) -> int:
        genesis = int(self.chain.call(self.rollup.functions.getGenesisTime()))
        slots = int(self.chain.call(self.rollup.functions.getEpochDuration()))
        slot_s = int(self.chain.call(self.rollup.functions.getSlotDuration()))
        return genesis + epoch * slots * slot_s

    def _flush_results(self, receipt: TxReceipt) -> list[Flushed]:
        tx_hash = receipt["transactionHash"].to_0x_hex()
        done = []
        for log in receipt["logs"]:
            if Address.parse(log["address"]) != self.config.rollup:
                continue
            if (event := _decode(self.rollup, "Deposit", log)) is not None:
                done.append(Flushed(Address.parse(event["args"]["attester"]), True, None, tx_hash))
            elif (event := _decode(self.rollup, "FailedDeposit", log)) is not None:
                reason = self._refusal(event["args"], int(receipt["blockNumber"]))
                done.append(Flushed(Address.parse(event["args"]["attester"]), False, reason, tx_hash))
        return done

    def _refusal(self, args: Any, block: int) -> str:
        """The real FailedDeposit event carries no reason: ask the GSE again, as the rollup, at the flush's
        block. It checks registration and the proof of possession before it moves any tokens."""
        g1, g2, pop = args["publicKeyInG1"], args["publicKeyInG2"], args["proofOfPossession"]
        data = self.gse.encode_abi(
            "deposit",
            args=[
                args["attester"],
                args["withdrawer"],
                (g1["x"], g1["y"]),
                (g2["x0"], g2["x1"], g2["y0"], g2["y1"]),
                (pop["x"], pop["y"]),
                False,
            ],
        )
        call = {"from": self.config.rollup.checksum, "to": self.config.gse.checksum, "data": data}
        with self.chain.lock:
            response = self.chain.w3.provider.make_request("eth_call", [call, hex(block)])  # type: ignore[arg-type]
        error: Any = response.get("error") or {}
        revert = error.get("data") if isinstance(error, dict) else None
        if isinstance(revert, str) and revert.startswith("0x"):
            return self.chain.decode_error(bytes.fromhex(revert[2:]))
        return "refused by the GSE"

    def flush_allowed(self) -> list[Flushed]:
        """The real `flushEntryQueue` as this epoch still allows it, in chunks that fit a block; the clock
        stays. Flushing as soon as allowed is calling this at the start of every epoch."""
        done: list[Flushed] = []
        while True:
            available = int(self.chain.call(self.rollup.functions.getAvailableValidatorFlushes()))
            waiting = int(self.chain.call(self.rollup.functions.getEntryQueueLength()))
            n = min(available, waiting, FLUSH_CHUNK)
            if n == 0:
                return done
            receipt = self.chain.transact(
                self.rollup.functions.flushEntryQueue(n),
                sender=accounts.DEPLOYER.address,
                gas=FLUSH_GAS_BASE + n * FLUSH_GAS_PER_DEPOSIT,
                what="flushEntryQueue",
            )
            done += self._flush_results(receipt)

    def set_queue_config(self, config: QueueConfig) -> str:
        """The real `updateStakingQueueConfig`, sent as the rollup's owner: the entry queue's flush limits
        from now on. Returns the tx hash."""
        fields = (
            config.bootstrap_validator_set_size,
            config.bootstrap_flush_size,
            config.normal_flush_size_min,
            config.normal_flush_size_quotient,
            config.max_queue_flush_size,
        )
        owner = Address.parse(self.chain.call(self.rollup.functions.owner()))
        receipt = self._as(
            owner, self.rollup.functions.updateStakingQueueConfig(fields), what="updateStakingQueueConfig"
        )
        return str(receipt["transactionHash"].to_0x_hex())

    def advance_epochs(self, epochs: int = 1) -> int:
        """Move the clock to the start of the rollup epoch `epochs` after the current one (one empty
        block there); returns that epoch."""
        _positive(epochs, "--epochs")
        epoch = int(self.chain.call(self.rollup.functions.getCurrentEpoch())) + epochs
        clock.advance_to(self.chain, self._epoch_start(epoch))
        return epoch

    def attester_status(self, attester: Address) -> AttesterStatus:
        view = self.chain.call(self.rollup.functions.getAttesterView(attester.checksum))
        return AttesterStatus(int(view[0]))

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
        (event,) = _events(self.rollup, "WithdrawFinalized", receipt) or [None]
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

    def _preflight(self, fn: Any, sender: Address, what: str) -> None:
        """Run the call first, so a refusal shows the rollup's error rather than a bare revert."""
        try:
            with self.chain.lock:
                fn.call({"from": sender.checksum})
        except Exception as exc:  # web3 raises several kinds for a revert
            raise TxFailed(what, self.chain.describe_revert(exc)) from None

    def _withdrawer(self, attester: Address) -> Address:
        view = self.chain.call(self.rollup.functions.getAttesterView(attester.checksum))
        withdrawer = Address.parse(view[3][1])
        # Nothing staked: let the rollup say so, from the devnet's staker.
        return accounts.DELEGATOR.address if withdrawer.is_zero else withdrawer

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

    # --- the Safe's pending proposals ----------------------------------------------------------

    def pending_proposals(self) -> list[dict[str, Any]]:
        """Unexecuted proposals at or above the Safe's nonce, as the tx-service lists them."""
        nonce = self.safe.nonce()
        url = (
            f"{self.config.tx_service_url.rstrip('/')}/api/v2/safes/{self.config.safe.checksum}"
            f"/multisig-transactions/?executed=false&nonce__gte={nonce}&limit=100"
        )
        results: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            try:
                response = requests.get(next_url, timeout=HTTP_TIMEOUT_S)
            except requests.RequestException as exc:
                raise DevnetError(
                    f"tx-service not reachable at {self.config.tx_service_url}: {type(exc).__name__}"
                ) from None
            if response.status_code != 200:
                raise DevnetError(f"tx-service answered {response.status_code}: {response.text[:200]}")
            page = response.json()
            results += page["results"]
            next_url = page.get("next")
        return sorted(results, key=lambda r: (int(r["nonce"]), r["submissionDate"]))

    def execute_pending(self) -> list[Executed]:
        """Execute pending proposals in nonce order through the real Safe's execTransaction.

        Owner signatures stored with a proposal are used; where they fall short of the threshold (a
        delegate proposed it) devnet owners sign too. Stops at the first gap in the nonces.
        """
        done: list[Executed] = []
        seen_nonces: set[int] = set()
        for item in self.pending_proposals():
            nonce = int(item["nonce"])
            if nonce in seen_nonces:
                continue  # another proposal for this nonce was executed first
            if nonce != self.safe.nonce():
                break
            tx = _safe_tx_from_json(item)
            digest = self.safe.tx_hash(tx)
            if "0x" + digest.hex() != item["safeTxHash"]:
                raise DevnetError(f"proposal {item['safeTxHash']} does not hash to its safeTxHash")
            stored = {}
            for confirmation in item.get("confirmations") or []:
                signature = bytes.fromhex(confirmation["signature"][2:])
                signer = recover_signer(digest, signature)
                if signer is not None:
                    stored[signer] = signature
            signatures = self._owner_signatures(digest, stored)
            added = any(signer not in stored for signer, _ in signatures)
            receipt = self.safe.execute(tx, signatures, sender=accounts.EXECUTOR.address)
            seen_nonces.add(nonce)
            done.append(Executed(item["safeTxHash"], nonce, receipt["transactionHash"].to_0x_hex(), added))
        return done

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


def _positive(count: int, flag: str) -> None:
    if count < 1:
        raise DevnetError(f"{flag} must be at least 1")


def _keystore_tuple(store: KeyStore) -> tuple[object, ...]:
    g1, g2, pop = store.public_key_g1, store.public_key_g2, store.proof_of_possession
    return (store.attester.checksum, (g1.x, g1.y), _g2(g2), (pop.x, pop.y))


def _g2(point: G2Point) -> tuple[int, int, int, int]:
    return (point.x0, point.x1, point.y0, point.y1)


def _decode(contract: Contract, name: str, log: Any) -> Any:
    try:
        return contract.events[name]().process_log(log)
    except Exception:  # a log of another event (or another contract)
        return None


def _events(contract: Contract, name: str, receipt: TxReceipt) -> list[Any]:
    return [
        event
        for log in receipt["logs"]
        if Address.parse(log["address"]) == Address.parse(contract.address)
        and (event := _decode(contract, name, log)) is not None
    ]


def _safe_tx_from_json(item: dict[str, Any]) -> SafeTransaction:
    return SafeTransaction(
        to=Address.parse(item["to"]),
        value=int(item["value"]),
        data=bytes.fromhex((item.get("data") or "0x")[2:]),
        operation=int(item["operation"]),
        nonce=int(item["nonce"]),
        safe_tx_gas=int(item.get("safeTxGas") or 0),
        base_gas=int(item.get("baseGas") or 0),
        gas_price=int(item.get("gasPrice") or 0),
        gas_token=Address.parse(item["gasToken"]) if item.get("gasToken") else ZERO_ADDRESS,
        refund_receiver=Address.parse(item["refundReceiver"]) if item.get("refundReceiver") else ZERO_ADDRESS,
    )

"""Deploy the devnet's contracts: the real Aztec L1 system (Registry, Rollup, GSE, staking asset,
governance, …), the real Safe 1.4.1 at its canonical addresses, our StakingRegistry stand-in built on the
real Registry and staking asset, and the provider's Safe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from web3.logs import DISCARD

from butler.devnet import accounts, artifacts
from butler.devnet.aztec_l1 import deploy_aztec_l1
from butler.devnet.chain import DevChain, DevnetError
from butler.domain.address import ZERO_ADDRESS, Address

CREATE2_DEPLOYER = Address.parse("0x4e59b44847b379578588920ca78fbf26c0b4956c")
SAFE_SINGLETON_FACTORY = Address.parse("0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7")
# (artifact path, canonical 1.4.1 address): deployed through the singleton factory with a zero salt,
# each lands where it lives on every public chain.
SAFE_SINGLETON = ("Safe", Address.parse("0x41675C099F32341bf84BFc5382aF534df5C7461a"))
SAFE_PROXY_FACTORY = ("proxies/SafeProxyFactory", Address.parse("0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67"))
MULTISEND_CALL_ONLY = (
    "libraries/MultiSendCallOnly",
    Address.parse("0x9641d764fc13c8B624c04430C7356C1C7C8102e2"),
)
FALLBACK_HANDLER = (
    "handler/CompatibilityFallbackHandler",
    Address.parse("0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"),
)

TOKEN = 10**18
DELEGATOR_STAKING_FUNDS = 1_000_000 * TOKEN  # ten thousand stakes at the activation threshold
PROVIDER_TAKE_RATE = 500  # basis points
SAFE_THRESHOLD = 1
SAFE_SALT_NONCE = 0
UNLIMITED = 2**256 - 1


@attrs.frozen
class Deployment:
    chain_id: int
    fee_asset: Address
    staking_asset: Address
    gse: Address
    aztec_registry: Address
    governance: Address
    rollup: Address
    rollup_version: int
    staking_registry: Address
    split_factory: Address
    registry_first_block: int
    provider_id: int
    safe: Address
    safe_singleton: Address
    safe_proxy_factory: Address
    multisend_call_only: Address
    fallback_handler: Address

    def to_json(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in attrs.fields(Deployment)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        values: dict[str, Any] = {}
        for field in attrs.fields(Deployment):
            raw = data[field.name]
            values[field.name] = int(raw) if field.type in ("int", int) else Address.parse(raw)
        return cls(**values)


def _plain(value: object) -> object:
    return value.checksum if isinstance(value, Address) else value


Progress = Callable[[str], None]


def deploy_all(chain: DevChain, work_dir: Path, progress: Progress = lambda _: None) -> Deployment:
    """Everything on a fresh node. `work_dir` is forge's HOME for the Aztec deployment."""
    deployer = accounts.DEPLOYER.address
    progress("deploying the real Aztec L1 contracts (Registry, Rollup, GSE, governance, ...)")
    l1 = deploy_aztec_l1(chain.rpc_url, chain.chain_id, work_dir)
    progress("deploying Safe 1.4.1 at its canonical addresses")
    _deploy_safe_singletons(chain, deployer)
    progress("deploying the StakingRegistry stand-in on the real Registry")
    split_factory, _ = chain.deploy(artifacts.own("PullSplitFactory"), sender=deployer)
    registry, receipt = chain.deploy(
        artifacts.own("StakingRegistry"),
        l1.staking_asset.checksum,
        split_factory.checksum,
        l1.registry.checksum,
        sender=deployer,
    )
    _fund_delegator(chain, l1.staking_asset, registry, deployer)
    progress("creating the provider's Safe and registering provider 1")
    safe = create_safe(chain, [o.address for o in accounts.SAFE_OWNERS], SAFE_THRESHOLD, deployer)
    provider_id = _register_provider(chain, registry, admin=safe, sender=deployer)
    return Deployment(
        chain_id=chain.chain_id,
        fee_asset=l1.fee_asset,
        staking_asset=l1.staking_asset,
        gse=l1.gse,
        aztec_registry=l1.registry,
        governance=l1.governance,
        rollup=l1.rollup,
        rollup_version=l1.rollup_version,
        staking_registry=registry,
        split_factory=split_factory,
        registry_first_block=int(receipt["blockNumber"]),
        provider_id=provider_id,
        safe=safe,
        safe_singleton=SAFE_SINGLETON[1],
        safe_proxy_factory=SAFE_PROXY_FACTORY[1],
        multisend_call_only=MULTISEND_CALL_ONLY[1],
        fallback_handler=FALLBACK_HANDLER[1],
    )


def _fund_delegator(chain: DevChain, staking_asset: Address, registry: Address, deployer: Address) -> None:
    """The delegator holds staking tokens and lets the registry pull a stake from it, as a real staker."""
    token = chain.contract(artifacts.aztec("TestERC20"), staking_asset)
    delegator = accounts.DELEGATOR.address
    chain.transact(token.functions.mint(delegator.checksum, DELEGATOR_STAKING_FUNDS), sender=deployer)
    chain.transact(token.functions.approve(registry.checksum, UNLIMITED), sender=delegator)


def _deploy_safe_singletons(chain: DevChain, deployer: Address) -> None:
    factory_code = chain.code(CREATE2_DEPLOYER)
    if not factory_code:
        raise DevnetError("anvil has no CREATE2 deployer to copy as the Safe singleton factory")
    chain.rpc("anvil_setCode", [SAFE_SINGLETON_FACTORY.checksum, "0x" + factory_code.hex()])
    for relative, expected in (SAFE_SINGLETON, SAFE_PROXY_FACTORY, MULTISEND_CALL_ONLY, FALLBACK_HANDLER):
        artifact = artifacts.safe(relative)
        init_code = bytes.fromhex(artifact.bytecode[2:])
        chain.send(
            sender=deployer,
            to=SAFE_SINGLETON_FACTORY,
            data=bytes(32) + init_code,  # a zero salt, then the init code
            what=f"deploying {artifact.name}",
        )
        if not chain.code(expected):
            raise DevnetError(f"{artifact.name} did not land at its canonical address {expected}")


def create_safe(chain: DevChain, owners: list[Address], threshold: int, sender: Address) -> Address:
    """A proxy of the canonical Safe singleton, set up like the Safe web app does."""
    singleton = chain.contract(artifacts.safe("Safe"), SAFE_SINGLETON[1])
    setup = singleton.encode_abi(
        "setup",
        args=[
            [o.checksum for o in owners],
            threshold,
            ZERO_ADDRESS.checksum,
            b"",
            FALLBACK_HANDLER[1].checksum,
            ZERO_ADDRESS.checksum,
            0,
            ZERO_ADDRESS.checksum,
        ],
    )
    factory = chain.contract(artifacts.safe("proxies/SafeProxyFactory"), SAFE_PROXY_FACTORY[1])
    receipt = chain.transact(
        factory.functions.createProxyWithNonce(SAFE_SINGLETON[1].checksum, setup, SAFE_SALT_NONCE),
        sender=sender,
    )
    events = factory.events.ProxyCreation().process_receipt(receipt, errors=DISCARD)
    if len(events) != 1:
        raise DevnetError("creating the Safe emitted no ProxyCreation event")
    return Address.parse(events[0]["args"]["proxy"])


def _register_provider(chain: DevChain, registry: Address, *, admin: Address, sender: Address) -> int:
    contract = chain.contract(artifacts.own("StakingRegistry"), registry)
    receipt = chain.transact(
        contract.functions.registerProvider(admin.checksum, PROVIDER_TAKE_RATE, admin.checksum), sender=sender
    )
    events = contract.events.ProviderRegistered().process_receipt(receipt, errors=DISCARD)
    if len(events) != 1:
        raise DevnetError("registerProvider emitted no ProviderRegistered event")
    return int(events[0]["args"]["providerIdentifier"])

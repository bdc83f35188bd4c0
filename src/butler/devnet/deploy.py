"""Deploy the devnet's contracts: the real Aztec GSE with its governance, the real Safe 1.4.1 at its
canonical addresses, our Rollup and StakingRegistry stand-ins, and the provider's Safe."""

from __future__ import annotations

from collections.abc import Callable

import attrs
from web3.logs import DISCARD

from butler.devnet import accounts, artifacts
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
ACTIVATION_THRESHOLD = 100 * TOKEN
EJECTION_THRESHOLD = 50 * TOKEN
ROLLUP_STAKING_FUNDS = 1_000_000 * TOKEN  # ten thousand deposits
GOVERNANCE_PROPOSER_QUORUM = 6
GOVERNANCE_PROPOSER_ROUND_SIZE = 10
PROVIDER_TAKE_RATE = 500  # basis points
SAFE_THRESHOLD = 1
SAFE_SALT_NONCE = 0

# Aztec's own configuration for local networks (DeploymentConfiguration.getGovernanceConfiguration).
_HOUR = 3600
LOCAL_GOVERNANCE_CONFIGURATION = (
    (30 * 24 * _HOUR, 10**24),  # proposeConfig: (lockDelay, lockAmount)
    60,  # votingDelay
    _HOUR,  # votingDuration
    60,  # executionDelay
    7 * 24 * _HOUR,  # gracePeriod
    10**17,  # quorum (0.1e18)
    4 * 10**16,  # requiredYeaMargin (0.04e18)
    400 * TOKEN,  # minimumVotes
)


@attrs.frozen
class Deployment:
    chain_id: int
    fee_asset: Address
    staking_asset: Address
    gse: Address
    aztec_registry: Address
    governance: Address
    rollup: Address
    staking_registry: Address
    registry_first_block: int
    provider_id: int
    safe: Address
    safe_singleton: Address
    safe_proxy_factory: Address
    multisend_call_only: Address
    fallback_handler: Address


Progress = Callable[[str], None]


def deploy_all(chain: DevChain, progress: Progress = lambda _: None) -> Deployment:
    deployer = accounts.DEPLOYER.address
    progress("deploying the Aztec GSE and its governance")
    gse_parts = _deploy_gse(chain, deployer)
    progress("deploying Safe 1.4.1 at its canonical addresses")
    _deploy_safe_singletons(chain, deployer)
    progress("deploying the Rollup and StakingRegistry stand-ins")
    rollup, registry, first_block = _deploy_standins(chain, deployer, gse_parts["gse"], gse_parts["staking"])
    progress("creating the provider's Safe and registering provider 1")
    safe = create_safe(chain, [o.address for o in accounts.SAFE_OWNERS], SAFE_THRESHOLD, deployer)
    provider_id = _register_provider(chain, registry, admin=safe, sender=deployer)
    return Deployment(
        chain_id=chain.chain_id,
        fee_asset=gse_parts["fee"],
        staking_asset=gse_parts["staking"],
        gse=gse_parts["gse"],
        aztec_registry=gse_parts["registry"],
        governance=gse_parts["governance"],
        rollup=rollup,
        staking_registry=registry,
        registry_first_block=first_block,
        provider_id=provider_id,
        safe=safe,
        safe_singleton=SAFE_SINGLETON[1],
        safe_proxy_factory=SAFE_PROXY_FACTORY[1],
        multisend_call_only=MULTISEND_CALL_ONLY[1],
        fallback_handler=FALLBACK_HANDLER[1],
    )


def _deploy_gse(chain: DevChain, deployer: Address) -> dict[str, Address]:
    erc20 = artifacts.aztec("TestERC20")
    fee, _ = chain.deploy(erc20, "FeeJuice", "FEE", deployer.checksum, sender=deployer)
    staking, _ = chain.deploy(erc20, "Staking", "STK", deployer.checksum, sender=deployer)
    gse, _ = chain.deploy(
        artifacts.aztec("GSE"),
        deployer.checksum,
        staking.checksum,
        ACTIVATION_THRESHOLD,
        EJECTION_THRESHOLD,
        sender=deployer,
    )
    registry, _ = chain.deploy(artifacts.aztec("Registry"), deployer.checksum, fee.checksum, sender=deployer)
    proposer, _ = chain.deploy(
        artifacts.aztec("GovernanceProposer"),
        registry.checksum,
        gse.checksum,
        GOVERNANCE_PROPOSER_QUORUM,
        GOVERNANCE_PROPOSER_ROUND_SIZE,
        sender=deployer,
    )
    governance, _ = chain.deploy(
        artifacts.aztec("Governance"),
        staking.checksum,
        proposer.checksum,
        gse.checksum,
        LOCAL_GOVERNANCE_CONFIGURATION,
        sender=deployer,
    )
    gse_contract = chain.contract(artifacts.aztec("GSE"), gse)
    chain.transact(gse_contract.functions.setGovernance(governance.checksum), sender=deployer)
    return {"fee": fee, "staking": staking, "gse": gse, "registry": registry, "governance": governance}


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


def _deploy_standins(
    chain: DevChain, deployer: Address, gse: Address, staking: Address
) -> tuple[Address, Address, int]:
    rollup, _ = chain.deploy(artifacts.own("Rollup"), gse.checksum, staking.checksum, sender=deployer)
    token = chain.contract(artifacts.aztec("TestERC20"), staking)
    chain.transact(token.functions.mint(rollup.checksum, ROLLUP_STAKING_FUNDS), sender=deployer)
    gse_contract = chain.contract(artifacts.aztec("GSE"), gse)
    chain.transact(gse_contract.functions.addRollup(rollup.checksum), sender=deployer)
    registry, receipt = chain.deploy(artifacts.own("StakingRegistry"), rollup.checksum, sender=deployer)
    return rollup, registry, int(receipt["blockNumber"])


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

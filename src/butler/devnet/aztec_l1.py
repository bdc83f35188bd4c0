"""The real Aztec L1 system on the devnet, deployed by @aztec/ethereum's deployAztecL1Contracts (through
deploy_l1.mjs beside this module) exactly as Aztec's own sandbox deploys it, with devnet durations."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from butler.devnet import accounts, tools
from butler.devnet.chain import DevnetError
from butler.domain.address import Address

DEPLOY_SCRIPT = Path(__file__).resolve().parent / "deploy_l1.mjs"
RESULT_PREFIX = "AZTEC_L1_DEPLOYED "
DEPLOY_TIMEOUT_S = 300

# Overrides of DefaultL1ContractsConfig (its key names). Shorter than a public network so that an epoch
# (8 slots of 24 s) and the exit delay (one hour) are small jumps of the devnet's clock.
DEVNET_L1_CONFIG: dict[str, int | str] = {
    "ethereumSlotDuration": 12,
    "aztecSlotDuration": 24,
    "aztecEpochDuration": 8,
    "exitDelaySeconds": 3600,
}
# The staking queue settings the deploy script reads from the environment. No bootstrap phase (so a
# single deposit can be flushed), then up to 48 validators per epoch: the defaults, named here.
DEVNET_QUEUE_ENV: dict[str, int] = {
    "AZTEC_ENTRY_QUEUE_BOOTSTRAP_VALIDATOR_SET_SIZE": 0,
    "AZTEC_ENTRY_QUEUE_BOOTSTRAP_FLUSH_SIZE": 0,
    "AZTEC_ENTRY_QUEUE_FLUSH_SIZE_MIN": 48,
    "AZTEC_ENTRY_QUEUE_FLUSH_SIZE_QUOTIENT": 2,
    "AZTEC_ENTRY_QUEUE_MAX_FLUSH_SIZE": 48,
}
# Genesis values of the L2 side, which the devnet never runs: any field elements do.
_ROOTS = {
    "vkTreeRoot": "0x" + "00" * 31 + "01",
    "protocolContractsHash": "0x" + "00" * 31 + "02",
    "genesisArchiveRoot": "0x" + "00" * 31 + "03",
}


@attrs.frozen
class AztecL1:
    registry: Address
    rollup: Address
    rollup_version: int
    gse: Address
    staking_asset: Address
    fee_asset: Address
    governance: Address


Log = Callable[[str], None]


def deploy_request(rpc_url: str, chain_id: int, work_dir: Path) -> dict[str, Any]:
    return {
        "rpcUrl": rpc_url,
        "chainId": chain_id,
        "deployerKey": accounts.DEPLOYER.key_hex,
        "workDir": str(work_dir),
        "forge": str(tools.foundry_binary("forge")),
        "solcDir": str(tools.package_dir(tools.SOLC)),
        "ethereumDir": str(tools.package_dir(tools.AZTEC_ETHEREUM)),
        "config": DEVNET_L1_CONFIG,
        "roots": _ROOTS,
        "env": {**DEVNET_QUEUE_ENV, "LOG_LEVEL": "warn"},
    }


def deploy_aztec_l1(rpc_url: str, chain_id: int, work_dir: Path, log: Log = lambda _: None) -> AztecL1:
    """Run the deployment against the node at `rpc_url`; forge's HOME is `work_dir`."""
    work_dir.mkdir(parents=True, exist_ok=True)
    request = deploy_request(rpc_url, chain_id, work_dir)
    env = {**os.environ, "LOG_LEVEL": "warn", "HOME": str(work_dir)}
    process = subprocess.Popen(
        [str(tools.node_binary()), str(DEPLOY_SCRIPT), json.dumps(request)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        stdout, stderr = process.communicate(timeout=DEPLOY_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise DevnetError(f"deploying the Aztec L1 contracts took over {DEPLOY_TIMEOUT_S} s") from None
    except BaseException:  # Ctrl-C or SIGTERM during `up`: the deployment must not run on
        process.kill()
        process.wait()
        raise
    results = [line[len(RESULT_PREFIX) :] for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if process.returncode != 0 or len(results) != 1:
        tail = [line.strip()[:300] for line in stderr.splitlines() if line.strip()][-6:]
        detail = " | ".join(tail) or "no output"
        raise DevnetError(f"deploying the Aztec L1 contracts failed (exit {process.returncode}): {detail}")
    deployed = json.loads(results[0])
    return AztecL1(
        registry=Address.parse(deployed["registryAddress"]),
        rollup=Address.parse(deployed["rollupAddress"]),
        rollup_version=int(deployed["rollupVersion"]),
        gse=Address.parse(deployed["gseAddress"]),
        staking_asset=Address.parse(deployed["stakingAssetAddress"]),
        fee_asset=Address.parse(deployed["feeJuiceAddress"]),
        governance=Address.parse(deployed["governanceAddress"]),
    )

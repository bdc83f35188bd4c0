"""`aztec-butler process-private-keys`: phase 2 of the key flow."""

from __future__ import annotations

import os
from pathlib import Path

import plac

from butler.domain.errors import UsageError
from butler.domain.keyfiles import DerivedValidator
from butler.entrypoints.console import ProgressLine, note, run_plac
from butler.ports.key_files import KeyFiles
from butler.ports.secret_store import SecretStore
from butler.usecases.process_private_keys import OnChainCheck, default_output
from butler.usecases.process_private_keys import process_private_keys as process

SECRET_STORES = ("console",)


@plac.pos("private_key_file", "private-keys file written by `aztec validator-keys new`", type=Path)
@plac.opt(
    "output",
    "public-keys file to write (default: public-<input name> in the current folder)",
    type=Path,
    abbrev="o",
    metavar="PATH",
)
@plac.flg("offline", "skip the on-chain check (no network config needed); says so on stderr", abbrev="O")
@plac.opt(
    "config",
    "network config TOML (default: $AZTEC_BUTLER_CONFIG, or see --network)",
    abbrev="c",
    metavar="PATH",
)
@plac.opt(
    "network", "network name: reads $XDG_CONFIG_HOME/aztec-butler/NETWORK.toml", abbrev="n", metavar="NAME"
)
@plac.opt("secret_store", "where the private keys go", choices=SECRET_STORES, abbrev="s", metavar="STORE")
@plac.flg("force", "replace the output file if it exists", abbrev="f")
def process_private_keys(
    private_key_file: Path,
    output: Path | None = None,
    offline: bool = False,
    config: str | None = None,
    network: str | None = None,
    secret_store: str = "console",
    force: bool = False,
) -> int:
    """Derive the public keys of freshly generated validators (phase 2).

    Every key is validated first (0x + 64 hex digits, in range); one bad or repeated key fails the
    command and nothing is written. Unless --offline, the attesters are looked up on chain and the
    command fails if any is already in the provider queue, the rollup entry queue, or known to the
    rollup. The private keys are then handed to the secret store (console: printed on stderr, never
    saved) and the public-keys file is written atomically.

    example:
      aztec-butler process-private-keys new-private-keys.json --config devnet.toml
    """
    target = output if output is not None else default_output(private_key_file, Path.cwd())
    if os.path.realpath(target) == os.path.realpath(private_key_file):
        # With --force this would replace the operator's only file of these private keys.
        raise UsageError(f"{target}: is the private-keys file itself; write the public keys elsewhere")
    on_chain_check = None
    if offline:
        note("offline: not checking whether these attesters are already known on chain")
    else:
        on_chain_check = _on_chain_check(config, network)

    result = process(
        private_key_file,
        target,
        files=_key_files(),
        secrets=_secret_store(secret_store),
        on_chain_check=on_chain_check,
        progress=ProgressLine("derived"),
        overwrite=force,
    )
    note(f"wrote {result.validators} validators' public keys to {result.output}")
    return 0


def _key_files() -> KeyFiles:
    from butler.adapters.local_key_files import LocalKeyFiles

    return LocalKeyFiles()


def _secret_store(name: str) -> SecretStore:
    from butler.adapters.console_secret_store import ConsoleSecretStore

    assert name in SECRET_STORES
    return ConsoleSecretStore()


def _on_chain_check(config: str | None, network: str | None) -> OnChainCheck:
    from butler.entrypoints.network import load_config, open_chain
    from butler.usecases.providers import resolve_provider
    from butler.usecases.registration_check import ensure_not_on_chain

    _, network_config, _ = load_config(config, network)

    def check(derived: list[DerivedValidator]) -> None:
        chain = open_chain(network_config)
        provider = resolve_provider(chain, network_config)
        ensure_not_on_chain(chain, provider.id, [d.public.attester.eth for d in derived])
        note(f"checked {len(derived)} attesters on {network_config.network}: none is known on chain yet")

    return check


def main(prog: str, argv: list[str]) -> int:
    return run_plac(process_private_keys, f"aztec-butler {prog}", argv)

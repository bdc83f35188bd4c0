"""`aztec-butler process-private-keys`: phase 2 of the key flow."""

from __future__ import annotations

import os
import sys
from json import dumps
from pathlib import Path
from typing import TYPE_CHECKING

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import UsageError
from butler.entrypoints.console import ProgressLine, note, run_plac
from butler.entrypoints.options import long_opt, network_options

if TYPE_CHECKING:  # the use case is imported when the command runs, so that --help stays fast
    from butler.domain.config import NetworkConfig, SecretSources
    from butler.domain.keyfiles import DerivedValidator
    from butler.ports.key_files import KeyFiles
    from butler.ports.secret_store import SecretStore
    from butler.usecases.process_private_keys import OnChainCheck

CONSOLE, GCP = "console", "gcp"
SECRET_STORES = (CONSOLE, GCP)


@plac.pos("private_key_file", "private-keys file written by `aztec validator-keys new`", type=Path)
@plac.opt(
    "output",
    "public-keys file to write (default: public-<input name> in the current folder)",
    type=Path,
    abbrev="o",
    metavar="PATH",
)
@long_opt(
    "publishers_output",
    "available-publishers file to write (default: publishers-<input name> beside the public-keys file)",
    type=Path,
    metavar="PATH",
)
@plac.flg("offline", "skip the on-chain check (no network config needed); says so on stderr", abbrev="O")
@network_options
@long_opt(
    "secret_store",
    "where the private keys go: console (printed once on stderr; the default) or gcp (Google Cloud "
    "Secret Manager, one secret per key, nothing secret printed)",
    choices=SECRET_STORES,
    metavar="STORE",
)
@long_opt(
    "gcp_project",
    "Google Cloud project of the gcp store (default: $GOOGLE_CLOUD_PROJECT, else the project of the "
    "Application Default Credentials)",
    metavar="ID",
)
@plac.opt(
    "gcp_endpoint",
    "Secret Manager API endpoint of the gcp store, e.g. a Private Service Connect one (default: Google's)",
    abbrev="E",
    metavar="URL",
)
@plac.flg("force", "replace the output files if they exist", abbrev="f")
@plac.flg("json", "print {attesters, publishers, public_keys_file, publishers_file} as JSON", abbrev="j")
def process_private_keys(
    private_key_file: Path,
    output: Path | None = None,
    publishers_output: Path | None = None,
    offline: bool = False,
    config: str | None = None,
    network: str | None = None,
    secret_store: str = CONSOLE,
    gcp_project: str | None = None,
    gcp_endpoint: str | None = None,
    force: bool = False,
    json: bool = False,
) -> int:
    """Derive the public keys of freshly generated validators (phase 2).

    Every key is validated first (0x + 64 hex digits, in range); one bad or repeated key fails the
    command and nothing is written. Unless --offline, the attesters are looked up on chain and the
    command fails if any is already in the provider queue, the rollup entry queue, known to the
    rollup, or proposed in a pending transaction of the provider's Safe (when the config names the
    Safe Transaction Service; an unreachable service fails the command). The private keys are then
    handed to the secret store, and two files are written atomically: the public-keys file
    (public-<FILE>) and the available-publishers file (publishers-<FILE>, beside it: the addresses of
    the file's publisher keys in order, each once), the inputs of prepare-deployment and
    fund-publishers. The publisher addresses are printed on stdout, one per line (--json: one object
    with the attesters too). Existing output files are kept unless --force.

    Secret stores: console prints the private keys once on stderr and saves them nowhere. gcp puts each
    key in its own Google Cloud Secret Manager secret, aztec-butler-NETWORK-ADDRESS-eth|bls|publisher,
    labelled for web3signer's --gcp-secrets-filter (e.g. 'labels.network=testnet AND
    labels.key_type=bls'); it never overwrites a secret that holds another key (exit 1, before
    anything is written), leaves one holding the same key as it is, reads every key back, and prints
    only secret names. NETWORK is the config's network, or --network with --offline. Credentials:
    Google's Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth
    application-default login`).

    example:
      aztec-butler process-private-keys new-private-keys.json --config devnet.toml
      aztec-butler process-private-keys new-private-keys.json -n testnet --secret-store gcp \\
        --gcp-project my-project
    """
    from butler.usecases.process_private_keys import default_output, default_publishers_output
    from butler.usecases.process_private_keys import process_private_keys as process

    target = output if output is not None else default_output(private_key_file, Path.cwd())
    publishers_target = (
        publishers_output
        if publishers_output is not None
        else default_publishers_output(private_key_file, target)
    )
    _refuse_same_paths(private_key_file, target, publishers_target)
    if secret_store != GCP and (gcp_project or gcp_endpoint):
        raise UsageError("--gcp-project and --gcp-endpoint apply only to --secret-store gcp")
    network_config = on_chain_check = None
    if offline:
        note("offline: not checking whether these attesters are already known on chain")
    else:
        from butler.entrypoints.network import load_config

        _, network_config, sources = load_config(config, network)
        on_chain_check = _on_chain_check(network_config, sources)
    if secret_store == GCP:
        network_name = _network_name(network_config, config, network)
        secrets = _gcp_secret_store(network_name, gcp_project, gcp_endpoint)
    else:
        secrets = _console_secret_store()

    result = process(
        private_key_file,
        target,
        publishers_target,
        files=_key_files(),
        secrets=secrets,
        on_chain_check=on_chain_check,
        progress=ProgressLine("derived"),
        overwrite=force,
    )
    for stored in result.stored:
        outcome = "stored" if stored.created else "already held"
        note(f"{outcome}: {stored.location} ({stored.kind} key of {stored.address})")
    if result.stored:
        created = sum(stored.created for stored in result.stored)
        note(
            f"secret store: {created} keys stored, {len(result.stored) - created} already held the same "
            "key; every one read back and matched"
        )
    note(f"wrote {result.validators} validators' public keys to {result.output}")
    note(f"wrote {len(result.publishers)} publisher addresses to {result.publishers_output}:")
    if json:
        document = {
            "attesters": [a.checksum for a in result.attesters],
            "publishers": [p.checksum for p in result.publishers],
            "public_keys_file": str(result.output),
            "publishers_file": str(result.publishers_output),
        }
        sys.stdout.write(dumps(document, indent=2) + "\n")
    else:
        sys.stdout.writelines(f"{p.checksum}\n" for p in result.publishers)
    return 0


def _refuse_same_paths(source: Path, public: Path, publishers: Path) -> None:
    real = os.path.realpath
    # With --force either would replace the operator's only file of these private keys.
    for path, what in ((public, "public keys"), (publishers, "publisher addresses")):
        if real(path) == real(source):
            raise UsageError(f"{path}: is the private-keys file itself; write the {what} elsewhere")
    if real(public) == real(publishers):
        raise UsageError(f"{publishers}: is the public-keys file too; give --publishers-output another path")


def _key_files() -> KeyFiles:
    from butler.adapters.files.key_files import LocalKeyFiles

    return LocalKeyFiles()


def _console_secret_store() -> SecretStore:
    from butler.adapters.secrets.console_store import ConsoleSecretStore

    return ConsoleSecretStore()


def _gcp_secret_store(network: str, project: str | None, endpoint: str | None) -> SecretStore:
    try:
        from butler.adapters.secrets.gcp_store import GcpSecretStore
    except ModuleNotFoundError as missing:
        if not (missing.name or "").startswith("google"):
            raise
        raise UsageError(
            "--secret-store gcp needs Google's Secret Manager client: pip install 'aztec-butler[gcp]'"
        ) from None
    return GcpSecretStore.connect(
        network=network,
        project=project,
        endpoint=endpoint,
        credentials_file=os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"),
    )


def _network_name(loaded: NetworkConfig | None, config: str | None, network: str | None) -> str:
    """The network that names the secrets: the config's, or with --offline and no config, --network."""
    if loaded is not None:
        return loaded.network
    if config or os.environ.get("AZTEC_BUTLER_CONFIG"):
        return _load_network_config(config, network).network
    if network:
        return network
    raise UsageError("--secret-store gcp names secrets by network: pass --network NAME or --config PATH")


def _load_network_config(config: str | None, network: str | None) -> NetworkConfig:
    from butler.entrypoints.network import load_config

    _, network_config, _ = load_config(config, network)
    return network_config


def _on_chain_check(network_config: NetworkConfig, sources: SecretSources) -> OnChainCheck:
    from butler.entrypoints.network import open_chain, open_safe_queue
    from butler.usecases.steps.providers import resolve_provider
    from butler.usecases.steps.registration_check import ensure_not_on_chain

    def check(derived: list[DerivedValidator]) -> None:
        chain = open_chain(network_config)
        provider = resolve_provider(chain, network_config)
        pending = open_safe_queue(network_config, sources)
        attesters = [d.public.attester.eth for d in derived]
        ensure_not_on_chain(
            chain, provider.id, attesters, pending=pending, registry=network_config.staking_registry
        )
        where = " or proposed to the Safe" if pending is not None else ""
        note(
            f"checked {len(derived)} attesters on {network_config.network}: none is known on chain{where} yet"
        )

    return check


def main(prog: str, argv: list[str]) -> int:
    return run_plac(process_private_keys, f"aztec-butler {prog}", argv)

"""`aztec-butler process-private-keys`: phase 2 of the key flow."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from json import dumps
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import UsageError
from butler.entrypoints.console import ProgressLine, note, parse_plac
from butler.entrypoints.options import long_opt, network_options

if TYPE_CHECKING:  # the use case is imported when the command runs, so that --help stays fast
    from butler.entrypoints.bootstrap import LoadedNetwork, Services
    from butler.usecases.process_private_keys import ChainCheck, Processed

CONSOLE, GCP = "console", "gcp"
SECRET_STORES = (CONSOLE, GCP)


@attrs.frozen
class Options:
    private_key_file: Path
    output: Path | None
    publishers_output: Path | None
    offline: bool
    config: str | None
    network: str | None
    secret_store: str
    gcp_project: str | None
    gcp_endpoint: str | None
    force: bool
    json: bool


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
) -> Options:
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
    return Options(
        private_key_file,
        output,
        publishers_output,
        offline,
        config,
        network,
        secret_store,
        gcp_project,
        gcp_endpoint,
        force,
        json,
    )


def run(services: Services, args: Options) -> int:
    from butler.entrypoints.bootstrap import SecretStoreChoice
    from butler.usecases.process_private_keys import default_output, default_publishers_output
    from butler.usecases.process_private_keys import process_private_keys as process

    source = args.private_key_file
    target = args.output or default_output(source, services.settings.working_folder)
    publishers_target = args.publishers_output or default_publishers_output(source, target)
    _refuse_same_paths(source, target, publishers_target)
    if args.secret_store != GCP and (args.gcp_project or args.gcp_endpoint):
        raise UsageError("--gcp-project and --gcp-endpoint apply only to --secret-store gcp")
    loaded = chain_check = None
    if args.offline:
        note("offline: not checking whether these attesters are already known on chain")
    else:
        loaded = services.network(args.config, args.network)
        chain_check = _chain_check(services, loaded)
    choice = SecretStoreChoice(args.secret_store)
    if args.secret_store == GCP:
        network_name = _network_name(services, loaded, args)
        choice = SecretStoreChoice(GCP, network_name, args.gcp_project, args.gcp_endpoint)
    result = process(
        source,
        target,
        publishers_target,
        files=services.key_files,
        secrets=services.secret_store(choice),
        chain_check=chain_check,
        progress=ProgressLine("derived"),
        report=note,
        overwrite=args.force,
    )
    _report(result, as_json=args.json)
    return 0


def _report(result: Processed, *, as_json: bool) -> None:
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
    if as_json:
        document = {
            "attesters": [a.checksum for a in result.attesters],
            "publishers": [p.checksum for p in result.publishers],
            "public_keys_file": str(result.output),
            "publishers_file": str(result.publishers_output),
        }
        sys.stdout.write(dumps(document, indent=2) + "\n")
    else:
        sys.stdout.writelines(f"{p.checksum}\n" for p in result.publishers)


def _refuse_same_paths(source: Path, public: Path, publishers: Path) -> None:
    real = os.path.realpath
    # With --force either would replace the operator's only file of these private keys.
    for path, what in ((public, "public keys"), (publishers, "publisher addresses")):
        if real(path) == real(source):
            raise UsageError(f"{path}: is the private-keys file itself; write the {what} elsewhere")
    if real(public) == real(publishers):
        raise UsageError(f"{publishers}: is the public-keys file too; give --publishers-output another path")


def _network_name(services: Services, loaded: LoadedNetwork | None, args: Options) -> str:
    """The network that names the secrets: the config's, or with --offline and no config, --network."""
    from butler.adapters.files.config_file import CONFIG_ENV

    if loaded is not None:
        return loaded.config.network
    if args.config or services.settings.environ.get(CONFIG_ENV):
        return services.network(args.config, args.network).config.network
    if args.network:
        return args.network
    raise UsageError("--secret-store gcp names secrets by network: pass --network NAME or --config PATH")


def _chain_check(services: Services, loaded: LoadedNetwork) -> ChainCheck:
    from butler.usecases.process_private_keys import ChainCheck

    return ChainCheck(
        chain=services.chain(loaded), network=loaded.config, pending=services.safe_queue(loaded)
    )


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(process_private_keys, f"aztec-butler {prog}", argv)
    return run(services(), options)

"""`aztec-butler generate-scraper-config`: the monitoring's attesters and publishers, public data only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import UsageError
from butler.entrypoints.console import note, parse_plac, shown
from butler.entrypoints.options import long_opt, network_options

if TYPE_CHECKING:
    from butler.entrypoints.bootstrap import LoadedNetwork, Services


@attrs.frozen
class Options:
    production_keys: list[Path]
    web3signer_keys: Path | None
    web3signer_url: str | None
    publisher_keys: Path | None
    output: Path | None
    config: str | None
    network: str | None


@plac.opt(
    "production_keys",
    "production keyfile(s) the nodes load: attesters, their publishers and coinbases",
    type=Path,
    abbrev="p",
    metavar="FILE",
)
@long_opt(
    "web3signer_keys",
    "file holding web3signer's eth1 public-key list (a JSON list of hex keys)",
    type=Path,
    metavar="FILE",
)
@plac.opt(
    "web3signer_url",
    "web3signer base URL: its eth1 key list is read from URL/api/v1/eth1/publicKeys",
    abbrev="u",
    metavar="URL",
)
@long_opt(
    "publisher_keys",
    "publisher private keys: a JSON list of 0x keys, or a private-keys file (its publisher entries); "
    "only their addresses are kept",
    type=Path,
    metavar="FILE",
)
@plac.opt(
    "output",
    "scraper config to write or merge into (default: $XDG_DATA_HOME/aztec-butler/NETWORK-scrape-config.json)",
    type=Path,
    abbrev="o",
    metavar="PATH",
)
@network_options
def generate_scraper_config(
    production_keys: list[Path] | None = None,
    web3signer_keys: Path | None = None,
    web3signer_url: str | None = None,
    publisher_keys: Path | None = None,
    output: Path | None = None,
    config: str | None = None,
    network: str | None = None,
) -> Options:
    """Write the scraper config: which attesters and publishers the monitoring watches.

    Attesters come from production keyfiles (with their publishers and any known coinbase) and/or from
    the secp256k1 public keys web3signer holds (--web3signer-url, or its exported list with
    --web3signer-keys; compressed, uncompressed and 64-byte forms are accepted). Web3signer holds the
    publishers' keys too: those of the publishers named by the keyfiles, by --publisher-keys or by the
    existing config are not listed as attesters. Publisher private keys are read only to derive their
    addresses; they are never written or printed. Network, chain id and provider come from the network
    config (a provider_admin is looked up on chain).

    An existing config is merged, never replaced: attesters are kept (with their last seen state) and
    new ones added as NEW; a known coinbase is kept; two different coinbases for one attester fail the
    command and nothing is written. The publisher list is replaced when keyfiles or publisher keys are
    given.

    example:
      aztec-butler generate-scraper-config -c testnet.toml \\
        --production-keys A_prod-testnet-keyfile.json B_prod-testnet-keyfile.json \\
        --web3signer-url http://web3signer:9000 --publisher-keys publisher-keys.json
    """
    if web3signer_keys is not None and web3signer_url is not None:
        raise UsageError("pass --web3signer-keys or --web3signer-url, not both")
    return Options(
        production_keys or [], web3signer_keys, web3signer_url, publisher_keys, output, config, network
    )


def run(services: Services, args: Options) -> int:
    from butler.usecases.generate_scraper_config import Sources, generate_scraper_config

    loaded = services.network(args.config, args.network)
    network_config = loaded.config
    target = services.scraper_config_path(args.output, network_config.network)
    sources = Sources(
        production_keyfiles=tuple(args.production_keys),
        signer=services.signer(args.web3signer_keys, args.web3signer_url),
        publisher_keys=args.publisher_keys,
    )
    if sources.empty:
        # Checked before the provider is looked up: that may need the chain.
        raise UsageError(
            "nothing to generate from: pass --production-keys, --web3signer-keys, --web3signer-url or "
            "--publisher-keys"
        )
    generated = generate_scraper_config(
        sources,
        network=network_config.network,
        chain_id=network_config.chain_id,
        provider_id=_provider_id(services, loaded),
        output=target,
        key_files=services.key_files,
        publisher_key_files=services.publisher_key_files,
        scraper_configs=services.scraper_configs,
        clock=services.clock,
    )
    for line in generated.notes:
        note(f"note: {shown(line)}")
    written = generated.config
    verb = "wrote" if generated.created else "updated"
    note(
        f"{verb} {generated.output}: {len(written.attesters)} attesters "
        f"({len(generated.new_attesters)} new), {len(written.publishers)} publishers, network "
        f"{written.network}, chain {written.chain_id}, provider {written.staking_provider_id}"
    )
    return 0


def _provider_id(services: Services, loaded: LoadedNetwork) -> int:
    """The configured id as it is (no network needed); a provider_admin is looked up on chain."""
    if loaded.config.provider_id is not None:
        return loaded.config.provider_id
    from butler.usecases.steps.providers import resolve_provider

    return resolve_provider(services.chain(loaded), loaded.config).id


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(
        generate_scraper_config, f"aztec-butler {prog}", argv, repeatable=("production_keys",)
    )
    return run(services(), options)

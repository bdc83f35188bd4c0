"""`aztec-butler config init` and `config presets`: a network config from a ready-made preset."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.address import Address, AddressFormatError
from butler.domain.errors import CheckFailed, UsageError
from butler.entrypoints.console import note, parse_plac
from butler.entrypoints.options import long_opt

if TYPE_CHECKING:
    from butler.adapters.files.network_presets import OperatorSettings
    from butler.entrypoints.bootstrap import Services

T = TypeVar("T")

USAGE = """\
usage: aztec-butler config init --network NAME [--rpc-url URL] [--provider-id N | --provider-admin ADDRESS]
                                [--safe ADDRESS] [--safe-proposer-key-file PATH] [-o PATH] [--force]
       aztec-butler config presets

  init     write a network config from a preset, asking only for the RPC URL, the provider and the Safe
  presets  list the presets
"""


@attrs.frozen
class InitOptions:
    network: str | None
    rpc_url: str | None
    provider_id: int | None
    provider_admin: str | None
    safe: str | None
    rollup: str | None
    safe_proposer_key_file: str | None
    output: Path | None
    force: bool


@plac.opt(
    "network", "the preset to start from (see `aztec-butler config presets`)", abbrev="n", metavar="NAME"
)
@long_opt("rpc_url", "the Ethereum node's JSON-RPC URL (never printed)", metavar="URL")
@long_opt("provider_id", "your staking provider's id in the StakingRegistry", type=int, metavar="N")
@long_opt("provider_admin", "instead of --provider-id: your provider's admin address", metavar="ADDRESS")
@long_opt("safe", "the Safe that administers the provider and funds the publishers", metavar="ADDRESS")
@long_opt(
    "rollup",
    "the Aztec rollup's address; without it every command reads the canonical rollup from the chain",
    metavar="ADDRESS",
)
@long_opt(
    "safe_proposer_key_file",
    "a FILE holding the Safe proposer key (the key itself never goes into the config)",
    metavar="PATH",
)
@plac.opt(
    "output",
    "where to write (default: $XDG_CONFIG_HOME/aztec-butler/NETWORK.toml, where --network finds it)",
    type=Path,
    abbrev="o",
    metavar="PATH",
)
@plac.flg("force", "replace an existing config", abbrev="f")
def init(
    network: str | None = None,
    rpc_url: str | None = None,
    provider_id: int | None = None,
    provider_admin: str | None = None,
    safe: str | None = None,
    rollup: str | None = None,
    safe_proposer_key_file: str | None = None,
    output: Path | None = None,
    force: bool = False,
) -> InitOptions:
    """Write a network config from a ready-made preset, so that every other command finds it with
    --network NAME.

    The preset knows the chain, the StakingRegistry (and the block it was deployed in), the Safe
    Transaction Service and the minimum ETH per attester. Only what is yours is asked: the RPC URL,
    your provider (its id, or its admin address) and your Safe. On a terminal, whatever the flags do
    not give is asked for; otherwise missing flags are a usage error. The file is written atomically
    and an existing one is never replaced without --force. Secrets never go into it: the Safe
    proposer key stays in a file named by --safe-proposer-key-file, or in
    $AZTEC_BUTLER_SAFE_PROPOSER_KEY.

    presets: testnet (Sepolia, the first testnet StakingRegistry 0xc386...), testnet-registry2 (Sepolia,
    the later testnet StakingRegistry 0xC6Ec...), mainnet.

    examples:
      aztec-butler config init --network testnet
      aztec-butler config init -n mainnet --rpc-url https://eth.example/KEY --provider-id 7 \\
        --safe 0x... --safe-proposer-key-file ~/.secrets/proposer.key
    """
    return InitOptions(
        network, rpc_url, provider_id, provider_admin, safe, rollup, safe_proposer_key_file, output, force
    )


def run_init(services: Services, args: InitOptions) -> int:
    from butler.adapters.files.config_file import config_dir
    from butler.adapters.files.network_presets import (
        check_config_text,
        read_preset,
        render_config,
        write_config,
    )

    if args.network is None:
        raise UsageError("--network NAME is required; `aztec-butler config presets` lists them")
    if args.provider_id is not None and args.provider_admin is not None:
        raise UsageError("give --provider-id or --provider-admin, not both")
    preset = read_preset(args.network)
    target = args.output or config_dir(services.settings.environ) / f"{preset.network}.toml"
    if not args.force and os.path.lexists(target):
        raise CheckFailed(f"{target}: already exists; pass --force to replace it (nothing was written)")
    text = render_config(preset, _operator_settings(args, _Asker(interactive=services.settings.terminal)))
    check_config_text(target, text)
    write_config(target, text, replace=args.force)
    note(f"wrote {target} from the preset {preset.name} ({preset.description})")
    if args.safe_proposer_key_file is None:
        note(
            "no Safe proposer key named: commands print their Safe transactions without proposing them until "
            "safe_proposer_key_file is set in the config or $AZTEC_BUTLER_SAFE_PROPOSER_KEY"
        )
    where = f"--network {preset.network}" if args.output is None else f"--config {target}"
    note(f"next: every command reads it with {where}")
    return 0


def _operator_settings(args: InitOptions, ask: _Asker) -> OperatorSettings:
    """What is the operator's own: from the flags, else asked on the terminal."""
    from butler.adapters.files.network_presets import OperatorSettings

    url = ask.value("--rpc-url", args.rpc_url, "Ethereum JSON-RPC URL", _url)
    provider: int | Address | None
    if args.provider_id is not None:
        provider = ask.value("--provider-id", str(args.provider_id), "", _provider)
    elif args.provider_admin is not None:
        provider = ask.value("--provider-admin", args.provider_admin, "", _address)
    else:
        provider = ask.value(
            "--provider-id", None, "your staking provider's id (or its admin address)", _id_or_address
        )
    safe_address = ask.value("--safe", args.safe, "your Safe's address", _address)
    rollup_address = None if args.rollup is None else ask.value("--rollup", args.rollup, "", _address)
    ask.finish()
    assert url is not None and provider is not None and safe_address is not None
    return OperatorSettings(
        rpc_url=url,
        provider_id=provider if isinstance(provider, int) else None,
        provider_admin=provider if isinstance(provider, Address) else None,
        safe_address=safe_address,
        rollup=rollup_address,
        safe_proposer_key_file=args.safe_proposer_key_file,
    )


class _Asker:
    """A value from its flag, else from the terminal (asked again until it parses), else recorded as
    missing so that every missing flag is named in one usage error."""

    def __init__(self, *, interactive: bool) -> None:
        self.interactive = interactive
        self.missing: list[str] = []

    def value(self, flag: str, given: str | None, question: str, parse: Callable[[str], T]) -> T | None:
        if given is not None:
            try:
                return parse(given)
            except ValueError as exc:
                raise UsageError(f"{flag}: {exc}") from None
        if not self.interactive:
            self.missing.append(flag)
            return None
        while True:
            sys.stderr.write(f"{question}: ")
            sys.stderr.flush()
            line = sys.stdin.readline()
            if not line:
                raise UsageError(f"{flag}: no answer (end of input)")
            try:
                return parse(line.strip())
            except ValueError as exc:
                sys.stderr.write(f"  {exc}; try again\n")

    def finish(self) -> None:
        if self.missing:
            raise UsageError(f"not on a terminal, so nothing can be asked: give {', '.join(self.missing)}")


def _url(text: str) -> str:
    # The URL is never repeated in a message: it often carries an API key.
    if not text.startswith(("http://", "https://")) or len(text) <= len("https://"):
        raise ValueError("expected an http:// or https:// URL")
    return text


def _address(text: str) -> Address:
    try:
        return Address.parse(text)
    except AddressFormatError as exc:
        raise ValueError(str(exc)) from None


def _provider(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError("a provider id is a whole number from 1")
    return int(text)


def _id_or_address(text: str) -> int | Address:
    return _address(text) if text.startswith("0x") else _provider(text)


@attrs.frozen
class PresetsOptions:
    pass


def presets() -> PresetsOptions:
    """List the ready-made network presets."""
    return PresetsOptions()


def run_presets(services: Services, args: PresetsOptions) -> int:
    from butler.adapters.files.network_presets import preset_names, read_preset

    for name in preset_names():
        preset = read_preset(name)
        sys.stdout.write(f"{name:<20} {preset.description}\n")
    return 0


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler config SUBCOMMAND ARGV`; `services` are opened once the options parse."""
    if not argv or argv[0] in ("-h", "--help"):
        (sys.stdout if argv else sys.stderr).write(USAGE)
        return 0 if argv else 2
    sub, *rest = argv
    if sub == "init":
        options = parse_plac(init, f"aztec-butler {prog} init", rest)
        return run_init(services(), options)
    if sub == "presets":
        listing = parse_plac(presets, f"aztec-butler {prog} presets", rest)
        return run_presets(services(), listing)
    raise UsageError(f"unknown subcommand {sub!r} of {prog}: init or presets")

"""Options several commands share, declared once so their names and help never drift apart.

Short flags mean the same thing in every command of every CLI (aztec-butler, aztec-butler-scraper,
aztec-butler-devnet), or do not exist: an option whose short flag would mean something else elsewhere is
declared with `long_opt`/`long_flg` and has its long form only. The short flags in use:

  -c --config   -n --network   -o --output   -j --json   -f --force   -P --no-propose
  -p --production-keys   -k --new-public-keys   -a --available-publishers   -H --high-availability-count
  -s --scraper-config   -t --threshold   -O --offline   -E --gcp-endpoint   -u --web3signer-url
  -F --full   -C --confirmations   -l --listen   -i --interval   -V --version
  -e --eth   -d --delegate   -x --corrupt-proof   -h --help
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import UsageError
from butler.domain.publisher_sets import HA_SET_NAMES

F = TypeVar("F", bound=Callable[..., object])

NO_SHORT = "\x00"
"""plac gives every option a short flag (its first letter unless told otherwise). Options declared with
`long_opt`/`long_flg` get this impossible one instead, which `without_placeholder_shorts` then removes."""


def long_opt(
    arg: str, help: str, *, type: object = None, choices: object = None, metavar: str | None = None
) -> Callable[[F], F]:
    """plac.opt with no short flag."""
    decorate: Callable[[F], F] = plac.opt(
        arg, help, type=type, abbrev=NO_SHORT + arg, choices=choices, metavar=metavar
    )
    return decorate


def long_flg(arg: str, help: str) -> Callable[[F], F]:
    """plac.flg with no short flag."""
    decorate: Callable[[F], F] = plac.flg(arg, help, abbrev=NO_SHORT + arg)
    return decorate


def without_placeholder_shorts(parser: object) -> None:
    """Remove the placeholder short flags `long_opt`/`long_flg` gave an argparse parser."""
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:
        placeholders = [s for s in action.option_strings if s.startswith("-" + NO_SHORT)]
        action.option_strings = [s for s in action.option_strings if s not in placeholders]
        for placeholder in placeholders:
            parser._option_string_actions.pop(placeholder, None)


def network_options(function: F) -> F:
    """`--config/-c PATH` and `--network/-n NAME`: which network config the command reads."""
    config_help = "network config TOML (default: $AZTEC_BUTLER_CONFIG, or see --network)"
    network_help = "network name: reads $XDG_CONFIG_HOME/aztec-butler/NETWORK.toml"
    plac.opt("config", config_help, abbrev="c", metavar="PATH")(function)
    plac.opt("network", network_help, abbrev="n", metavar="NAME")(function)
    return function


SCRAPER_CONFIG_DEFAULT = "$XDG_DATA_HOME/aztec-butler/<network>-scrape-config.json"


def scraper_config_option(purpose: str, *, default: bool = True) -> Callable[[F], F]:
    """`--scraper-config/-s PATH`: `purpose` says what the command does with it; `default` whether it
    falls back to the network's scraper config when not given."""
    help = f"{purpose} (default: {SCRAPER_CONFIG_DEFAULT})" if default else purpose
    decorate: Callable[[F], F] = plac.opt("scraper_config", help, type=Path, abbrev="s", metavar="PATH")
    return decorate


def check_ha_count(count: int | None) -> None:
    """`--high-availability-count K`: absent, or a number of servers the set names A, B, ... can label."""
    if count is not None and not 2 <= count <= len(HA_SET_NAMES):
        raise UsageError(f"--high-availability-count must be between 2 and {len(HA_SET_NAMES)}")

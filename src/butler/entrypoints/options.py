"""Options several commands share, declared once so their names and help never drift apart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import plac

F = TypeVar("F", bound=Callable[..., object])


def network_options(function: F) -> F:
    """`--config/-c PATH` and `--network/-n NAME`: which network config the command reads."""
    config_help = "network config TOML (default: $AZTEC_BUTLER_CONFIG, or see --network)"
    network_help = "network name: reads $XDG_CONFIG_HOME/aztec-butler/NETWORK.toml"
    plac.opt("config", config_help, abbrev="c", metavar="PATH")(function)
    plac.opt("network", network_help, abbrev="n", metavar="NAME")(function)
    return function


def scraper_config_option(function: F) -> F:
    """`--scraper-config/-S PATH`: the scraper config a command reads, else the network's default one."""
    scraper_config_help = "scraper config (default: $XDG_DATA_HOME/aztec-butler/NETWORK-scrape-config.json)"
    plac.opt("scraper_config", scraper_config_help, type=Path, abbrev="S", metavar="PATH")(function)
    return function

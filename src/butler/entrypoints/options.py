"""Options several commands share, declared once so their names and help never drift apart."""

from __future__ import annotations

from collections.abc import Callable
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

"""The surface every command shares, read from each command's own --help: a short flag means the same
long option in every command of every CLI, and machine output is asked for with --json."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pytest

from butler.entrypoints import cli, devnet_cli
from butler.entrypoints.scraper import main as scraper

# "  -k FILE, --new-public-keys FILE" -> ("-k", "--new-public-keys")
_PAIR = re.compile(r"^  (-[A-Za-z])(?: [^,\n]*)?, (--[a-z0-9-]+)", re.MULTILINE)
_LONG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _help(run: Callable[[Sequence[str]], int], argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        run([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def every_help(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    subcommands = {"config": ["config", "init"]}
    helps = {
        f"aztec-butler {name}": _help(cli.run, subcommands.get(name, [name]), capsys) for name in cli.COMMANDS
    }
    helps |= {
        f"aztec-butler-devnet {name}": _help(devnet_cli.run, [name], capsys) for name in devnet_cli.COMMANDS
    }
    helps["aztec-butler-scraper"] = _help(scraper.run, [], capsys)
    return helps


def test_a_short_flag_means_one_long_option_everywhere(capsys):
    meaning: dict[str, tuple[str, str]] = {}
    clashes = []
    for command, text in every_help(capsys).items():
        for short, long in _PAIR.findall(text):
            first = meaning.setdefault(short, (long, command))
            if first[0] != long:
                clashes.append(f"{short}: {first[0]} in {first[1]}, {long} in {command}")
    assert clashes == []
    assert meaning["-j"][0] == "--json" and meaning["-k"][0] == "--new-public-keys"
    assert len(meaning) >= 20, "the help of every command was read"


def test_no_command_offers_as_json(capsys):
    for command, text in every_help(capsys).items():
        assert "--as-json" not in _LONG.findall(text), command


@pytest.mark.parametrize(
    "name", ["add-keys", "fund-publishers", "scrape-coinbases", "process-private-keys", "prepare-deployment"]
)
def test_commands_with_machine_output_offer_json(name, capsys):
    assert "--json" in _LONG.findall(_help(cli.run, [name], capsys))

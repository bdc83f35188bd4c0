"""`aztec-butler-scraper`'s arguments and start-up refusals that need no chain: listen address, interval,
bearer token, and a missing scraper config."""

from __future__ import annotations

from pathlib import Path

import pytest

from butler import __version__
from butler.adapters.secrets.sources import scraper_token
from butler.domain.errors import UsageError
from butler.entrypoints.bootstrap import Services, Settings, build_services
from butler.entrypoints.scraper.main import parse_listen, run

NETWORK_TOML = """\
network = "devnet"
chain_id = 31337
rpc_url = "http://127.0.0.1:9"
staking_registry = "0x9A676e781A523b5d0C0e43731313A708CB607508"
rollup = "0xB7f8BC63BbcaD18155201308C8f3540b07f84F5e"
provider_id = 1
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9478", ("127.0.0.1", 9478)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
        (":9100", ("0.0.0.0", 9100)),
        ("[::1]:9478", ("::1", 9478)),
        ("monitor.internal:80", ("monitor.internal", 80)),
    ],
)
def test_listen_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize(
    "text", ["9478", "localhost", "host:", "host:http", "host:65536", "::1:9478", "h:-1"]
)
def test_bad_listen_addresses_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--listen"):
        parse_listen(text)


def test_no_token_when_neither_variable_is_set() -> None:
    assert scraper_token({}) is None


def test_the_token_comes_from_the_variable_or_the_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-the-file\n")

    from_file = scraper_token({"AZTEC_BUTLER_SCRAPER_TOKEN_FILE": str(token_file)})
    from_variable = scraper_token(
        {"AZTEC_BUTLER_SCRAPER_TOKEN": " direct ", "AZTEC_BUTLER_SCRAPER_TOKEN_FILE": str(token_file)}
    )

    assert from_file is not None and from_file.reveal() == "from-the-file"
    assert from_variable is not None and from_variable.reveal() == "direct"
    assert "direct" not in repr(from_variable)


@pytest.mark.parametrize("content", ["", "  \n", "two words", "tab\there", "ünï"])
def test_a_token_that_cannot_travel_in_a_header_is_refused(tmp_path: Path, content: str) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(content)

    with pytest.raises(UsageError, match="one word of visible ASCII") as caught:
        scraper_token({"AZTEC_BUTLER_SCRAPER_TOKEN_FILE": str(token_file)})
    assert content.strip() == "" or content not in str(caught.value)


def test_a_missing_token_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="token file not found"):
        scraper_token({"AZTEC_BUTLER_SCRAPER_TOKEN_FILE": str(tmp_path / "nope")})


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--interval", "0"], "error: --interval must be between 1 and 86400 seconds, got 0"),
        (["--interval", "-5"], "error: --interval must be between 1 and 86400 seconds, got -5"),
        (["--interval", "inf"], "error: --interval must be between 1 and 86400 seconds, got inf"),
        (["--interval", "nan"], "error: --interval must be between 1 and 86400 seconds, got nan"),
        (["--interval", "1e-300"], "error: --interval must be between 1 and 86400 seconds, got 1e-300"),
        (["--interval", "0.99"], "error: --interval must be between 1 and 86400 seconds, got 0.99"),
        (["--listen", "nowhere"], "error: --listen: expected HOST:PORT (e.g. 127.0.0.1:9478), got 'nowhere'"),
    ],
)
def test_bad_arguments_exit_2_before_anything_is_read(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["--config", "/nonexistent.toml", *argv])

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [said]


def test_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"aztec-butler-scraper {__version__}\n"


def services(folder: Path, environ: dict[str, str]) -> Services:
    return build_services(Settings(environ, folder))


def test_a_missing_scraper_config_says_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "devnet.toml"
    config.write_text(NETWORK_TOML)

    code = run(
        ["--config", str(config), "--once"], services(tmp_path, {"XDG_DATA_HOME": str(tmp_path / "data")})
    )

    expected = tmp_path / "data" / "aztec-butler" / "devnet-scrape-config.json"
    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {expected}: scraper config not found: write it with `aztec-butler generate-scraper-config` "
        "or `prepare-deployment`, or pass --scraper-config PATH"
    ]


def test_without_a_config_it_suggests_only_what_the_scraper_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--once"], services(tmp_path, {})) == 2

    said = capsys.readouterr().err
    assert said.splitlines() == [
        "error: no network config: pass --config NETWORK.toml or set AZTEC_BUTLER_CONFIG"
    ]
    assert "--network" not in said

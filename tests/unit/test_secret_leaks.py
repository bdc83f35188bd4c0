"""Secrets planted in every input path and every server answer never leave the process, whole or in
part; and the console secret store shows keys only on a run that writes its public file."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain import redaction
from butler.domain.errors import ButlerError
from butler.domain.redaction import MASK, key_shaped, one_line, redact
from butler.entrypoints import cli, console
from butler.entrypoints.console import RedactingStream, exit_with
from tests.unit.command_world import real_services

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
KEY = "0x410d" + "7c" * 29 + "29cb"
SECRETS = {
    "private key": KEY,
    "private key without 0x": KEY[2:],
    "private key with a digit lost": KEY[:-1],
    "private key in decimal": str(int(KEY, 16)),
    "JWT API key": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYWZlLWFwaSIsImlhdCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlMTIz",
    "hex token": "a3f9" * 10,
    "scraper token": "Zq81mP0xT7vLr2kW9sYb4NcE",
}


def pieces(secret: str) -> list[str]:
    """Every 8-character part of `secret`: none may show."""
    body = secret.removeprefix("0x")
    return [body[i : i + 8] for i in range(0, len(body) - 7, 4)]


def assert_hidden(text: str, secret: str) -> None:
    assert secret not in text
    shown = [piece for piece in pieces(secret) if piece in text]
    assert not shown, f"parts of the secret show: {shown} in {text!r}"


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
@pytest.mark.parametrize(
    "template",
    [
        "{}",
        "error: {}: file not found",
        "/home/op/keys/{}/prod.json: cannot read",
        "rpc https://node/v3/{}: failed",
        "https://node/?apikey={}&x=1",
        '{{"detail": "Authorization: Bearer {}"}}',
        "token={}",
        "key:{}.",
    ],
)
def test_a_secret_is_masked_wherever_it_stands(secret: str, template: str) -> None:
    text = template.format(secret)

    assert_hidden(redact(text), secret)


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
@pytest.mark.parametrize("limit", [20, 41, 60, 100, 200])
def test_cutting_a_message_short_never_leaves_part_of_a_secret(secret: str, limit: int) -> None:
    for padding in range(0, 200, 7):
        text = "x" * padding + f" Authorization: Bearer {secret} and more words after it"
        assert_hidden(one_line(text, limit), secret)


def test_public_values_stay_readable() -> None:
    text = (
        "/data/devnet-scrape-config.json: attester 0x5FAC75C9bD29CDf5599C74e31A8a88850a573748: "
        "ACTIVE -> NO_LONGER_ACTIVE; a bearer token is required; 12 attesters, 1000000000000000000 wei"
    )
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        (KEY, True),
        (KEY[2:-1], True),
        (f"note: remember {KEY} later", True),
        (str(int(KEY, 16)), True),
        ("0x5FAC75C9bD29CDf5599C74e31A8a88850a573748", False),
        ("2026-01-01T00:00:00Z", False),
    ],
)
def test_the_key_screen_sees_keys_in_any_form(text: str, shaped: bool) -> None:
    assert key_shaped(text) is shaped


# --- through the command line ------------------------------------------------------------------


def run_as_process(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> int:
    """`aztec-butler ARGS` as its main() runs it: stderr passes the process's redaction."""
    monkeypatch.setattr(sys, "argv", ["aztec-butler", *argv])
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # restored after the test, wrapper or not
    with pytest.raises(SystemExit) as exited:
        exit_with(cli.run)
    assert isinstance(sys.stderr, RedactingStream)
    return int(exited.value.code or 0)


@pytest.mark.parametrize("secret", [KEY, SECRETS["JWT API key"]], ids=["key", "jwt"])
@pytest.mark.parametrize(
    "argv",
    [
        ["process-private-keys", "{}", "--offline"],
        ["process-private-keys", "keys.json", "--offline", "-o", "{}/out.json"],
        ["prepare-deployment", "-p", "{}", "-k", "x", "-a", "y", "--config", "c.toml"],
        ["prepare-deployment", "-p", "x", "-k", "y", "-a", "z", "-H", "{}"],
        ["fund-publishers", "--scraper-config", "{}", "--config", "{}"],
        ["scrape-coinbases", "--start-block", "{}"],
        ["{}"],
    ],
)
def test_a_secret_given_as_an_argument_is_never_echoed(
    secret: str,
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run_as_process(monkeypatch, [arg.format(secret) for arg in argv])

    err = capfd.readouterr().err
    assert code in (1, 2)
    assert MASK in err or "error" in err
    assert_hidden(err, secret)


def test_a_full_disk_shows_no_key_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reference_dir: Path
) -> None:
    shutil.copy(reference_dir / PHASE1, tmp_path / "keys.json")
    validators = json.loads((tmp_path / "keys.json").read_text())["validators"]

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)

    assert (
        cli.run(["process-private-keys", str(tmp_path / "keys.json"), "--offline"], real_services(tmp_path))
        == 1
    )

    err = capsys.readouterr().err
    assert "CONSOLE SECRET STORE" not in err
    for validator in validators:
        assert validator["attester"]["eth"][2:].lower() not in err.lower()
        assert validator["attester"]["bls"][2:].lower() not in err.lower()
    assert "No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json"]


def test_a_secret_this_run_read_is_masked_even_where_it_looks_like_a_plain_word(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(console, "_known_secrets", set())
    console.note("the server echoed scrape-me-7Qx back")
    assert "scrape-me-7Qx" in capsys.readouterr().err, "unknown, and not shaped like a secret"

    console.remember_secret("scrape-me-7Qx")
    console.note("the server echoed scrape-me-7Qx back")
    console.report_error(ButlerError("Authorization: SCRAPE-ME-7QX refused"))

    err = capsys.readouterr().err
    assert "scrape-me-7Qx".lower() not in err.lower()
    assert err.count(MASK) == 2


@given(
    key=st.binary(min_size=32, max_size=32),
    before=st.text(max_size=60),
    after=st.text(max_size=60),
    form=st.sampled_from(["0x", "bare", "upper", "decimal"]),
    limit=st.integers(min_value=10, max_value=250),
)
def test_a_key_anywhere_in_any_text_never_shows_after_redaction_and_cutting(
    key: bytes, before: str, after: str, form: str, limit: int
) -> None:
    if int.from_bytes(key, "big") < 16**60:
        return  # too short to be told from other numbers: real keys have about 64 digits
    written = {
        "0x": "0x" + key.hex(),
        "bare": key.hex(),
        "upper": key.hex().upper(),
        "decimal": str(int.from_bytes(key, "big")),
    }[form]
    text = f"{before}{written}{after}"

    for shown in (redact(text), one_line(text, limit)):
        body = written.removeprefix("0x")
        assert not any(body[i : i + 12] in shown for i in range(len(body) - 11))


def test_a_value_marked_shown_passes_only_as_a_whole_word_and_never_as_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redaction, "_SHOWN", set())
    digest = redaction.shown("0x" + "5e" * 32)

    assert redact(f"proposed at nonce 3: {digest}") == f"proposed at nonce 3: {digest}"
    assert redact(f"tx {digest.upper()[2:]}") == f"tx {MASK}", "not the marked word"
    assert redact(f"key {digest}{'ab' * 8}") == f"key {MASK}", "part of a longer run of digits"
    assert redact(f"{digest} and {KEY}") == f"{digest} and {MASK}", "other key-shaped text keeps the rule"
    assert redact(f"echo {digest}", known=[digest]) == f"echo {MASK}", "a secret this run read stays masked"
    assert redact("\ue0000\ue001 " + KEY) == f" {MASK}", "a placeholder sent from outside stands for nothing"

"""Secrets come from the environment or a key file, and never show up in errors or reprs."""

from __future__ import annotations

import pytest

from butler.adapters.secrets.sources import safe_api_key, safe_proposer_key, scraper_token
from butler.domain.config import SecretSources
from butler.domain.errors import UsageError

KEY = "0x" + "ab" * 32


def test_environment_wins_over_the_configured_file(tmp_path):
    key_file = tmp_path / "proposer.key"
    key_file.write_text("0x" + "01" * 32 + "\n")
    sources = SecretSources(safe_proposer_key_file=str(key_file))
    assert safe_proposer_key(sources, {}).reveal_hex() == "0x" + "01" * 32
    assert safe_proposer_key(sources, {"AZTEC_BUTLER_SAFE_PROPOSER_KEY": KEY}).reveal_hex() == KEY


def test_no_source_means_no_secret():
    assert safe_proposer_key(SecretSources(), {}) is None
    assert safe_api_key(SecretSources(), {}) is None


def test_a_bad_key_names_its_source_not_its_content(tmp_path):
    key_file = tmp_path / "proposer.key"
    key_file.write_text(KEY + "ff")
    with pytest.raises(UsageError) as failure:
        safe_proposer_key(SecretSources(safe_proposer_key_file=str(key_file)), {})
    assert str(failure.value).startswith("the key file named by safe_proposer_key_file in the network config")
    assert "ab" * 8 not in str(failure.value)
    with pytest.raises(UsageError, match=r"\$AZTEC_BUTLER_SAFE_PROPOSER_KEY") as failure:
        safe_proposer_key(SecretSources(), {"AZTEC_BUTLER_SAFE_PROPOSER_KEY": KEY[:-1]})
    assert "ab" * 8 not in str(failure.value)


def test_a_missing_key_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="key file not found"):
        safe_api_key(SecretSources(safe_api_key_file=str(tmp_path / "none")), {})


def test_api_key_is_never_shown(tmp_path):
    token = "sk_live_very_secret_token"
    secret = safe_api_key(SecretSources(), {"AZTEC_BUTLER_SAFE_API_KEY": token})
    assert secret.reveal() == token
    assert token not in repr(secret) and token not in str(secret) and token not in f"{secret}"
    with pytest.raises(UsageError, match="one token"):
        safe_api_key(SecretSources(), {"AZTEC_BUTLER_SAFE_API_KEY": "two words"})


PASTED = [
    "0x410d" + "9e" * 29 + "29cb",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    "tok3n-scrape-me",
]


@pytest.mark.parametrize("pasted", PASTED)
@pytest.mark.parametrize(
    ("read", "variable"),
    [
        (lambda environ: safe_proposer_key(SecretSources(), environ), "AZTEC_BUTLER_SAFE_PROPOSER_KEY_FILE"),
        (lambda environ: safe_api_key(SecretSources(), environ), "AZTEC_BUTLER_SAFE_API_KEY_FILE"),
        (scraper_token, "AZTEC_BUTLER_SCRAPER_TOKEN_FILE"),
    ],
)
def test_a_secret_given_where_a_file_name_belongs_is_never_echoed(read, variable, pasted):
    with pytest.raises(UsageError) as failure:
        read({variable: pasted})
    assert pasted not in str(failure.value)
    assert pasted[:8] not in str(failure.value) and pasted[-4:] not in str(failure.value)
    assert str(failure.value).startswith(f"${variable}: ")


@pytest.mark.parametrize("pasted", PASTED)
def test_a_secret_given_as_the_configured_key_file_is_never_echoed(pasted):
    for read in (safe_proposer_key, safe_api_key):
        sources = SecretSources(safe_proposer_key_file=pasted, safe_api_key_file=pasted)
        with pytest.raises(UsageError) as failure:
            read(sources, {})
        assert pasted not in str(failure.value) and pasted[-4:] not in str(failure.value)
        assert "in the network config: key file not found" in str(failure.value)

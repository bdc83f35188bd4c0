"""Reading the few secrets the CLI needs (Safe proposer key, Safe API key).

They come only from an environment variable or from a key file named in the config or the environment,
and are never printed: errors name the variable or the config setting they came from, never the content
and never the file name either (a secret pasted where a file name belongs must not be echoed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from butler.domain.config import SecretSources
from butler.domain.errors import UsageError
from butler.domain.keys import EthSecretKey, KeyFormatError, parse_eth_secret_key
from butler.domain.secret_text import SecretText

PROPOSER_KEY_ENV = "AZTEC_BUTLER_SAFE_PROPOSER_KEY"
PROPOSER_KEY_FILE_ENV = "AZTEC_BUTLER_SAFE_PROPOSER_KEY_FILE"
API_KEY_ENV = "AZTEC_BUTLER_SAFE_API_KEY"
API_KEY_FILE_ENV = "AZTEC_BUTLER_SAFE_API_KEY_FILE"
SCRAPER_TOKEN_ENV = "AZTEC_BUTLER_SCRAPER_TOKEN"  # noqa: S105 - a variable name, not a token
SCRAPER_TOKEN_FILE_ENV = "AZTEC_BUTLER_SCRAPER_TOKEN_FILE"  # noqa: S105


def _read(
    value_env: str,
    file_env: str,
    config_file: str | None,
    environ: Mapping[str, str],
    *,
    kind: str = "key file",
    config_setting: str = "",
) -> tuple[str, str] | None:
    """(text, where it came from) or None when no source is set. The environment wins over the config."""
    if environ.get(value_env):
        return environ[value_env].strip(), f"${value_env}"
    if environ.get(file_env):
        path_text, named_by = environ[file_env], f"${file_env}"
    elif config_file:
        path_text, named_by = config_file, f"{config_setting} in the network config"
    else:
        return None
    path = Path(path_text).expanduser()
    where = f"the {kind} named by {named_by}"
    try:
        return path.read_text(encoding="utf-8").strip(), where
    except FileNotFoundError:
        raise UsageError(f"{named_by}: {kind} not found (the name is not repeated here)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{named_by}: cannot read {kind}: {type(exc).__name__}") from None


def safe_proposer_key(sources: SecretSources, environ: Mapping[str, str]) -> EthSecretKey | None:
    found = _read(
        PROPOSER_KEY_ENV,
        PROPOSER_KEY_FILE_ENV,
        sources.safe_proposer_key_file,
        environ,
        config_setting="safe_proposer_key_file",
    )
    if found is None:
        return None
    text, where = found
    try:
        return parse_eth_secret_key(text)
    except KeyFormatError as exc:
        raise UsageError(f"{where}: Safe proposer key: {exc}") from None


def safe_api_key(sources: SecretSources, environ: Mapping[str, str]) -> SecretText | None:
    found = _read(
        API_KEY_ENV, API_KEY_FILE_ENV, sources.safe_api_key_file, environ, config_setting="safe_api_key_file"
    )
    if found is None:
        return None
    text, where = found
    if not text or any(c.isspace() for c in text):
        raise UsageError(f"{where}: Safe API key: expected one token without spaces")
    return SecretText(text)


def scraper_token(environ: Mapping[str, str]) -> SecretText | None:
    """The bearer token the scraper's /metrics requires, from the environment or a file it names."""
    found = _read(SCRAPER_TOKEN_ENV, SCRAPER_TOKEN_FILE_ENV, None, environ, kind="token file")
    if found is None:
        return None
    text, where = found
    # It travels in an HTTP header: visible ASCII only.
    if not text or not all("!" <= c <= "~" for c in text):
        raise UsageError(f"{where}: the scraper token must be one word of visible ASCII characters")
    return SecretText(text)

"""The one rule that masks secrets in any text leaving the process: errors, logs, a server's words.

Masked wherever they appear, whatever surrounds them (a path, a url, a JSON answer):
- the value after a credential's name (`Authorization: Bearer …`, `apikey=…`, `"token": "…"`, …),
  and a credential-shaped word after `Bearer` or `Basic`;
- hex runs of 48 digits or more, with or without 0x (a private key, also with a digit lost or more
  around it); an address (40 digits) stays readable;
- decimal numbers of 40 digits or more (a private key written as a number);
- runs of base64/url-safe characters holding a token-like word (20 or more letters and digits mixed:
  API keys, JWTs), unless the run holds an address;
- any text given in `known` (the secrets this run read), case-insensitively.

Truncating for a one-line message happens after masking (`one_line`), so no cut can leave part of a
secret behind. A hash or a BLS public key in text from outside is hidden with them: better a hash hidden
than a key shown. The values given in `shown` are the exception: hashes and public keys the command itself
produced and prints on purpose (a proposal's safeTxHash, a transaction hash), marked with `shown` where
they are formatted. They pass the shape rules where they stand as whole words, never inside a longer run
of digits, and never when they are one of the `known` secrets; text from outside keeps the whole rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "<redacted>"

# The values `shown` marked, for the life of the process: a value is marked where the code that made it
# formats it, and masked or not wherever the text then travels (an error raised through three layers).
# Only ever public values of our own making are added, so the set can only let public values through.
_SHOWN: set[str] = set()


def shown(value: str) -> str:
    """`value`, a hash or public key the code itself produced and prints on purpose, marked so that the
    rule lets it through where it stands as a whole word. Never for text from outside."""
    _SHOWN.add(value)
    return value


_NAMED = re.compile(
    r"(?i)(\b(?:authorization|token|access[_-]?token|api[_-]?key|apikey|x-api-key|secret|password|passwd"
    r"|private[_-]?key|proposer[_-]?key)\b[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+)?)"
    r"([^\s\"'&,;)}\]]+)"
)
# After "Bearer" only what looks like a credential (a digit in it, or long): not "a bearer token is ...".
_BEARER = re.compile(
    r"(?i)(\b(?:bearer|basic)\s+)([A-Za-z0-9._~+/=-]*[0-9][A-Za-z0-9._~+/=-]*|[A-Za-z0-9._~+/=-]{16,})"
)
_HEX = re.compile(r"(?<![0-9A-Za-z])(?:0[xX])?[0-9a-fA-F]{48,}(?![0-9A-Za-z])|[0-9a-fA-F]{48,}")
# Not inside a hex word (an address of mostly digits): the hex and token rules see those.
_DECIMAL = re.compile(r"(?<![0-9A-Fa-fxX])\d{40,}(?![0-9A-Fa-f])")
# Words are cut at "/" too, so that a path stays readable (its parts are rarely 20 mixed characters).
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+=_.-]{20,}")
_TOKEN_WORD = re.compile(r"[A-Za-z0-9+=]{20,}")
_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")


def redact(text: str, known: Iterable[str] = ()) -> str:
    for secret in sorted((s for s in known if len(s) >= 4), key=len, reverse=True):
        text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
    text, kept = _set_aside(text, _SHOWN)
    text = _NAMED.sub(lambda m: m.group(1) + MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _HEX.sub(MASK, text)
    text = _DECIMAL.sub(MASK, text)
    text = _TOKEN_RUN.sub(_mask_token_words, text)
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


# Private-use characters: no rule matches across them, and no value we show holds them.
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def _set_aside(text: str, shown: Iterable[str]) -> tuple[str, list[str]]:
    """`text` with each whole-word occurrence of a `shown` value replaced by a placeholder, and the values
    the placeholders stand for."""
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\ue000{len(kept) - 1}\ue001"

    text = _PLACEHOLDER.sub("", text)  # a placeholder arriving in the text itself stands for nothing
    for value in sorted((v for v in shown if len(v) >= 4), key=len, reverse=True):
        text = re.sub(f"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", hold, text, flags=re.IGNORECASE)
    return text, kept


def key_shaped(text: str) -> bool:
    """Whether `text` holds, anywhere, a run of hex or decimal digits long enough to be a private key."""
    return _HEX.search(text) is not None or _DECIMAL.search(text) is not None


def one_line(text: str, limit: int = 160, known: Iterable[str] = ()) -> str:
    """`text` redacted, on one line of printable characters, then cut to `limit` characters."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in redact(text, known)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _mask_token_words(run: re.Match[str]) -> str:
    """The whole run when one word of it is token-like: a JWT's short signature goes with its body."""
    text = run.group(0)
    if MASK in text or _ADDRESS.search(text):
        return text
    return MASK if any(_is_token(word.group(0)) for word in _TOKEN_WORD.finditer(text)) else text


def _is_token(word: str) -> bool:
    return any(c.isdigit() for c in word) and any(c.isalpha() for c in word)

"""Rate limits in JSON-RPC answers: hosted nodes answer HTTP 200 with an error object that says so."""

from __future__ import annotations

import re
from typing import Any

# JSON-RPC error codes hosted services use for nothing but rate limits (see `is_rate_limit`).
RATE_LIMIT_CODES = frozenset({429, -32007, -32029, -32090})
# Infura's "limit exceeded": a rate limit, but also its answer to an eth_getLogs result that is too large.
_LIMIT_EXCEEDED_CODE = -32005
_RATE_LIMIT_MESSAGE = re.compile(
    r"\brate[\s_-]?limit|\btoo many requests\b|\brequest limit\b|\brequest count\b|\bper second\b"
    r"|\bquota\b|\bcredits\b"
    r"|\bexceeded\b.*\b(?:capacity|rate)\b|\b(?:capacity|rate)\b.*\bexceeded\b"
)


def is_rate_limit(error: Any) -> bool:
    """Whether a JSON-RPC error object says the service is rate limiting us (so asking again later helps).

    Hosted services answer with HTTP 200 and such an error object rather than HTTP 429:
      429     Alchemy ("Your app has exceeded its compute units per second capacity ...");
      -32005  Infura ("daily request count exceeded, request rate limited", data.rate.backoff_seconds);
              the same code is Infura's answer to an eth_getLogs result that is too large, so it counts
              only with rate-limit words in the message or a backoff hint in its data;
      -32007  "request limit reached" (QuickNode and others);
      -32029  "Too many requests";
      -32090  Chainstack ("Too Many Requests").
    Any other code counts when the message clearly says so ("rate limit", "too many requests", "request
    limit", "request count", "per second", "quota", "credits", "exceeded" with "capacity" or "rate"). A
    revert (code 3, revert data, "revert" in the message) never does.
    """
    if not isinstance(error, dict):
        return False
    code = error.get("code")
    message = str(error.get("message", "")).lower()
    data = error.get("data")
    if code == 3 or "revert" in message or (isinstance(data, str) and data.startswith("0x")):
        return False
    says_so = _RATE_LIMIT_MESSAGE.search(message) is not None
    if code == _LIMIT_EXCEEDED_CODE:
        return says_so or backoff_hint(error) is not None
    return code in RATE_LIMIT_CODES or says_so


def backoff_hint(error: Any) -> float | None:
    """Seconds a rate-limit error object asks us to wait: Infura's data.rate.backoff_seconds (or, in
    its older answers, data.backoff_seconds); None when it does not say."""
    data = error.get("data") if isinstance(error, dict) else None
    if not isinstance(data, dict):
        return None
    rate = data.get("rate")
    for holder in (rate if isinstance(rate, dict) else {}, data):
        seconds = holder.get("backoff_seconds")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and 0 <= seconds < float("inf"):
            return float(seconds)
    return None

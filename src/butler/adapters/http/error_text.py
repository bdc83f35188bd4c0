"""What an HTTP client's errors may say about the server: its url as `scheme://host[:port]` only, and
its own words on one line with every secret masked by the domain's one rule (`domain.redaction`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from butler.domain import redaction

_TAG = re.compile(r"<[^>]*>")


def redact_url(url: str) -> str:
    """`scheme://host[:port]` only: paths, queries and user info of service urls often carry API keys."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "<invalid url>"
    if not parts.scheme or not host:
        return "<invalid url>"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def page_text(page: str) -> str:
    """The words of an error page a gateway answered with (HTML), without its tags."""
    return _TAG.sub(" ", page)


def server_words(text: str, limit: int, known: Iterable[str] = ()) -> str:
    """A server's own words fit for a one-line error: every secret masked (the domain's rule, and the
    `known` secrets this client holds, in every form it may be echoed), then cut to `limit`."""
    return redaction.one_line(text, limit, known=[form for secret in known for form in _forms(secret)])


def _forms(secret: str) -> list[str]:
    """A secret as a server may echo it: a `0x`-prefixed hex secret also without its prefix."""
    return [secret, secret[2:]] if secret.startswith(("0x", "0X")) else [secret]

"""Where a network's node and Safe Transaction Service answer."""

from __future__ import annotations

import attrs


@attrs.frozen
class Endpoints:
    """Where a network's node and Safe Transaction Service answer: infrastructure, kept beside the
    network's settings rather than in them. Out of every repr: such URLs often carry an API key in their
    path or query."""

    rpc_url: str = attrs.field(repr=False)
    safe_tx_service_url: str | None = attrs.field(default=None, repr=False)

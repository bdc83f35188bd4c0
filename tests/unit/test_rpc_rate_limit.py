"""Which JSON-RPC error objects the transport takes for a rate limit (and so sends again later)."""

from __future__ import annotations

from typing import Any

import pytest

from butler.adapters.chain.rate_limits import backoff_hint, is_rate_limit

INFURA = {
    "code": -32005,
    "message": "daily request count exceeded, request rate limited",
    "data": {"see": "https://infura.io/dashboard", "rate": {"allowed_rps": 1, "backoff_seconds": 30}},
}


@pytest.mark.parametrize(
    "error",
    [
        INFURA,
        {"code": -32005, "message": "project ID request rate exceeded", "data": {"backoff_seconds": 30.0}},
        {"code": -32005, "message": "limit exceeded", "data": {"rate": {"backoff_seconds": 1}}},
        {"code": 429, "message": "Your app has exceeded its compute units per second capacity."},
        {"code": 429, "message": "Monthly capacity limit exceeded."},
        {"code": -32007, "message": "100/second request limit reached - reduce calls per second"},
        {"code": -32029, "message": "Too many requests"},
        {"code": -32090, "message": "Too Many Requests"},
        {"code": -32000, "message": "rate limit exceeded"},
        {"code": -32016, "message": "Over rate-limit, slow down"},
        {"code": -32603, "message": "request limit reached"},
        {"code": -32000, "message": "You have exceeded your daily quota"},
        {"code": -32001, "message": "Not enough compute credits left this month"},
    ],
)
def test_rate_limits_of_hosted_services_are_recognised(error: dict[str, Any]) -> None:
    assert is_rate_limit(error)


@pytest.mark.parametrize(
    "error",
    [
        {"code": 3, "message": "execution reverted", "data": "0x08c379a0"},
        {"code": 3, "message": "too many requests"},
        {"code": 429, "message": "execution reverted: rate limit"},
        {"code": -32090, "message": "rate limited", "data": "0x4e487b71"},
        {"code": -32005, "message": "query returned more than 10000 results"},
        {"code": -32005, "message": "limit exceeded"},
        {
            "code": -32602,
            "message": "Log response size exceeded. You can make eth_getLogs requests with up to a 2K "
            "block range",
        },
        {"code": -32000, "message": "exceed maximum block range: 3"},
        {"code": -32000, "message": "block gas limit exceeded; separate the calls"},
        {"code": -32601, "message": "the method eth_foo does not exist/is not available"},
        {"code": -32000, "message": "header not found"},
        "rate limited",
        None,
    ],
)
def test_other_errors_are_not_taken_for_rate_limits(error: Any) -> None:
    assert not is_rate_limit(error)


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (INFURA, 30.0),
        ({"code": -32005, "data": {"backoff_seconds": 2}}, 2.0),
        ({"code": 429, "message": "Too many requests"}, None),
        ({"code": 429, "data": {"rate": {"backoff_seconds": -1}}}, None),
        ({"code": 429, "data": {"rate": {"backoff_seconds": True}}}, None),
        ({"code": 429, "data": {"rate": {"backoff_seconds": float("nan")}}}, None),
        ({"code": 429, "data": "0x"}, None),
    ],
)
def test_the_backoff_hint_is_read_from_infura_style_data_only(
    error: dict[str, Any], hint: float | None
) -> None:
    assert backoff_hint(error) == hint

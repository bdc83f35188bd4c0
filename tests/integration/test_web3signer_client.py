"""The web3signer client against a local HTTP stand-in: the key list, retries of a signer that is busy
or unreachable, and one-line errors that never show the URL's path or query (they may carry a token)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator

import pytest
from eth_account import Account
from eth_keys import keys as eth_keys

from butler.adapters.web3signer import Web3SignerClient, public_keys_url
from butler.domain.address import Address
from butler.domain.errors import ButlerError, InputError
from tests.integration.web3signer_stub import PUBLIC_KEYS_PATH, Web3SignerStub, running_web3signer

SECRET_QUERY = "?token=SECRETTOKEN"
KEYS = [f"0x{0xABC0 + n:064x}" for n in range(3)]
BACKOFF = 0.25  # the client's first wait when the signer names none


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client(url: str, sleeps: Sleeps | None = None) -> Web3SignerClient:
    return Web3SignerClient(url, sleep=sleeps if sleeps is not None else Sleeps())


@pytest.fixture
def signer() -> Iterator[Web3SignerStub]:
    with running_web3signer() as stub:
        yield stub


def public_hex(key: str) -> str:
    return eth_keys.PrivateKey(bytes.fromhex(key[2:])).public_key.to_hex()


def test_the_key_list_gives_the_signers_addresses(signer: Web3SignerStub) -> None:
    signer.keys = [public_hex(k) for k in KEYS]
    client = Web3SignerClient(signer.url + "/")
    assert [k.address for k in client.public_keys()] == [
        Address.parse(Account.from_key(k).address) for k in KEYS
    ]
    assert signer.paths == [PUBLIC_KEYS_PATH]
    assert client.source == f"web3signer {signer.url}"


def test_the_endpoint_is_appended_once_and_a_query_is_kept() -> None:
    assert public_keys_url("https://s:9000/base/?t=1") == "https://s:9000/base/api/v1/eth1/publicKeys?t=1"
    assert public_keys_url("http://s" + PUBLIC_KEYS_PATH) == "http://s" + PUBLIC_KEYS_PATH


@pytest.mark.parametrize(
    ("arrange", "error", "message"),
    [
        (lambda s: setattr(s, "status", 500), ButlerError, "answered HTTP 500"),
        (lambda s: setattr(s, "body", b"<html>"), InputError, "the answer is not JSON"),
        (lambda s: setattr(s, "keys", ["0x04" + "11" * 64]), InputError, "[0]: not a point of secp256k1"),
        (lambda s: setattr(s, "keys", {"keys": []}), InputError, "top level: expected a JSON list"),
    ],
    ids=["http-error", "not-json", "bad-key", "not-a-list"],
)
def test_what_goes_wrong_is_told_in_one_line_without_the_token(
    signer: Web3SignerStub, arrange, error: type[Exception], message: str
) -> None:
    arrange(signer)
    with pytest.raises(error) as failure:
        client(signer.url + SECRET_QUERY).public_keys()
    (line,) = failure.value.problems
    assert line.startswith(f"web3signer {signer.url}: GET {PUBLIC_KEYS_PATH}: ")
    assert message in line
    assert "SECRETTOKEN" not in line


def test_a_wrong_base_url_is_hinted(signer: Web3SignerStub) -> None:
    with pytest.raises(ButlerError, match="HTTP 404: is this the signer's base URL"):
        Web3SignerClient(signer.url + "/wrong" + PUBLIC_KEYS_PATH + "/x").public_keys()


def test_a_signer_that_cannot_be_reached_is_tried_again_then_told_in_one_line(closed_port: int) -> None:
    sleeps = Sleeps()
    with pytest.raises(ButlerError) as failure:
        client(f"http://127.0.0.1:{closed_port}/{SECRET_QUERY}", sleeps).public_keys()
    assert failure.value.problems == (
        f"web3signer http://127.0.0.1:{closed_port}: GET {PUBLIC_KEYS_PATH}: failed after 3 attempts: "
        "connection failed (ConnectionError)",
    )
    assert sleeps.delays == [BACKOFF, 2 * BACKOFF]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_busy_signer_is_asked_again_as_long_as_its_retry_after_says(
    signer: Web3SignerStub, status: int
) -> None:
    signer.keys = [public_hex(KEYS[0])]
    signer.failures = [(status, {"Retry-After": "7"}), (status, {})]
    sleeps = Sleeps()
    (key,) = client(signer.url, sleeps).public_keys()
    assert key.address == Address.parse(Account.from_key(KEYS[0]).address)
    assert signer.paths == [PUBLIC_KEYS_PATH] * 3
    assert sleeps.delays == [7.0, 2 * BACKOFF]


def test_a_retry_after_given_as_a_date_is_waited_for_until_then(signer: Web3SignerStub) -> None:
    signer.keys = [public_hex(KEYS[0])]
    signer.failures = [(503, {"Retry-After": email.utils.formatdate(time.time() + 30, usegmt=True)})]
    sleeps = Sleeps()
    client(signer.url, sleeps).public_keys()
    (delay,) = sleeps.delays
    assert 25 < delay <= 30


def test_a_signer_busy_on_every_attempt_is_told_with_its_last_answer(signer: Web3SignerStub) -> None:
    signer.failures = [(503, {})] * 3
    with pytest.raises(ButlerError) as failure:
        client(signer.url + SECRET_QUERY).public_keys()
    assert failure.value.problems == (
        f"web3signer {signer.url}: GET {PUBLIC_KEYS_PATH}: failed after 3 attempts: answered HTTP 503",
    )
    assert len(signer.paths) == 3


def test_a_refusal_is_not_asked_again(signer: Web3SignerStub) -> None:
    signer.status = 403
    with pytest.raises(ButlerError, match=r"answered HTTP 403$"):
        client(signer.url).public_keys()
    assert signer.paths == [PUBLIC_KEYS_PATH]

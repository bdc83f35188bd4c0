"""The Safe Transaction Service adapter against a small local HTTP stub that can misbehave on cue:
wire format, bearer token, nonce rules, paging, retries only where they are safe, one-line errors that
never carry a secret."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest
from eth_keys.datatypes import Signature

from butler.adapters.endpoints import Endpoints
from butler.adapters.safe.tx_service import SafeTxServiceMultisig
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ButlerError, UsageError
from butler.domain.keys import EthSecretKey, attester_address
from butler.domain.safe import Operation, SafeCall, SafeTransaction, safe_tx_hash
from butler.domain.secret_text import SecretText
from butler.entrypoints.calldata_output import report_proposals
from butler.entrypoints.console import RedactingStream, report_error

CHAIN_ID = 11155111
SAFE = Address.parse("0x41675C099F32341bf84BFc5382aF534df5C7461a")
KEY = EthSecretKey(0x5AFE_C0DE_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0001)
TOKEN = "tok_3xample-api-key-value"
SAFE_PATH = f"/api/v1/safes/{SAFE.checksum}/"
LIST_PATH = f"/api/v2/safes/{SAFE.checksum}/multisig-transactions/"


@attrs.frozen
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = attrs.Factory(dict)
    store: bool = False  # for a POST: keep the proposal although the answer is an error
    drop: bool = False  # close the connection without answering


@attrs.frozen
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class StubService:
    """A Safe Transaction Service that stores proposals, lists them, and answers `queued` answers first."""

    def __init__(self) -> None:
        self.nonce: int | str = 0
        self.chain_id: int | None = None  # None: no about/ethereum-rpc endpoint (404)
        self.page_size = 100
        self.listed: list[dict[str, Any]] = []
        self.queued: dict[tuple[str, str], list[Answer]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StubService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def queue(self, method: str, path_kind: str, *answers: Answer) -> None:
        self.queued.setdefault((method, path_kind), []).extend(answers)

    def requests(self, method: str, path: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.method == method and (path is None or s.path == path)]

    def list_tx(
        self, tx: SafeTransaction, *, executed: bool = False, safe_tx_hash_text: str | None = None
    ) -> None:
        digest = safe_tx_hash(tx, CHAIN_ID, SAFE)
        self.listed.append(
            {
                "safe": SAFE.checksum,
                "to": tx.to.checksum,
                "value": str(tx.value),
                "data": "0x" + tx.data.hex() if tx.data else None,
                "operation": int(tx.operation),
                "gasToken": tx.gas_token.checksum,
                "safeTxGas": tx.safe_tx_gas,
                "baseGas": tx.base_gas,
                "gasPrice": str(tx.gas_price),
                "refundReceiver": tx.refund_receiver.checksum,
                "nonce": tx.nonce,
                "safeTxHash": safe_tx_hash_text or "0x" + digest.hex(),
                "isExecuted": executed,
            }
        )

    # --- routing -------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        kind = self._kind(path)
        with self._lock:
            queued = self.queued.get((method, kind))
            if queued:
                answer = queued.pop(0)
                if answer.store and method == "POST":
                    self._store(body)
                return answer
        if method == "POST" and kind == "list":
            self._store(body)
            return Answer(201)
        if kind == "about":
            if self.chain_id is None:
                return Answer(404, {"detail": "Not found."})
            return Answer(200, {"chain_id": self.chain_id, "syncing": False})
        if kind == "safe":
            return Answer(200, {"address": SAFE.checksum, "nonce": self.nonce, "threshold": 1})
        if kind == "list":
            return self._page(query)
        if kind == "one":
            wanted = path.split("/")[-2]
            found = [item for item in self.listed if item["safeTxHash"] == wanted]
            return Answer(200, found[0]) if found else Answer(404, {"detail": "Not found."})
        return Answer(404, {"detail": "Not found."})

    def _kind(self, path: str) -> str:
        if path == "/api/v1/about/ethereum-rpc/":
            return "about"
        if path == SAFE_PATH:
            return "safe"
        if path == LIST_PATH:
            return "list"
        if path.startswith("/api/v1/multisig-transactions/"):
            return "one"
        return "other"

    def _store(self, body: dict[str, Any]) -> None:
        self.listed.append({**body, "safeTxHash": body["contractTransactionHash"], "isExecuted": False})

    def _page(self, query: dict[str, list[str]]) -> Answer:
        offset = int(query.get("offset", ["0"])[0])
        limit = min(int(query.get("limit", ["100"])[0]), self.page_size)
        executed = query.get("executed", [None])[0]
        gte = int(query.get("nonce__gte", ["0"])[0])
        items = [
            item
            for item in self.listed
            if int(item["nonce"]) >= gte and (executed != "false" or not item["isExecuted"])
        ]
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        return Answer(
            200,
            {
                "count": len(items),
                "next": f"http://elsewhere.invalid/?offset={offset + limit}" if more else None,
                "previous": None,
                "results": page,
            },
        )


def _handler(stub: StubService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(json.loads(self.rfile.read(length) or b"null"))

        def _serve(self, body: Any) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            stub.seen.append(Seen(self.command, parts.path, query, dict(self.headers), body))
            answer = stub.answer(self.command, parts.path, query, body)
            if answer.drop:
                self.close_connection = True
                return
            if isinstance(answer.body, str):
                payload, kind = answer.body.encode(), "text/html"
            else:
                payload, kind = (
                    (b"" if answer.body is None else json.dumps(answer.body).encode()),
                    "application/json",
                )
            self.send_response(answer.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def stub() -> Iterator[StubService]:
    service = StubService().start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def delays() -> list[float]:
    return []


def client(stub: StubService, delays: list[float], *, api_key: str | None = TOKEN) -> SafeTxServiceMultisig:
    return SafeTxServiceMultisig(
        service_url=stub.url + "/",
        safe=SAFE,
        chain_id=CHAIN_ID,
        proposer=KEY,
        api_key=SecretText(api_key) if api_key is not None else None,
        sleep=delays.append,
    )


def transfer(n: int) -> SafeCall:
    return SafeCall(Address.from_int(0xA000 + n), n, b"")


def one_problem(error: pytest.ExceptionInfo[ButlerError]) -> str:
    (line,) = error.value.problems
    assert "\n" not in line
    assert TOKEN not in line and KEY.reveal_hex()[2:] not in line.lower()
    return line


# --- the wire format ------------------------------------------------------------------------------


def test_a_proposal_is_posted_in_the_reference_wire_format_with_a_bearer_token(
    stub: StubService, delays: list[float]
) -> None:
    stub.nonce = 4
    call = SafeCall(Address.from_int(0xC0DE), 10**18, bytes.fromhex("c0ffee"), Operation.CALL)

    (proposal,) = client(stub, delays).propose([call])

    (post,) = stub.requests("POST")
    assert post.path == LIST_PATH
    body = post.body
    digest = safe_tx_hash(SafeTransaction.for_call(call, 4), CHAIN_ID, SAFE)
    signature = bytes.fromhex(body.pop("signature")[2:])
    assert body == {
        "to": call.to.checksum,
        "value": "1000000000000000000",
        "data": "0xc0ffee",
        "operation": 0,
        "safeTxGas": "0",
        "baseGas": "0",
        "gasPrice": "0",
        "gasToken": "0x0000000000000000000000000000000000000000",
        "refundReceiver": "0x0000000000000000000000000000000000000000",
        "nonce": 4,
        "contractTransactionHash": "0x" + digest.hex(),
        "sender": attester_address(KEY).checksum,
        "origin": "aztec-butler",
    }
    assert signature[64] in (27, 28)
    signer = Signature(
        vrs=(
            signature[64] - 27,
            int.from_bytes(signature[:32], "big"),
            int.from_bytes(signature[32:64], "big"),
        )
    ).recover_public_key_from_msg_hash(digest)
    assert Address.parse(signer.to_checksum_address()) == attester_address(KEY)
    assert post.headers["Content-Type"] == "application/json"
    assert (proposal.nonce, proposal.safe_tx_hash, proposal.already_pending) == (4, digest, False)
    assert {s.headers.get("Authorization") for s in stub.seen} == {f"Bearer {TOKEN}"}


def test_a_service_url_given_with_its_api_suffix_reaches_the_same_endpoints(
    stub: StubService, delays: list[float]
) -> None:
    multisig = SafeTxServiceMultisig(
        service_url=stub.url + "/api/", safe=SAFE, chain_id=CHAIN_ID, proposer=KEY, sleep=delays.append
    )
    multisig.propose([transfer(1)])
    assert [s.path for s in stub.requests("POST")] == [LIST_PATH]


def test_without_an_api_key_no_authorization_header_is_sent(stub: StubService, delays: list[float]) -> None:
    client(stub, delays, api_key=None).propose([transfer(1)])
    assert all("Authorization" not in s.headers for s in stub.seen)


# --- nonces and pending transactions --------------------------------------------------------------


def test_the_nonce_may_be_a_string_and_comes_after_live_pending_transactions(
    stub: StubService, delays: list[float]
) -> None:
    stub.nonce = "12"
    stub.list_tx(SafeTransaction.for_call(transfer(1), 11))  # replaced at nonce 11: never executable
    stub.list_tx(SafeTransaction.for_call(transfer(2), 12))
    stub.list_tx(SafeTransaction.for_call(transfer(3), 13))
    stub.list_tx(SafeTransaction.for_call(transfer(1), 14), executed=True)

    proposals = client(stub, delays).propose([transfer(1), transfer(3)])

    assert [(p.nonce, p.already_pending) for p in proposals] == [(14, False), (13, True)]
    assert len(stub.requests("POST")) == 1
    (listing,) = stub.requests("GET", LIST_PATH)
    assert listing.query["executed"] == ["false"] and listing.query["nonce__gte"] == ["12"]


def test_pending_transactions_are_read_across_pages_without_following_next(
    stub: StubService, delays: list[float]
) -> None:
    stub.page_size = 2
    for nonce in range(5):
        stub.list_tx(SafeTransaction.for_call(transfer(nonce + 1), nonce))

    (proposal,) = client(stub, delays).propose([transfer(99)])

    assert proposal.nonce == 5
    assert [s.query["offset"] for s in stub.requests("GET", LIST_PATH)] == [["0"], ["2"], ["4"]]


def test_an_identical_pending_proposal_is_reported_and_not_posted(
    stub: StubService, delays: list[float]
) -> None:
    call = SafeCall(Address.from_int(0xB0B), 0, bytes.fromhex("e2530fd1"))
    stub.list_tx(SafeTransaction.for_call(call, 0))

    (proposal,) = client(stub, delays).propose([call])

    assert proposal.already_pending and proposal.nonce == 0
    assert stub.requests("POST") == []


def test_a_listed_transaction_with_a_foreign_hash_means_another_chain_or_safe(
    stub: StubService, delays: list[float]
) -> None:
    stub.list_tx(SafeTransaction.for_call(transfer(1), 0), safe_tx_hash_text="0x" + "ab" * 32)

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(2)])

    assert "does not serve this chain and Safe" in one_problem(caught)
    assert stub.requests("POST") == []


def test_a_service_that_names_another_chain_is_refused(stub: StubService, delays: list[float]) -> None:
    stub.chain_id = 1

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    assert f"serves chain 1, the network config says chain {CHAIN_ID}" in one_problem(caught)
    assert stub.requests("POST") == []


def test_an_unknown_safe_is_named(stub: StubService, delays: list[float]) -> None:
    stub.queue("GET", "safe", Answer(404, {"detail": "Not found."}))

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    line = one_problem(caught)
    assert f"Safe {SAFE.checksum} is unknown to the service" in line and "HTTP 404" in line


# --- errors ----------------------------------------------------------------------------------------


def test_a_refused_proposal_gives_the_status_what_was_done_and_the_services_message(
    stub: StubService, delays: list[float]
) -> None:
    stub.queue(
        "POST",
        "list",
        Answer(422, {"code": 1, "message": "Signer=0x123 is not an owner or delegate", "arguments": []}),
    )

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    line = one_problem(caught)
    assert line.startswith(f"Safe Transaction Service {stub.url}: proposing Safe transaction 0x")
    assert "(nonce 0) failed: HTTP 422: Signer=0x123 is not an owner or delegate" in line
    assert len(stub.requests("POST")) == 1 and delays == []


def test_field_errors_in_django_rest_framework_form_are_shown(stub: StubService, delays: list[float]) -> None:
    stub.queue("POST", "list", Answer(400, {"nonFieldErrors": ["Nonce too low", "try again"]}))

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    assert "HTTP 400: Nonce too low; try again" in one_problem(caught)


def test_a_message_echoing_the_token_or_key_is_redacted(stub: StubService, delays: list[float]) -> None:
    echo = f"invalid token Bearer {TOKEN} for key {KEY.reveal_hex()}"
    stub.queue("GET", "safe", Answer(401, {"detail": echo}))

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    line = one_problem(caught)
    assert "HTTP 401: invalid token Bearer <redacted> for key <redacted>" in line
    assert "check the Safe API key" in line


def test_a_long_html_error_page_becomes_one_short_line(stub: StubService, delays: list[float]) -> None:
    page = "<html><body><h1>Bad request</h1>\n<p>" + "x" * 5000 + "</p></body></html>"
    stub.queue("POST", "list", Answer(400, page))

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    line = one_problem(caught)
    assert "HTTP 400: Bad request x" in line and "<" not in line.split("HTTP 400")[1]
    assert len(line) < 400


def test_a_failure_after_some_proposals_names_those_already_posted(
    stub: StubService, delays: list[float]
) -> None:
    stub.queue("POST", "list", Answer(201, store=True), Answer(422, {"message": "nope"}))

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1), transfer(2)])

    failed, posted = caught.value.problems
    assert "(nonce 1) failed: HTTP 422: nope" in failed
    assert posted.startswith("proposed before the failure: Safe transaction 0x") and "(nonce 0)" in posted


# --- retries --------------------------------------------------------------------------------------


def test_reads_are_retried_with_growing_backoff_on_transient_statuses(
    stub: StubService, delays: list[float]
) -> None:
    stub.queue("GET", "safe", Answer(503, {"detail": "busy"}), Answer(504, "<h1>Gateway Timeout</h1>"))

    (proposal,) = client(stub, delays).propose([transfer(1)])

    assert proposal.nonce == 0
    assert len(stub.requests("GET", SAFE_PATH)) == 3
    assert len(delays) == 2 and 0 < delays[0] < delays[1]


def test_a_rate_limit_is_waited_out_as_the_service_asks(stub: StubService, delays: list[float]) -> None:
    stub.queue("GET", "list", Answer(429, {"detail": "slow down"}, headers={"Retry-After": "7"}))

    client(stub, delays).propose([transfer(1)])

    assert delays == [7.0]


def test_reads_give_up_after_the_last_attempt(stub: StubService, delays: list[float]) -> None:
    stub.queue("GET", "safe", *[Answer(502, "<html><h1>502 Bad Gateway</h1></html>")] * 5)

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    line = one_problem(caught)
    assert "reading Safe" in line and "failed after 5 attempts: HTTP 502: 502 Bad Gateway" in line
    assert len(delays) == 4


def test_a_post_refused_as_unavailable_is_posted_again(stub: StubService, delays: list[float]) -> None:
    stub.queue("POST", "list", Answer(503, {"detail": "maintenance"}))

    (proposal,) = client(stub, delays).propose([transfer(1)])

    assert len(stub.requests("POST")) == 2
    assert [item["safeTxHash"] for item in stub.listed] == ["0x" + proposal.safe_tx_hash.hex()]


def test_a_post_answered_500_is_not_posted_again(stub: StubService, delays: list[float]) -> None:
    stub.queue("POST", "list", Answer(500, {"detail": "Internal Server Error"}))

    with pytest.raises(ButlerError) as caught:
        client(stub, delays).propose([transfer(1)])

    assert "HTTP 500: Internal Server Error" in one_problem(caught)
    assert len(stub.requests("POST")) == 1
    # It asked whether the proposal had been stored before giving up.
    assert len([s for s in stub.requests("GET") if s.path.startswith("/api/v1/multisig-transactions/")]) == 1


def test_a_post_answered_500_that_was_stored_counts_as_proposed(
    stub: StubService, delays: list[float]
) -> None:
    stub.queue("POST", "list", Answer(500, {"detail": "timeout notifying"}, store=True))

    (proposal,) = client(stub, delays).propose([transfer(1)])

    assert not proposal.already_pending
    assert len(stub.requests("POST")) == 1 and len(stub.listed) == 1


def test_a_post_whose_answer_was_lost_after_storing_is_not_posted_again(
    stub: StubService, delays: list[float]
) -> None:
    stub.queue("POST", "list", Answer(0, drop=True, store=True))

    client(stub, delays).propose([transfer(1)])

    assert len(stub.requests("POST")) == 1 and len(stub.listed) == 1


def test_a_post_whose_connection_broke_before_storing_is_posted_again(
    stub: StubService, delays: list[float]
) -> None:
    stub.queue("POST", "list", Answer(0, drop=True))

    client(stub, delays).propose([transfer(1)])

    assert len(stub.requests("POST")) == 2 and len(stub.listed) == 1


def test_an_unreachable_service_is_named_by_host_only(closed_port: int, delays: list[float]) -> None:
    multisig = SafeTxServiceMultisig(
        service_url=f"http://127.0.0.1:{closed_port}/tx-service/sep/{TOKEN}",
        safe=SAFE,
        chain_id=CHAIN_ID,
        proposer=KEY,
        sleep=delays.append,
    )

    with pytest.raises(ButlerError) as caught:
        multisig.propose([transfer(1)])

    line = one_problem(caught)
    assert line.startswith(f"Safe Transaction Service http://127.0.0.1:{closed_port}: ")
    assert "failed after 5 attempts: connection failed" in line
    assert "tx-service/sep" not in line


@pytest.mark.parametrize(
    ("safe_address", "service_url", "missing"),
    [(None, "https://example.org", "safe_address"), (SAFE, None, "safe_tx_service_url")],
)
def test_a_proposer_key_without_a_safe_or_service_in_the_config_is_a_usage_error(
    safe_address: Address | None, service_url: str | None, missing: str
) -> None:
    config = NetworkConfig(
        network="sepolia",
        chain_id=CHAIN_ID,
        staking_registry=Address.from_int(1),
        rollup=Address.from_int(2),
        safe_address=safe_address,
    )
    endpoints = Endpoints("http://127.0.0.1:1", safe_tx_service_url=service_url)
    with pytest.raises(UsageError, match=f"has no {missing}$"):
        SafeTxServiceMultisig.from_config(config, endpoints, KEY, None)


# --- what reaches the operator's stderr ------------------------------------------------------------


def test_a_proposals_hash_shows_in_full_on_stderr_and_a_key_in_the_services_answer_does_not(
    stub: StubService, delays: list[float]
) -> None:
    planted = "0x" + "4e7a" * 16  # a private key (not this run's) the service quotes back
    stub.nonce = 3
    stub.queue("POST", "list", Answer(201, store=True), Answer(422, {"message": f"bad signer key {planted}"}))
    multisig = client(stub, delays)
    err = io.StringIO()
    stderr = RedactingStream(err)  # what every command's stderr is

    (proposal,) = multisig.propose([transfer(1)])
    report_proposals([proposal], safe=SAFE, err=stderr)
    with pytest.raises(ButlerError) as caught:
        multisig.propose([transfer(2)])
    report_error(caught.value, stderr)
    stderr.flush()

    text = err.getvalue()
    digest = f"0x{proposal.safe_tx_hash.hex()}"
    assert f"proposed to Safe {SAFE} at nonce 3: {digest}\n" in text
    refused = safe_tx_hash(SafeTransaction.for_call(transfer(2), 4), CHAIN_ID, SAFE)
    assert (
        f"proposing Safe transaction 0x{refused.hex()} (nonce 4) failed: HTTP 422: bad signer key <redacted>"
        in text
    )
    assert planted[2:] not in text and planted[2:14] not in text

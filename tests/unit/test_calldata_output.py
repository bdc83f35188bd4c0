"""What add-keys and fund-publishers show of their Safe calls: readable blocks, or JSON for pipes."""

from __future__ import annotations

import io
import json

import pytest

from butler.domain.address import Address
from butler.domain.safe import MULTISEND_CALL_ONLY, Operation, SafeCall, batched
from butler.entrypoints.calldata_output import print_calls, report_proposals
from butler.ports.multisig import Proposal

REGISTRY = Address.parse("0xc3860c45e5F0b1eF3000dbF93149756f16928ADB")
PUBLISHER_A = Address.from_int(0xA)
PUBLISHER_B = Address.from_int(0xB)


def shown(calls: list[SafeCall], *, as_json: bool) -> str:
    out = io.StringIO()
    print_calls(calls, as_json=as_json, out=out)
    return out.getvalue()


def test_json_is_a_list_of_to_value_data_operation() -> None:
    calls = [
        SafeCall(REGISTRY, 0, bytes.fromhex("e2530fd1") + bytes(32)),
        batched([SafeCall(PUBLISHER_A, 10**18, b""), SafeCall(PUBLISHER_B, 5, b"")]),
    ]
    text = shown(calls, as_json=True)

    assert text.endswith("\n")
    assert json.loads(text) == [
        {"to": REGISTRY.checksum, "value": "0", "data": "0xe2530fd1" + "00" * 32, "operation": 0},
        {
            "to": MULTISEND_CALL_ONLY.checksum,
            "value": "0",
            "data": "0x" + calls[1].data.hex(),
            "operation": 1,
        },
    ]


def test_json_values_are_exact_decimal_strings() -> None:
    big = 2**256 - 1
    assert json.loads(shown([SafeCall(PUBLISHER_A, big, b"")], as_json=True))[0]["value"] == str(big)


def test_no_calls_print_an_empty_json_list() -> None:
    assert json.loads(shown([], as_json=True)) == []


def test_readable_blocks_show_every_field_and_the_value_in_eth() -> None:
    calls = [SafeCall(REGISTRY, 0, bytes.fromhex("e2530fd1")), SafeCall(PUBLISHER_A, 15 * 10**17, b"")]
    text = shown(calls, as_json=False)

    first, second = text.split("\n\n")
    assert "Safe transaction 1 of 2" in first
    assert f"to:        {REGISTRY.checksum}" in first
    assert "value:     0 wei (0 ETH)" in first
    assert "operation: 0 (call)" in first
    assert "data:      0xe2530fd1" in first
    assert "Safe transaction 2 of 2" in second
    assert "value:     1500000000000000000 wei (1.5 ETH)" in second
    assert "data:      0x\n" in second


def test_a_multisend_batch_lists_its_transfers() -> None:
    batch = batched([SafeCall(PUBLISHER_A, 10**17, b""), SafeCall(PUBLISHER_B, 2 * 10**18, b"")])
    text = shown([batch], as_json=False)

    assert f"to:        {MULTISEND_CALL_ONLY.checksum}" in text
    assert "operation: 1 (delegatecall)" in text
    assert "a MultiSendCallOnly batch of 2 calls" in text
    assert f"1. to {PUBLISHER_A.checksum} value 100000000000000000 wei (0.1 ETH)" in text
    assert f"2. to {PUBLISHER_B.checksum} value 2000000000000000000 wei (2 ETH)" in text


def test_a_delegatecall_that_is_not_a_multisend_is_shown_plainly() -> None:
    text = shown([SafeCall(PUBLISHER_A, 0, b"\x01\x02", Operation.DELEGATE_CALL)], as_json=False)
    assert "batch" not in text
    assert "data:      0x0102" in text


def test_proposals_are_reported_one_line_each_saying_which_were_posted() -> None:
    call = SafeCall(PUBLISHER_A, 1, b"")
    err = io.StringIO()
    report_proposals(
        [Proposal(call, 4, bytes([0xAB]) * 32, False), Proposal(call, 5, bytes([0xCD]) * 32, True)],
        safe=REGISTRY,
        err=err,
    )
    first, second = err.getvalue().splitlines()
    assert first == f"proposed to Safe {REGISTRY.checksum} at nonce 4: 0x{'ab' * 32}"
    assert second.startswith(f"already pending to Safe {REGISTRY.checksum} at nonce 5: 0x{'cd' * 32}")
    assert "not posted again" in second


def test_print_calls_and_report_proposals_default_to_stdout_and_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call = SafeCall(PUBLISHER_A, 1, b"")
    print_calls([call], as_json=True)
    report_proposals([Proposal(call, 0, bytes(32), False)])
    captured = capsys.readouterr()
    assert json.loads(captured.out)[0]["to"] == PUBLISHER_A.checksum
    assert captured.err.startswith("proposed at nonce 0")

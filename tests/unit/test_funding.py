"""Publisher funding in the domain: the top-up plan, the Safe transaction that
carries it, and the loads read from the keyfiles of a deployment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.errors import CheckFailed
from butler.domain.funding import (
    DEFAULT_THRESHOLD_WEI,
    Skipped,
    keyfile_loads,
    plan_funding,
)
from butler.domain.keyfiles import DeployedValidator, FeeRecipient, ProductionKeyfile, PublicAttester
from butler.domain.keys import BlsSecretKey, bls_public_key
from butler.domain.safe import MULTISEND_CALL_ONLY, Operation, SafeCall, multisend_calls
from butler.domain.wei import WEI_PER_ETH as ETH
from butler.domain.wei import parse_eth
from tests.strategies import nonzero_addresses

PER_ATTESTER = ETH // 10


def test_the_default_threshold_is_a_hundredth_of_an_eth():
    assert parse_eth("0.01") == DEFAULT_THRESHOLD_WEI


# --- the plan ----------------------------------------------------------------------------------

publishers = nonzero_addresses
wei = st.integers(min_value=0, max_value=10**21)


@st.composite
def situations(draw):
    """Publishers with loads and balances, the per-attester minimum and a threshold."""
    loads = draw(st.dictionaries(publishers, st.integers(min_value=0, max_value=50), max_size=12))
    balances = {p: draw(wei) for p in loads}
    per_attester = draw(st.integers(min_value=0, max_value=ETH))
    threshold = draw(st.integers(min_value=0, max_value=ETH))
    return loads, balances, per_attester, threshold


def inner_calls(call: SafeCall | None) -> tuple[SafeCall, ...]:
    if call is None:
        return ()
    if call.operation is Operation.DELEGATE_CALL:
        assert call.to == MULTISEND_CALL_ONLY and call.value == 0
        return multisend_calls(call.data)
    return (call,)


@given(situations())
def test_every_publisher_is_listed_in_order_with_its_target(situation):
    loads, balances, per_attester, threshold = situation
    plan = plan_funding(loads, balances, wei_per_attester=per_attester, threshold=threshold)
    assert [p.publisher for p in plan.publishers] == list(loads)
    for p in plan.publishers:
        assert (p.attesters, p.balance) == (loads[p.publisher], balances[p.publisher])
        assert p.target == loads[p.publisher] * per_attester


@given(situations())
def test_every_top_up_brings_its_publisher_exactly_to_target(situation):
    loads, balances, per_attester, threshold = situation
    plan = plan_funding(loads, balances, wei_per_attester=per_attester, threshold=threshold)
    for p in plan.funded:
        assert p.top_up > 0
        assert p.balance + p.top_up == p.target


@given(situations())
def test_no_publisher_at_or_above_target_is_funded(situation):
    loads, balances, per_attester, threshold = situation
    plan = plan_funding(loads, balances, wei_per_attester=per_attester, threshold=threshold)
    for p in plan.publishers:
        if p.balance >= p.target:
            assert p.skipped is Skipped.AT_TARGET and p.top_up == 0


@given(situations())
def test_top_ups_below_the_threshold_are_skipped_and_all_others_made(situation):
    loads, balances, per_attester, threshold = situation
    plan = plan_funding(loads, balances, wei_per_attester=per_attester, threshold=threshold)
    for p in plan.publishers:
        shortfall = p.target - p.balance
        if 0 < shortfall < threshold:
            assert p.skipped is Skipped.BELOW_THRESHOLD and p.top_up == 0
        elif shortfall >= max(threshold, 1):
            assert p.skipped is None and p.top_up == shortfall


@given(situations())
def test_one_transaction_carries_every_top_up_and_sums_to_the_total(situation):
    loads, balances, per_attester, threshold = situation
    plan = plan_funding(loads, balances, wei_per_attester=per_attester, threshold=threshold)
    transaction = plan.transaction()
    calls = inner_calls(transaction)
    assert [(c.to, c.value, c.data, c.operation) for c in calls] == [
        (p.publisher, p.top_up, b"", Operation.CALL) for p in plan.funded
    ]
    assert sum(c.value for c in calls) == plan.total == sum(p.top_up for p in plan.funded)
    if len(plan.funded) == 1:
        assert transaction == SafeCall(plan.funded[0].publisher, plan.total, b"", Operation.CALL)
    if not plan.funded:
        assert transaction is None


def test_the_issue_example_three_below_target_one_above():
    low = [Address.from_int(n) for n in (0xA1, 0xA2, 0xA3)]
    high = Address.from_int(0xB1)
    loads = {low[0]: 2, low[1]: 1, low[2]: 3, high: 1}
    balances = {low[0]: 0, low[1]: ETH // 20, low[2]: ETH // 10, high: ETH}
    plan = plan_funding(loads, balances, wei_per_attester=PER_ATTESTER)

    assert [(p.top_up, p.skipped) for p in plan.publishers] == [
        (2 * PER_ATTESTER, None),
        (PER_ATTESTER - ETH // 20, None),
        (3 * PER_ATTESTER - ETH // 10, None),
        (0, Skipped.AT_TARGET),
    ]
    transaction = plan.transaction()
    assert transaction is not None and transaction.operation is Operation.DELEGATE_CALL
    assert [c.to for c in multisend_calls(transaction.data)] == low


def test_a_shortfall_equal_to_the_threshold_is_funded_one_wei_less_is_not():
    at, under = Address.from_int(1), Address.from_int(2)
    plan = plan_funding(
        {at: 1, under: 1},
        {at: PER_ATTESTER - DEFAULT_THRESHOLD_WEI, under: PER_ATTESTER - DEFAULT_THRESHOLD_WEI + 1},
        wei_per_attester=PER_ATTESTER,
    )
    assert [p.skipped for p in plan.publishers] == [None, Skipped.BELOW_THRESHOLD]


def test_a_publisher_without_a_balance_is_a_programming_error():
    with pytest.raises(ValueError, match="no balance"):
        plan_funding({Address.from_int(1): 1}, {}, wei_per_attester=PER_ATTESTER)


# --- loads from keyfiles -----------------------------------------------------------------------


def attester(n: int) -> PublicAttester:
    return PublicAttester(eth=Address.from_int(0xA77E_0000 + n), bls=bls_public_key(BlsSecretKey(n)))


def keyfile(*pairs: tuple[int, Address]) -> ProductionKeyfile:
    return ProductionKeyfile(
        schema_version=1,
        remote_signer="https://signer.example",
        validators=tuple(
            DeployedValidator(attester(n), publisher, None, FeeRecipient(bytes(32))) for n, publisher in pairs
        ),
    )


P = [Address.from_int(0x9B_0000 + n) for n in range(6)]


def test_a_high_availability_set_counts_every_signing_duty_per_publisher():
    a = keyfile((1, P[0]), (2, P[1]), (3, P[0]), (4, P[1]), (5, P[0]))
    b = keyfile((1, P[2]), (2, P[3]), (3, P[4]), (4, P[2]), (5, P[3]))
    loads = keyfile_loads([("A_keys.json", a), ("B_keys.json", b)])
    assert loads == {P[0]: 3, P[1]: 2, P[2]: 2, P[3]: 2, P[4]: 1}
    assert list(loads) == [P[0], P[1], P[2], P[3], P[4]]


def test_the_same_file_twice_is_refused_rather_than_doubling_targets():
    a = keyfile((1, P[0]), (2, P[1]))
    with pytest.raises(CheckFailed) as refused:
        keyfile_loads([("A.json", a), ("copy.json", a)])
    assert refused.value.problems == (
        f"copy.json: validators[0]: attester {attester(1).eth} with publisher {P[0]} is already in "
        "A.json: validators[0]; it would be counted twice",
        f"copy.json: validators[1]: attester {attester(2).eth} with publisher {P[1]} is already in "
        "A.json: validators[1]; it would be counted twice",
    )


def test_a_zero_publisher_is_refused_with_its_place():
    with pytest.raises(CheckFailed) as refused:
        keyfile_loads([("keys.json", keyfile((1, P[0]), (2, ZERO_ADDRESS)))])
    assert refused.value.problems == ("keys.json: validators[1].publisher: the zero address cannot publish",)

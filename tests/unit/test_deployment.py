"""Phase 3 domain rules by example: the assignment the SPEC describes, and what each refusal says."""

from __future__ import annotations

import pytest

from butler.domain.address import ZERO_ADDRESS
from butler.domain.deployment import (
    LowBalance,
    funding_problems,
    plan_deployment,
)
from butler.domain.errors import CheckFailed, Problem
from butler.domain.output_names import free_output_names, output_names
from butler.domain.publisher_sets import PublisherSet, PublisherSets, publisher_set_problems
from butler.entrypoints.console import shown
from tests.unit.deployment_values import (
    NEW,
    PRODUCTION,
    PUBLISHERS,
    attester,
    coinbase,
    deployed,
    inputs,
    new_keys,
    production,
    publisher,
)

P = [publisher(n) for n in range(1, 11)]


def problems_of(error: pytest.ExceptionInfo[CheckFailed]) -> list[str | Problem]:
    return list(error.value.problems)


def test_existing_validators_are_reassigned_and_new_ones_follow_round_robin() -> None:
    prod = production(deployed(1, cb=coinbase(1)), deployed(2, cb=coinbase(2)), deployed(3))

    plan = plan_deployment(inputs(prod, new_keys(4, 5), P[:3]))

    (planned,) = plan.files
    assert [v.publisher for v in planned.keyfile.validators] == [P[0], P[1], P[2], P[0], P[1]]
    assert [v.coinbase for v in planned.keyfile.validators] == [coinbase(1), coinbase(2), None, None, None]
    assert (plan.existing, plan.new) == (3, 2)
    assert planned.loads() == {P[0]: 2, P[1]: 2, P[2]: 1}


def test_ten_publishers_over_three_servers_are_cut_three_three_four() -> None:
    prod = production(*(deployed(n) for n in range(1, 11)))

    plan = plan_deployment(inputs(prod, new_keys(11, 12, 13, 14, 15), P), ha_count=3)

    assert plan.set_names == ("A", "B", "C")
    assert [f.group.publishers for f in plan.files] == [tuple(P[0:3]), tuple(P[3:6]), tuple(P[6:10])]
    for planned in plan.files:
        assert len(planned.keyfile.validators) == 15
    assert plan.scraped_attesters()[0].publishers == (P[0], P[3], P[6])
    assert plan.publishers() == tuple(P)


def test_a_repeated_attester_is_named_with_both_places() -> None:
    prod = production(deployed(1), deployed(2))

    with pytest.raises(CheckFailed) as failed:
        plan_deployment(inputs(prod, new_keys(7, 2, keys=[7, 8]), P[:2]))

    assert problems_of(failed) == [
        f"{NEW}: validators[1].attester.eth: attester {attester(2).eth} is repeated "
        f"(also validators[1] of {PRODUCTION})"
    ]


def test_a_repeated_bls_key_within_one_file_is_named() -> None:
    with pytest.raises(CheckFailed) as failed:
        plan_deployment(inputs(production(), new_keys(1, 2, keys=[5, 5]), P[:2]))

    assert problems_of(failed) == [
        f"{NEW}: validators[1].attester.bls: BLS key {attester(5).bls} of attester {attester(2).eth} "
        "is repeated (also validators[0])"
    ]


def test_a_zero_coinbase_is_refused() -> None:
    prod = production(deployed(1, cb=coinbase(1)), deployed(2, cb=ZERO_ADDRESS))

    with pytest.raises(CheckFailed) as failed:
        plan_deployment(inputs(prod, new_keys(), P[:1]))

    assert problems_of(failed) == [
        f"{PRODUCTION}: validators[1].coinbase: attester {attester(2).eth} has the zero address as "
        "coinbase; leave the field out until the real coinbase is known"
    ]


def test_every_problem_is_reported_at_once() -> None:
    prod = production(deployed(1, cb=ZERO_ADDRESS))

    with pytest.raises(CheckFailed) as failed:
        plan_deployment(inputs(prod, new_keys(1, keys=[9]), [P[0], P[1], P[0]]))

    assert len(problems_of(failed)) == 3
    assert any("is repeated" in p and "attester.eth" in p for p in problems_of(failed))
    assert any("zero address" in p for p in problems_of(failed))
    assert f"{PUBLISHERS}: publishers[2]: publisher {P[0]} is repeated (also publishers[0])" in problems_of(
        failed
    )


def test_more_servers_than_publishers_is_refused() -> None:
    with pytest.raises(CheckFailed) as failed:
        plan_deployment(inputs(production(deployed(1)), new_keys(), P[:2]), ha_count=3)

    assert problems_of(failed) == [
        f"{PUBLISHERS}: 2 publisher(s) cannot be split into 3 high-availability sets: every server "
        "needs at least one publisher of its own"
    ]


def test_nothing_to_deploy_is_refused() -> None:
    with pytest.raises(CheckFailed, match="no validators to deploy"):
        plan_deployment(inputs(production(), new_keys(), P[:1]))


def test_named_sets_must_be_disjoint() -> None:
    sets = PublisherSets((PublisherSet("A", (P[0], P[1])), PublisherSet("B", (P[2], P[1]))))

    assert publisher_set_problems(sets) == [
        f"B[1]: publisher {P[1]} is repeated (also A[1]); sets A and B must be disjoint"
    ]


def test_empty_sets_and_names_differing_in_case_are_refused() -> None:
    assert publisher_set_problems(PublisherSets.single(())) == ["the list holds no publisher"]
    assert publisher_set_problems(PublisherSets(())) == ["no publisher sets: the object is empty"]
    sets = PublisherSets((PublisherSet("a", (P[0],)), PublisherSet("A", ()), PublisherSet("B", (P[1],))))
    assert publisher_set_problems(sets) == [
        "sets a and A: names differ only in case; "
        "their keyfiles would have the same name on some filesystems",
        "set A holds no publisher",
    ]


def test_named_sets_give_their_own_files_and_a_disagreeing_count_is_refused() -> None:
    sets = PublisherSets((PublisherSet("east", (P[0],)), PublisherSet("west", (P[1], P[2]))))
    case = inputs(production(deployed(1), deployed(2)), new_keys(3), sets)

    plan = plan_deployment(case, ha_count=2)
    assert plan.set_names == ("east", "west")
    assert [v.publisher for v in plan.files[1].keyfile.validators] == [P[1], P[2], P[1]]

    with pytest.raises(CheckFailed) as failed:
        plan_deployment(case, ha_count=3)
    assert [shown(p) for p in problems_of(failed)] == [
        f"{PUBLISHERS}: names 2 publisher set(s) (east, west) but --high-availability-count is 3"
    ]


def test_output_names_skip_to_the_next_suffix_free_for_the_whole_set() -> None:
    base = "prod.json"
    assert free_output_names(base, [None], set()) == ("prod.json.new",)
    assert free_output_names(base, [None], {"prod.json.new", "prod.json.new3"}) == ("prod.json.new2",)
    assert free_output_names(base, ["A", "B"], {"B_prod.json.new"}) == (
        "A_prod.json.new2",
        "B_prod.json.new2",
    )
    assert output_names(base, ["A", "B"]) == ("A_prod.json", "B_prod.json")


def test_output_names_give_up_when_every_suffix_is_taken() -> None:
    class Everything:
        def __contains__(self, name: object) -> bool:
            return True

    with pytest.raises(CheckFailed, match=r"every output name from \.new to \.new1000 is taken"):
        free_output_names("prod.json", [None], Everything())


def test_funding_errors_name_the_set_and_warnings_carry_the_shortfall() -> None:
    prod = production(*(deployed(n) for n in range(1, 5)))
    plan = plan_deployment(inputs(prod, new_keys(), P[:4]), ha_count=2)
    per_attester = 10**17
    balances = {P[0]: 0, P[1]: 10**18, P[2]: per_attester, P[3]: 5 * per_attester}

    errors, warnings = funding_problems(plan, balances, per_attester)

    assert errors == [
        f"publisher {P[0]} (set A): balance is 0 ETH and 2 attester(s) would use it; fund it before deploying"
    ]
    assert warnings == [LowBalance(P[2], per_attester, 2 * per_attester, 2)]

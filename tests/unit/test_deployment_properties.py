"""Invariants of phase 3 (SPEC §5-7) over generated deployments: what every keyfile holds, how publishers
are cut into high-availability sets and assigned, how outputs are named, the scraper-config merge, and
that a failed check produces nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.deployment import (
    DeploymentInputs,
    funding_problems,
    plan_deployment,
)
from butler.domain.errors import CheckFailed
from butler.domain.keyfiles import PublicAttester, PublicValidator
from butler.domain.output_names import free_output_names, output_suffix
from butler.domain.publisher_sets import HA_SET_NAMES, PublisherSet, PublisherSets, contiguous_groups
from butler.domain.scraper_config import (
    AttesterState,
    ScrapedAttester,
    ScraperConfig,
    merged_scraper_config,
)
from tests.strategies import address_pool
from tests.unit.deployment_values import FEE, bls, coinbase, deployed, inputs, new_keys, production, publisher

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# Examples vary a lot in size and the machine is shared: time belongs in bench/, not in these tests.
NO_DEADLINE = settings(deadline=None)


@attrs.frozen
class Case:
    inputs: DeploymentInputs
    ha_count: int | None


@st.composite
def deployments(draw: st.DrawFn, *, max_validators: int = 24, max_publishers: int = 14) -> Case:
    total = draw(st.integers(1, max_validators))
    deployed_count = draw(st.integers(0, total))
    numbers = draw(st.lists(st.integers(1, 400), unique=True, min_size=total, max_size=total))
    coinbases = draw(
        st.lists(
            st.none() | st.integers(1, 30).map(coinbase), min_size=deployed_count, max_size=deployed_count
        )
    )
    prod = production(*(deployed(n, cb=c) for n, c in zip(numbers, coinbases, strict=False)))
    new = new_keys(*numbers[deployed_count:])
    m = draw(st.integers(1, max_publishers))
    publishers = [
        publisher(n) for n in draw(st.lists(st.integers(1, 999), unique=True, min_size=m, max_size=m))
    ]
    ha_count = draw(st.none() | st.integers(2, min(m, len(HA_SET_NAMES)))) if m >= 2 else None
    return Case(inputs(prod, new, publishers), ha_count)


def merged_attesters(case: Case) -> list[Address]:
    return [v.attester.eth for v in (*case.inputs.production.validators, *case.inputs.new.validators)]


@NO_DEADLINE
@given(deployments())
def test_every_keyfile_holds_every_validator_once_in_merged_order(case: Case) -> None:
    plan = plan_deployment(case.inputs, ha_count=case.ha_count)

    assert len(plan.files) == (case.ha_count or 1)
    deployed_coinbases = {v.attester.eth: v.coinbase for v in case.inputs.production.validators}
    for planned in plan.files:
        validators = planned.keyfile.validators
        assert [v.attester.eth for v in validators] == merged_attesters(case)
        assert [v.coinbase for v in validators] == [
            deployed_coinbases.get(v.attester.eth) for v in validators
        ]
        assert planned.keyfile.remote_signer == case.inputs.production.remote_signer
        assert planned.keyfile.schema_version == case.inputs.production.schema_version


@NO_DEADLINE
@given(deployments())
def test_each_keyfile_assigns_round_robin_over_its_own_group_only(case: Case) -> None:
    plan = plan_deployment(case.inputs, ha_count=case.ha_count)

    for planned in plan.files:
        group = planned.group.publishers
        assigned = [v.publisher for v in planned.keyfile.validators]
        assert set(assigned) <= set(group)
        assert assigned == [group[i % len(group)] for i in range(len(assigned))]


@NO_DEADLINE
@given(deployments())
def test_groups_are_disjoint_contiguous_cover_every_publisher_and_are_sized_as_specified(case: Case) -> None:
    plan = plan_deployment(case.inputs, ha_count=case.ha_count)

    publishers = case.inputs.publishers.publishers
    groups = [f.group.publishers for f in plan.files]
    assert [p for g in groups for p in g] == list(publishers)  # contiguous, in order, covering all
    for a, b in itertools.combinations(groups, 2):
        assert not set(a) & set(b)
    k, m = len(groups), len(publishers)
    assert [len(g) for g in groups] == [m // k] * (k - 1) + [m - (k - 1) * (m // k)]
    expected_names = (None,) if case.ha_count is None else HA_SET_NAMES[:k]
    assert plan.set_names == expected_names


@NO_DEADLINE
@given(deployments())
def test_publisher_loads_within_a_keyfile_differ_by_at_most_one(case: Case) -> None:
    plan = plan_deployment(case.inputs, ha_count=case.ha_count)

    for planned in plan.files:
        loads = planned.loads()
        assert set(loads) == set(planned.group.publishers)
        assert sum(loads.values()) == len(plan.validators)
        assert max(loads.values()) - min(loads.values()) <= 1


@NO_DEADLINE
@given(st.lists(st.integers(0, 40), unique=True, min_size=1, max_size=40), st.integers(1, 40))
def test_contiguous_groups_cut_exactly_or_refuse_more_groups_than_items(items: list[int], k: int) -> None:
    if k > len(items):
        with pytest.raises(ValueError):
            contiguous_groups(items, k)
        return
    groups = contiguous_groups(items, k)
    assert [x for g in groups for x in g] == items
    assert all(len(g) == len(items) // k for g in groups[:-1])


@NO_DEADLINE
@given(deployments(), st.data())
def test_named_sets_give_one_keyfile_each_over_that_set(case: Case, data: st.DataObject) -> None:
    publishers = case.inputs.publishers.publishers
    k = data.draw(st.integers(1, min(len(publishers), 5)))
    cuts = (
        sorted(
            data.draw(
                st.lists(st.integers(1, len(publishers) - 1), unique=True, min_size=k - 1, max_size=k - 1)
            )
        )
        if k > 1
        else []
    )
    names = data.draw(
        st.lists(
            st.text("abcXYZ019_-", min_size=1, max_size=5).filter(lambda s: s[0] not in "_-"),
            unique_by=str.casefold,
            min_size=k,
            max_size=k,
        )
    )
    bounds = [0, *cuts, len(publishers)]
    sets = PublisherSets(
        tuple(
            PublisherSet(n, publishers[a:b])
            for n, (a, b) in zip(names, itertools.pairwise(bounds), strict=True)
        )
    )

    plan = plan_deployment(attrs.evolve(case.inputs, publishers=sets))

    assert plan.set_names == tuple(names)
    for planned, publisher_set in zip(plan.files, sets.sets, strict=True):
        assert {v.publisher for v in planned.keyfile.validators} <= set(publisher_set.publishers)
        assert [v.attester.eth for v in planned.keyfile.validators] == merged_attesters(case)


# -- a failed check produces nothing ----------------------------------------------------------------


def _everyone(case: Case) -> list[PublicAttester]:
    return [v.attester for v in (*case.inputs.production.validators, *case.inputs.new.validators)]


def _with_new(case: Case, extra: PublicValidator) -> DeploymentInputs:
    new = attrs.evolve(case.inputs.new, validators=(*case.inputs.new.validators, extra))
    return attrs.evolve(case.inputs, new=new)


def _duplicate_attester(case: Case, pick: int) -> tuple[DeploymentInputs, str]:
    everyone = _everyone(case)
    victim = everyone[pick % len(everyone)].eth
    extra = PublicValidator(PublicAttester(victim, bls(998)), FEE)
    return _with_new(case, extra), f"attester {victim} is repeated"


def _duplicate_bls(case: Case, pick: int) -> tuple[DeploymentInputs, str]:
    everyone = _everyone(case)
    victim = everyone[pick % len(everyone)]
    fresh = PublicAttester(Address.from_int(0xFFFF_0000), victim.bls)
    return _with_new(
        case, PublicValidator(fresh, FEE)
    ), f"BLS key {victim.bls} of attester {fresh.eth} is repeated"


def _zero_coinbase(case: Case, pick: int) -> tuple[DeploymentInputs, str]:
    zeroed = deployed(999, cb=ZERO_ADDRESS)
    validators = list(case.inputs.production.validators)
    validators.insert(pick % (len(validators) + 1), zeroed)
    prod = attrs.evolve(case.inputs.production, validators=tuple(validators))
    return attrs.evolve(case.inputs, production=prod), f"attester {zeroed.attester.eth} has the zero address"


def _repeated_publisher(case: Case, pick: int) -> tuple[DeploymentInputs, str]:
    publishers = list(case.inputs.publishers.publishers)
    victim = publishers[pick % len(publishers)]
    publishers.insert(pick % (len(publishers) + 1), victim)
    sets = PublisherSets.single(tuple(publishers))
    return attrs.evolve(case.inputs, publishers=sets), f"publisher {victim} is repeated"


FAULTS = [_duplicate_attester, _duplicate_bls, _zero_coinbase, _repeated_publisher]


@NO_DEADLINE
@given(deployments(), st.sampled_from(FAULTS), st.integers(0, 1000))
def test_any_failed_check_raises_naming_the_culprit_and_plans_nothing(case: Case, fault, pick: int) -> None:
    broken, culprit = fault(case, pick)

    with pytest.raises(CheckFailed) as failed:
        plan_deployment(broken, ha_count=case.ha_count)

    assert any(culprit in problem for problem in failed.value.problems), failed.value.problems


@NO_DEADLINE
@given(deployments(max_publishers=6), st.integers(7, 26))
def test_more_servers_than_publishers_is_refused(case: Case, k: int) -> None:
    with pytest.raises(CheckFailed, match=f"cannot be split into {k} high-availability sets"):
        plan_deployment(case.inputs, ha_count=k)


# -- output names -----------------------------------------------------------------------------------

base_names = st.sampled_from(["prod-testnet-keyfile.json", "keys.json", "a"])
set_name_lists = st.none() | st.integers(2, 5).map(lambda k: list(HA_SET_NAMES[:k]))


@NO_DEADLINE
@given(base_names, set_name_lists, st.data())
def test_output_names_never_take_an_existing_name_and_share_the_first_free_suffix(
    base: str, set_names: list[str] | None, data: st.DataObject
) -> None:
    names_per_set: list[str | None] = [None] if set_names is None else list(set_names)
    candidates = [
        (f"{n}_" if n else "") + base + output_suffix(i) for i in range(1, 6) for n in names_per_set
    ]
    taken = set(data.draw(st.lists(st.sampled_from(candidates), max_size=len(candidates))))

    names = free_output_names(base, names_per_set, taken)

    assert not set(names) & taken
    suffixes = {name[name.index(base) + len(base) :] for name in names}
    assert len(suffixes) == 1  # the whole set moves together
    (suffix,) = suffixes
    used = next(i for i in itertools.count(1) if output_suffix(i) == suffix)
    for earlier in range(1, used):  # every earlier suffix had at least one file of the set taken
        assert any((f"{n}_" if n else "") + base + output_suffix(earlier) in taken for n in names_per_set)
    assert names == tuple((f"{n}_" if n else "") + base + suffix for n in names_per_set)


# -- funding ----------------------------------------------------------------------------------------


@NO_DEADLINE
@given(deployments(), st.data())
def test_zero_balances_are_errors_and_short_balances_warnings(case: Case, data: st.DataObject) -> None:
    plan = plan_deployment(case.inputs, ha_count=case.ha_count)
    per_attester = 10**17
    balances = {
        p: data.draw(st.sampled_from([0, 1, per_attester, 3 * per_attester, 10**19]))
        for p in plan.publishers()
    }

    errors, warnings = funding_problems(plan, balances, per_attester)

    loads = plan.loads()
    assert {p for p in plan.publishers() if any(str(p) in e for e in errors)} == {
        p for p, b in balances.items() if b == 0
    }
    assert {w.publisher for w in warnings} == {
        p for p, b in balances.items() if 0 < b < loads[p] * per_attester
    }
    assert all(w.required == w.attesters * per_attester for w in warnings)


# -- the scraper-config merge -----------------------------------------------------------------------


def merge(existing: ScraperConfig | None, attesters, publishers) -> ScraperConfig:
    return merged_scraper_config(
        existing,
        network="devnet",
        chain_id=31337,
        staking_provider_id=1,
        attesters=attesters,
        publishers=publishers,
        now=NOW,
    )


@NO_DEADLINE
@given(deployments(), deployments())
def test_scraper_config_after_a_deployment_is_idempotent_and_complete(earlier: Case, case: Case) -> None:
    before = plan_deployment(earlier.inputs, ha_count=earlier.ha_count)
    plan = plan_deployment(case.inputs, ha_count=case.ha_count)
    existing = merge(None, before.scraped_attesters(), before.publishers())

    try:
        once = merge(existing, plan.scraped_attesters(), plan.publishers())
    except CheckFailed:
        return  # the two deployments gave one attester two coinbases: refused, tested below
    twice = merge(once, plan.scraped_attesters(), plan.publishers())

    assert twice == once
    assert once.publishers == plan.publishers()
    by_address = {a.address: a for a in once.attesters}
    assert set(merged_attesters(case)) <= set(by_address)
    earlier_attesters = {a.address for a in existing.attesters}
    for scraped in plan.scraped_attesters():
        merged = by_address[scraped.address]
        assert merged.publishers == scraped.publishers
        if scraped.address not in earlier_attesters:
            assert merged.last_seen_state is AttesterState.NEW
        if scraped.coinbase is not None:
            assert merged.coinbase == scraped.coinbase


attester_pool = address_pool(6, first=0xA1)
coinbase_choice = st.sampled_from([None, ZERO_ADDRESS, coinbase(1), coinbase(2)])


@NO_DEADLINE
@given(
    st.lists(st.builds(ScrapedAttester, address=attester_pool, coinbase=coinbase_choice), max_size=12),
    st.randoms(use_true_random=False),
)
def test_merged_coinbases_do_not_depend_on_input_order(attesters: list[ScrapedAttester], rng) -> None:
    shuffled = list(attesters)
    rng.shuffle(shuffled)
    known = {}
    for a in attesters:
        if a.coinbase is not None and not a.coinbase.is_zero:
            known.setdefault(a.address, set()).add(a.coinbase)
    conflicting = {address for address, coinbases in known.items() if len(coinbases) > 1}

    if conflicting:
        for order in (attesters, shuffled):
            with pytest.raises(CheckFailed) as failed:
                merge(None, order, ())
            assert {str(a) for a in conflicting} <= {
                p.split(":")[0].removeprefix("attester ") for p in failed.value.problems
            }
        return
    forward = {a.address: a.coinbase for a in merge(None, attesters, ()).attesters}
    backward = {a.address: a.coinbase for a in merge(None, shuffled, ()).attesters}
    assert forward == backward == {a.address: next(iter(known.get(a.address, {None}))) for a in attesters}

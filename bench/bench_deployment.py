"""Time of prepare-deployment's domain work on a large fleet.

Run: .venv/bin/python bench/bench_deployment.py [--validators 10000] [--publishers 100] [--ha 3] [--repeat 3]

Half the validators come from the production keyfile (half of those with a coinbase), half are new. The
measured work is everything the command computes between reading the files and writing them: merge,
duplicate and coinbase checks, publisher checks, the HA cut and round-robin, funding check, output names,
and the scraper-config merge into a config that already knows the production half. Encoding the keyfiles
and the config as JSON is timed separately.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from butler.adapters.files import codecs
from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.deployment import DeploymentInputs, free_output_names, funding_problems, plan_deployment
from butler.domain.keyfiles import (
    DeployedValidator,
    FeeRecipient,
    ProductionKeyfile,
    PublicAttester,
    PublicKeysFile,
    PublicValidator,
)
from butler.domain.keys import BlsPublicKey
from butler.domain.publisher_sets import PublisherSets
from butler.domain.scraper_config import ScraperConfig, merged_scraper_config

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FEE = FeeRecipient(bytes(32))


def fleet(validators: int, publishers: int, seed: int) -> DeploymentInputs:
    rng = random.Random(seed)  # benchmark inputs, not secrets
    attesters = [
        PublicAttester(
            Address(rng.randbytes(20)), BlsPublicKey(bn254.g1_generator_mul(rng.randrange(1, bn254.R)))
        )
        for _ in range(validators)
    ]
    pool = tuple(Address(rng.randbytes(20)) for _ in range(publishers))
    deployed_count = validators // 2
    production = ProductionKeyfile(
        schema_version=1,
        remote_signer="https://signer.example.com:8080",
        validators=tuple(
            DeployedValidator(a, pool[0], Address(rng.randbytes(20)) if i % 2 else None, FEE)
            for i, a in enumerate(attesters[:deployed_count])
        ),
    )
    new = PublicKeysFile(1, tuple(PublicValidator(a, FEE) for a in attesters[deployed_count:]))
    return DeploymentInputs(production, "prod.json", new, "new.json", PublisherSets.single(pool), "pubs.json")


def domain_work(inputs: DeploymentInputs, ha: int | None, existing: ScraperConfig | None) -> ScraperConfig:
    plan = plan_deployment(inputs, ha_count=ha)
    balances = dict.fromkeys(plan.publishers(), 10**18)
    funding_problems(plan, balances, 10**17)
    free_output_names("prod.json", plan.set_names, set())
    return merged_scraper_config(
        existing,
        network="bench",
        chain_id=1,
        staking_provider_id=1,
        attesters=plan.scraped_attesters(),
        publishers=plan.publishers(),
        now=NOW,
    )


def best_of(repeat: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--validators", type=int, default=10_000)
    parser.add_argument("--publishers", type=int, default=100)
    parser.add_argument("--ha", type=int, default=3, help="high-availability count (0: one keyfile)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ha = args.ha or None

    start = time.perf_counter()
    inputs = fleet(args.validators, args.publishers, seed=1)
    setup = time.perf_counter() - start
    production_only = DeploymentInputs(
        inputs.production, "prod.json", PublicKeysFile(1, ()), "new.json", inputs.publishers, "pubs.json"
    )
    existing = domain_work(production_only, None, None)

    seconds = best_of(args.repeat, lambda: domain_work(inputs, ha, existing))
    plan = plan_deployment(inputs, ha_count=ha)
    config = domain_work(inputs, ha, existing)
    encode = best_of(
        args.repeat, lambda: [codecs.dump_json(f.keyfile) for f in plan.files] + [codecs.dump_json(config)]
    )

    files = len(plan.files)
    print(f"fleet: {args.validators:,} validators x {args.publishers} publishers, {files} keyfile(s)")
    print(f"  (building the inputs took {setup:.1f} s, not counted)")
    print(f"domain work (checks, plan, funding, names, scraper merge): {seconds * 1000:8.1f} ms")
    print(f"  per validator per keyfile: {seconds / args.validators / files * 1e6:.2f} us")
    print(f"JSON encoding of the {files} keyfile(s) and the scraper config: {encode * 1000:8.1f} ms")


if __name__ == "__main__":
    main()

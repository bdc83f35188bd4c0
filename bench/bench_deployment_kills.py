"""prepare-deployment -H 3 stopped at random moments (SIGKILL, SIGTERM, SIGINT), then run again.

Run: .venv/bin/python bench/bench_deployment_kills.py [--rounds 100] [--validators 10000] [--seed N]

Each round runs the real command in a fresh folder against a stub node (anvil), stops it after a random
delay (half the rounds anywhere in the run, half during its writes), checks that the folder holds the
whole set or none of it, runs the command again and checks that the rerun succeeds and leaves complete
sets only (tests/integration/kill_harness.py has the checks). Prints what the stops left behind and
every round that failed a check; exits 1 if any did.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--validators", type=int, default=10_000)
    parser.add_argument("--publishers", type=int, default=90)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    # The harness and the stub node live with the integration tests, which use the same rounds.
    sys.path.insert(0, str(REPO))
    from tests.integration.kill_harness import make_fleet, one_round, summary, timing
    from tests.integration.stub_node import running_stub_node

    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    with running_stub_node() as node, tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.monotonic()
        fleet = make_fleet(root / "inputs", node, validators=args.validators, publishers=args.publishers)
        print(f"inputs: {args.validators:,} validators, {args.publishers} publishers, -H 3 (seed {seed})")
        print(f"  (building them took {time.monotonic() - started:.1f} s)")
        times = timing(fleet, root)
        print(f"one uninterrupted run: {times.run:.2f} s, of which writing {times.writing:.2f} s")
        rounds = []
        started = time.monotonic()
        for i in range(args.rounds):
            rounds.append(one_round(fleet, root, f"round-{i}", rng, times))
            if rounds[-1].problems:
                print(f"round {i} ({rounds[-1].stop.name} after {rounds[-1].after:.3f} s): FAILED")
                for problem in rounds[-1].problems:
                    print(f"  {problem}")
        took = time.monotonic() - started
    print(summary(rounds))
    print(f"{len(rounds)} rounds in {took:.0f} s ({took / max(1, len(rounds)):.1f} s per round)")
    for line in sorted({line.split(":")[0] for r in rounds for line in r.recovery}):
        print(f"  a rerun said: {line}: ...")
    return 1 if any(r.problems for r in rounds) else 0


if __name__ == "__main__":
    sys.exit(main())

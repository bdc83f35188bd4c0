"""Run every benchmark script in this folder, one after the other, with its defaults but for DEFAULT_OPTIONS.

Run: .venv/bin/python bench/run_all.py [--large]

`--large` then also runs the scraper at 100,000 attesters (bench_scraper.py LARGE_SCRAPER), which takes
several more minutes. Run a script directly to give it options (`python bench/bench_derive.py --help`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The default run stays within minutes: the scraper's RSS is followed over 200 cycles here, 1,000 when the
# script runs alone.
DEFAULT_OPTIONS = {"bench_scraper": ["--rss-cycles", "200"]}

# The scraper's cycle at 100,000 attesters: round trips and cycle time over 3 cycles, RSS over 10 more on
# the in-memory chain (a devnet cycle takes about 15 s there), with the scraper's own batching.
LARGE_SCRAPER = [
    *("--attesters", "100000", "--cycles", "3"),
    *("--rss-cycles", "10", "--rss-chain", "fake"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="also the scraper at 100,000 attesters")
    args = parser.parse_args()
    runs = [
        (script.stem, [str(script), *DEFAULT_OPTIONS.get(script.stem, [])])
        for script in sorted(HERE.glob("bench_*.py"))
    ]
    if args.large:
        runs.append(("bench_scraper (100,000 attesters)", [str(HERE / "bench_scraper.py"), *LARGE_SCRAPER]))
    failed = 0
    for name, command in runs:
        print(f"== {name}", flush=True)
        failed |= subprocess.run([sys.executable, *command], check=False).returncode
    return failed


if __name__ == "__main__":
    sys.exit(main())

"""Wall time of every `--help`, run as a user runs it (the installed console scripts).

Run: .venv/bin/python bench/bench_startup.py [--runs 7]

Prints the median and the fastest of `--runs` runs of each command's `--help`, and the load average
before and after, since a loaded machine slows every start. Goal: <= 0.15 s each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from butler.entrypoints import cli, devnet_cli

GOAL_SECONDS = 0.15


def help_commands() -> list[list[str]]:
    return [
        ["aztec-butler", "--help"],
        *[["aztec-butler", name, "--help"] for name in cli.COMMANDS],
        ["aztec-butler-scraper", "--help"],
        ["aztec-butler-devnet", "--help"],
        *[["aztec-butler-devnet", name, "--help"] for name in devnet_cli.COMMANDS],
    ]


def wall_times(argv: list[str], runs: int) -> list[float]:
    script = Path(sys.executable).parent / argv[0]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(script), *argv[1:]], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"load average before: {load()} ({os.cpu_count()} CPUs)")
    over = 0
    for argv in help_commands():
        times = wall_times(argv, args.runs)
        median = statistics.median(times)
        over += median > GOAL_SECONDS
        mark = "" if median <= GOAL_SECONDS else f"  over the {GOAL_SECONDS} s goal"
        print(f"{' '.join(argv):<48} median {median:.3f} s  fastest {min(times):.3f} s{mark}")
    print(f"load average after: {load()}; {over} command(s) over {GOAL_SECONDS} s (median of {args.runs})")


if __name__ == "__main__":
    main()

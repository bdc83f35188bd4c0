"""Interrupting `aztec-butler prepare-deployment -H 3` at random moments, and judging what it left.

Each round starts the real command as its own process in a fresh folder (inputs of `validators`
validators, publishers funded on a stub node), stops it after a random delay with SIGKILL, SIGTERM or
SIGINT, then runs the same command again. A round holds when:

- after a SIGTERM or SIGINT, at once: the whole set (three keyfiles and the scraper config) or none of
  it, and no temporary file or journal of ours;
- after any stop, the rerun exits 0, and afterwards the folder holds only complete sets (the stopped
  run's whole set or nothing of it, then the rerun's), one scraper config listing every attester, and no
  temporary file or journal.

Used by tests/integration/test_prepare_deployment_kills.py (a few dozen rounds) and
bench/bench_deployment_kills.py (100 rounds at 10,000 validators).
"""

from __future__ import annotations

import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs

from butler.adapters.files import codecs
from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.keyfiles import (
    DeployedValidator,
    FeeRecipient,
    ProductionKeyfile,
    PublicAttester,
    PublicKeysFile,
    PublicValidator,
)
from butler.domain.keys import BlsPublicKey
from tests.integration.stub_node import ANVIL_CHAIN_ID, StubNode

PROD = "prod-keyfile.json"
NEW = "new-public-keys.json"
PUBS = "publishers.json"
SCRAPER = "devnet-scrape-config.json"
CLI = str(Path(sys.executable).with_name("aztec-butler"))
SETS = "ABC"
STOPS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)


@attrs.frozen
class Fleet:
    """Pristine inputs in `source`; each round copies them into a folder of its own."""

    source: Path
    config: Path
    validators: int


@attrs.frozen
class Round:
    stop: signal.Signals
    after: float
    exit_code: int | None
    """The stopped run's exit code; None when it had ended before the signal."""
    before_rerun: str
    """What the folder held when the signal's effect was over: none, all, partial, or finished."""
    recovery: tuple[str, ...]
    problems: tuple[str, ...]


def make_fleet(folder: Path, node: StubNode, *, validators: int, publishers: int, seed: int = 7) -> Fleet:
    rng = random.Random(seed)  # test inputs, not secrets
    folder.mkdir(parents=True)
    fee = FeeRecipient(bytes(31) + b"\x01")
    attesters = [
        PublicAttester(
            Address(rng.randbytes(20)), BlsPublicKey(bn254.g1_generator_mul(rng.randrange(1, bn254.R)))
        )
        for _ in range(validators)
    ]
    pool = [Address(rng.randbytes(20)) for _ in range(publishers)]
    half = validators // 2
    production = ProductionKeyfile(
        schema_version=1,
        remote_signer="https://signer.example:8080",
        validators=tuple(
            DeployedValidator(a, pool[0], Address(rng.randbytes(20)), fee) for a in attesters[:half]
        ),
    )
    new = PublicKeysFile(1, tuple(PublicValidator(a, fee) for a in attesters[half:]))
    (folder / PROD).write_text(codecs.dump_json(production))
    (folder / NEW).write_text(codecs.dump_json(new))
    (folder / PUBS).write_text(json.dumps([p.checksum for p in pool]))
    for publisher in pool:
        node.set_balance(publisher, 10**21)
    node.set_size(3)  # provider 1 is registered
    config = folder.parent / "devnet.toml"
    config.write_text(
        f'network = "devnet"\nchain_id = {ANVIL_CHAIN_ID}\nrpc_url = "{node.rpc_url}"\n'
        f'staking_registry = "{node.address.checksum}"\nrollup = "{node.address.checksum}"\n'
        'provider_id = 1\nmin_eth_per_attester = "0.1"\n'
    )
    return Fleet(folder, config, validators)


def command(fleet: Fleet, work: Path) -> list[str]:
    return [
        CLI,
        "prepare-deployment",
        "--production-keys",
        str(work / PROD),
        "--new-public-keys",
        str(work / NEW),
        "--available-publishers",
        str(work / PUBS),
        "-H",
        "3",
        "--scraper-config",
        str(work / "data" / SCRAPER),
        "--config",
        str(fleet.config),
    ]


def fresh_work(fleet: Fleet, root: Path, name: str) -> Path:
    work = root / name
    shutil.copytree(fleet.source, work)
    return work


@attrs.frozen
class Timing:
    run: float
    """Seconds of one uninterrupted run."""
    writing: float
    """Seconds from its first staged file to the scraper config's arrival (the commit point)."""


def timing(fleet: Fleet, root: Path) -> Timing:
    """How long one uninterrupted run takes, and its writes (the ranges the signals are spread over)."""
    work = fresh_work(fleet, root, "timing")
    started = time.monotonic()
    process = subprocess.Popen(command(fleet, work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first_write = _first_staged(work, process)
    committed = None
    while process.poll() is None and committed is None:
        if (work / "data" / SCRAPER).exists():
            committed = time.monotonic()
        time.sleep(0.001)
    assert process.wait() == 0, "an uninterrupted run failed"
    ended = time.monotonic()
    shutil.rmtree(work)
    if first_write is None:
        return Timing(ended - started, 0.0)
    return Timing(ended - started, (committed if committed is not None else ended) - first_write)


def _first_staged(work: Path, process: subprocess.Popen[bytes]) -> float | None:
    """When the first staged file appears (polled every millisecond); None if the process ends first."""
    while process.poll() is None:
        for folder in (work, work / "data"):
            try:
                if any(name.endswith(".butler-staged") for name in os.listdir(folder)):
                    return time.monotonic()
            except FileNotFoundError:
                pass
        time.sleep(0.001)
    return None


def one_round(fleet: Fleet, root: Path, name: str, rng: random.Random, times: Timing) -> Round:
    """Half the rounds stop the run at a moment anywhere in it, half at a moment during its writes (from
    the first staged file to a little past the commit point)."""
    work = fresh_work(fleet, root, name)
    stop = rng.choice(STOPS)
    process = subprocess.Popen(command(fleet, work), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if rng.random() < 0.5:
        after = rng.uniform(0, times.run * 1.1)
        time.sleep(after)
    else:
        started = time.monotonic()
        _first_staged(work, process)
        time.sleep(rng.uniform(0, times.writing * 1.2))
        after = time.monotonic() - started
    ended_before = process.poll() is not None
    if not ended_before:
        process.send_signal(stop)
    _, stderr = process.communicate(timeout=120)
    problems: list[str] = []
    if ended_before and process.returncode != 0:
        problems.append(f"the run failed on its own: {stderr.decode(errors='replace')[-500:]}")
    before = _verdict(work)
    if stop is not signal.SIGKILL and before not in ("none", "all", "finished"):
        problems.append(f"after {stop.name} the folder holds {before}")
    rerun = subprocess.run(command(fleet, work), check=False, capture_output=True, text=True)
    if rerun.returncode != 0:
        problems.append(f"the rerun exited {rerun.returncode}: {rerun.stderr[-800:]}")
    recovery = tuple(line for line in rerun.stderr.splitlines() if "interrupted run" in line)
    problems += _after_rerun(work, fleet.validators)
    if not problems:
        shutil.rmtree(work)
    return Round(stop, after, None if ended_before else process.returncode, before, recovery, tuple(problems))


def _ours(work: Path) -> list[str]:
    """Temporary files and journals of ours, anywhere under `work`."""
    return [
        str(path.relative_to(work))
        for path in work.rglob(".*")
        if path.name.endswith((".butler-staged", ".butler-tmp", ".journal"))
    ]


def _sets(work: Path) -> dict[str, set[str]]:
    """Keyfile sets by suffix (.new, .new2, ...): which of A, B, C each has."""
    found: dict[str, set[str]] = collections.defaultdict(set)
    for path in work.iterdir():
        for name in SETS:
            prefix = f"{name}_{PROD}"
            if path.name.startswith(prefix):
                found[path.name[len(prefix) :]].add(name)
    return found


def _verdict(work: Path) -> str:
    sets = _sets(work)
    scraper = (work / "data" / SCRAPER).exists()
    leftovers = _ours(work)
    if not sets and not scraper:
        return "none" if not leftovers else f"none, with leftovers {leftovers}"
    if set(sets) == {".new"} and sets[".new"] == set(SETS) and scraper:
        if not leftovers:
            return "all"
        journal = any(".journal" in name for name in leftovers)
        return f"all, with leftovers {leftovers}" if journal else "finished"
    written = "written" if scraper else "absent"
    return f"partial: sets {dict(sets)}, scraper config {written}, leftovers {leftovers}"


def _after_rerun(work: Path, validators: int) -> list[str]:
    problems = []
    sets = _sets(work)
    if sets.keys() not in ({".new"}, {".new", ".new2"}) or any(names != set(SETS) for names in sets.values()):
        problems.append(f"after the rerun the sets are {dict(sets)}")
    leftovers = _ours(work)
    if leftovers:
        problems.append(f"after the rerun these remain: {leftovers}")
    try:
        config = json.loads((work / "data" / SCRAPER).read_text())
        if len(config["attesters"]) != validators:
            problems.append(
                f"the scraper config lists {len(config['attesters'])} attesters, not {validators}"
            )
    except (OSError, ValueError, KeyError) as error:
        problems.append(f"the scraper config is unreadable: {error!r}")
    return problems


def summary(rounds: list[Round]) -> str:
    by_state = collections.Counter(r.before_rerun.split(":")[0].split(",")[0] for r in rounds)
    by_stop = collections.Counter(r.stop.name for r in rounds)
    recovered = sum(1 for r in rounds if r.recovery)
    failed = sum(1 for r in rounds if r.problems)
    return (
        f"{len(rounds)} rounds ({', '.join(f'{k} {v}' for k, v in sorted(by_stop.items()))}); "
        f"state left by the stop: {', '.join(f'{k} {v}' for k, v in sorted(by_state.items()))}; "
        f"reruns that completed or took back a set first: {recovered}; rounds failing a check: {failed}"
    )

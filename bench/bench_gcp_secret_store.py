"""Storing validators' keys in Google Cloud Secret Manager: seconds and requests per key.

Run: .venv/bin/python bench/bench_gcp_secret_store.py [--validators 100] [--latency-ms 0 50] [--workers 1 8]

Drives `GcpSecretStore` (Google's client library, REST transport, anonymous credentials) against the
local stand-in of the Secret Manager API, the way `process-private-keys --secret-store gcp` does: `check`
then `store` for fresh keys, then the same again as a rerun. Each validator has an attester eth key, a
bls key and its own publisher key, so 3 secrets. `--latency-ms` makes the stand-in wait before each
answer, as a network round trip to Google would; the stand-in itself answers in well under a
millisecond, so at 0 the numbers are the client library's and the adapter's own cost.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from google.auth.credentials import AnonymousCredentials

from butler.adapters.secrets.gcp_store import GcpSecretStore
from butler.domain.derivation import derive_public_validator
from butler.domain.keyfiles import DerivedValidator, FeeRecipient, PrivateAttester, PrivateValidator
from butler.domain.keys import parse_bls_secret_key, parse_eth_secret_key

if TYPE_CHECKING:
    from tests.integration.gcp_secret_manager_stub import RunningStub

REPO = Path(__file__).resolve().parents[1]


def running_secret_manager() -> AbstractContextManager[RunningStub]:
    # The stand-in lives with the integration tests, which use the same one.
    sys.path.insert(0, str(REPO))
    from tests.integration.gcp_secret_manager_stub import running_secret_manager as start

    return start()


def validators(count: int) -> list[DerivedValidator]:
    made = []
    for n in range(1, count + 1):
        private = PrivateValidator(
            attester=PrivateAttester(
                eth=parse_eth_secret_key(f"0x{0x1000 + n:064x}"),
                bls=parse_bls_secret_key(f"0x{0x2000 + n:064x}"),
            ),
            publisher=(parse_eth_secret_key(f"0x{0x3000 + n:064x}"),),
            fee_recipient=FeeRecipient(bytes(32)),
        )
        made.append(DerivedValidator(private=private, public=derive_public_validator(private)))
    return made


def run(running: RunningStub, batch: list[DerivedValidator], project: str, workers: int) -> tuple[float, int]:
    """Seconds for check + store, and the requests they sent."""
    store = GcpSecretStore.connect(
        network="bench",
        project=project,
        endpoint=running.endpoint,
        credentials=AnonymousCredentials(),
        workers=workers,
    )
    before = running.stub.count()
    start = time.perf_counter()
    store.check(batch)
    store.store(batch)
    return time.perf_counter() - start, running.stub.count() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--validators", type=int, default=100, help="validators (3 keys each)")
    parser.add_argument(
        "--latency-ms", type=float, nargs="+", default=[0.0, 50.0], help="stand-in delay per answer"
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8], help="keys handled at a time")
    # bench/run_all.py hands every script the same arguments; those meant for other scripts are ignored.
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"ignoring arguments for other benchmarks: {' '.join(ignored)}", file=sys.stderr)

    batch = validators(args.validators)
    keys = 3 * len(batch)
    print(f"{len(batch)} validators = {keys} secrets; check + store, then the same again (a rerun)")
    columns = ("latency", "workers", "fresh s", "ms/key", "req/key", "rerun s", "req/key")
    print(
        " ".join(f"{column:>{8 if column in ('latency', 'fresh s', 'rerun s') else 7}}" for column in columns)
    )
    with running_secret_manager() as running:
        run(running, batch[:1], "warm-up", 1)  # imports, the first connection
        for latency in args.latency_ms:
            running.stub.latency = latency / 1000
            for workers in args.workers:
                project = f"bench-{latency:g}-{workers}"
                fresh, fresh_requests = run(running, batch, project, workers)
                again, again_requests = run(running, batch, project, workers)
                print(
                    f"{latency:>6g}ms {workers:>7} {fresh:>8.2f} {1000 * fresh / keys:>7.1f} "
                    f"{fresh_requests / keys:>7.2f} {again:>8.2f} {again_requests / keys:>7.2f}"
                )


if __name__ == "__main__":
    main()

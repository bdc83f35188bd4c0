"""`aztec-butler add-keys`: phase 5 of the key flow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import ButlerError
from butler.domain.staking_registry_calls import DEFAULT_CHUNK_SIZE
from butler.entrypoints.console import ProgressLine, note, parse_plac
from butler.entrypoints.options import long_opt, network_options

if TYPE_CHECKING:  # the use case is imported when the command runs, so that --help stays fast
    from butler.domain.config import NetworkConfig
    from butler.entrypoints.bootstrap import Services
    from butler.ports.multisig import Multisig
    from butler.usecases.add_keys import AddKeysOutcome, Registration

LISTED_ATTESTERS = 10
"""Up to this many attesters are named one by one in the summary; beyond it, each call's first and last."""


@attrs.frozen
class Options:
    private_key_file: Path
    chunk_size: int
    no_propose: bool
    skip_known: bool
    json: bool
    config: str | None
    network: str | None


@plac.pos("private_key_file", "private-keys file of the new validators (the one given to phase 2)", type=Path)
@long_opt(
    "chunk_size",
    f"attesters per addKeysToProvider call, one Safe transaction each (default {DEFAULT_CHUNK_SIZE})",
    type=int,
    metavar="N",
)
@plac.flg("no_propose", "print the calldata only; propose nothing to the Safe", abbrev="P")
@plac.flg(
    "skip_known",
    "leave out attesters already on chain or in a pending Safe transaction instead of failing",
    abbrev="K",
)
@plac.flg("json", "print the calls on stdout as a JSON list of {to, value, data, operation}", abbrev="j")
@network_options
def add_keys(
    private_key_file: Path,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    no_propose: bool = False,
    skip_known: bool = False,
    json: bool = False,
    config: str | None = None,
    network: str | None = None,
) -> Options:
    """Register new attesters with the staking provider (phase 5): addKeysToProvider calldata.

    Every key is validated first, as in phase 2. The command fails, listing them, if any attester is
    already in the provider queue, the rollup entry queue, known to the rollup, or proposed in a Safe
    transaction still pending (with the nonces; read from the Safe Transaction Service whenever the
    config names one, and an unreachable service fails the command); --skip-known leaves those
    attesters out and registers only the others. It then asks the
    GSE for each key's registration digest, builds the registration data (BLS public keys on G1 and G2,
    proof of possession) and prints one addKeysToProvider call per chunk on stdout (to, value, data),
    with a summary on stderr. When a Safe proposer key is configured, each call is proposed to the
    provider's Safe as its own transaction at consecutive nonces, unless --no-propose.

    example:
      aztec-butler add-keys new-private-keys.json --config devnet.toml
    """
    return Options(private_key_file, chunk_size, no_propose, skip_known, json, config, network)


def run(services: Services, args: Options) -> int:
    from butler.entrypoints.calldata_output import print_calls, report_proposals
    from butler.usecases.add_keys import add_keys

    loaded = services.network(args.config, args.network)
    network_config = loaded.config
    multisig: Multisig | None = None
    cannot_propose: ButlerError | None = None
    if not args.no_propose:
        try:
            multisig = services.multisig(loaded, printed="the calldata above")
        except ButlerError as error:
            # Reported once the calldata is printed: the owners can still propose it themselves.
            cannot_propose = error

    def show(registration: Registration) -> None:
        print_calls(registration.calls, as_json=args.json)
        _summarise(registration, network_config)

    outcome = add_keys(
        args.private_key_file,
        files=services.key_files,
        chain=services.chain(loaded),
        config=network_config,
        multisig=multisig,
        chunk_size=args.chunk_size,
        show=show,
        progress=ProgressLine("built registration data for"),
        pending=multisig if multisig is not None else services.safe_queue(loaded),
        skip_known=args.skip_known,
    )
    for attester, where in outcome.skipped:
        note(f"skipped attester {attester}: {where}")
    if not outcome.registration.attesters:
        note("nothing to register: every attester of the file is already known")
        return 0
    if cannot_propose is not None:
        raise cannot_propose
    if outcome.proposals:
        report_proposals(outcome.proposals, safe=outcome.safe)
    else:
        note(f"nothing proposed: {_why_not_proposed(args.no_propose)}")
    _report_next_step(outcome)
    return 0


def _summarise(registration: Registration, config: NetworkConfig) -> None:
    provider = registration.provider
    count = len(registration.attesters)
    calls = len(registration.calls)
    note(
        f"add-keys: {count} attester{_s(count)} for provider {provider.id} on {config.network}, "
        f"in {calls} Safe transaction{_s(calls)}"
    )
    note(f"  target: StakingRegistry {registration.registry}, addKeysToProvider({provider.id}, ...)")
    note(f"  provider admin (must execute it): {provider.admin}")
    if config.safe_address is not None and config.safe_address != provider.admin:
        note(f"  warning: the configured Safe {config.safe_address} is not the provider's admin")
    for index, chunk in enumerate(registration.chunks, 1):
        if count <= LISTED_ATTESTERS:
            named = ", ".join(str(a) for a in chunk)
        else:
            named = f"{chunk[0]} ... {chunk[-1]}" if len(chunk) > 1 else str(chunk[0])
        note(f"  transaction {index} of {calls}: {len(chunk)} attester{_s(len(chunk))}: {named}")


def _why_not_proposed(no_propose: bool) -> str:
    from butler.adapters.secrets.sources import PROPOSER_KEY_ENV, PROPOSER_KEY_FILE_ENV

    if no_propose:
        return "--no-propose was given; the calldata is on stdout"
    return (
        "no Safe proposer key is configured (safe_proposer_key_file in the network config, "
        f"${PROPOSER_KEY_ENV} or ${PROPOSER_KEY_FILE_ENV}); give the calldata on stdout to the Safe's owners"
    )


def _report_next_step(outcome: AddKeysOutcome) -> None:
    if outcome.proposals:
        note(
            f"next: the Safe's owners sign and execute the {len(outcome.proposals)} transaction"
            f"{_s(len(outcome.proposals))} in nonce order; the attesters then wait in the provider queue"
        )


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(add_keys, f"aztec-butler {prog}", argv)
    return run(services(), options)

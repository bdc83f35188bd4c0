"""`aztec-butler queue-stats`: the provider queue, the rollup entry queue and our attesters in them."""

from __future__ import annotations

import json as json_module
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.entrypoints.console import note, parse_plac
from butler.entrypoints.options import long_opt, network_options, scraper_config_option

if TYPE_CHECKING:  # the use case is imported when the command runs, so that --help stays fast
    from butler.entrypoints.bootstrap import Services
    from butler.usecases.queue_stats import QueueStats

SCHEDULE_LINES = 12  # batches printed as text; --json has them all


@attrs.frozen
class Options:
    attesters: Path | None
    scraper_config: Path | None
    json: bool
    config: str | None
    network: str | None


@long_opt(
    "attesters",
    "production keyfile whose attesters count as ours too; its coinbases count as known",
    type=Path,
    metavar="FILE",
)
@scraper_config_option("scraper config")
@plac.flg("json", "print everything as one JSON object, every flush batch included", abbrev="j")
@network_options
def queue_stats(
    attesters: Path | None = None,
    scraper_config: Path | None = None,
    json: bool = False,
    config: str | None = None,
    network: str | None = None,
) -> Options:
    """When our attesters leave the queues: provider queue, rollup entry queue and flush schedule.

    Our attesters are those of the scraper config and of the --attesters keyfile. For the provider
    queue it lists the length and where ours wait (keys leave it when delegators stake: no estimate).
    For the rollup entry queue: its length, the flush allowance, the schedule of flushes, and for each
    of ours its position, the epoch and time from which it can be flushed into the validator set, and
    whether its coinbase is known (in the scraper config, in the keyfile).

    The schedule assumes that flushes happen as soon as the rollup allows (the whole allowance at the
    start of every epoch), that every deposit succeeds and that nobody joins or leaves meanwhile: real
    activations happen then or later. A time in the past means: can be flushed now. "never" means the
    queue does not move as things stand (closed, or bootstrap waiting for more deposits).

    example:
      aztec-butler queue-stats -c testnet.toml --attesters prod-testnet-keyfile.json
    """
    return Options(attesters, scraper_config, json, config, network)


def run(services: Services, args: Options) -> int:
    from butler.usecases.queue_stats import QueueStatsRequest, queue_stats

    loaded = services.network(args.config, args.network)
    path = services.scraper_config_path(args.scraper_config, loaded.config.network)
    request = QueueStatsRequest(path, args.attesters)
    stats = queue_stats(
        request,
        config=loaded.config,
        chain=services.chain(loaded, aggregate=True),
        scraper_configs=services.scraper_configs,
        key_files=services.key_files,
    )
    if not stats.ours_from:
        note(f"no scraper config at {request.scraper_config_path} and no --attesters: no attester is ours")
    if args.json:
        sys.stdout.write(json_module.dumps(as_document(stats), indent=2) + "\n")
    else:
        sys.stdout.write(as_text(stats))
    return 0


def as_document(stats: QueueStats) -> dict[str, Any]:
    flushes = stats.flushes
    config = flushes.config
    return {
        "providerId": stats.provider_id,
        "providerQueue": {
            "length": stats.provider_queue_length,
            "ours": [{"attester": str(a), "position": p} for a, p in stats.ours_in_provider_queue],
        },
        "entryQueue": {
            "length": stats.entry_queue_length,
            "currentEpoch": flushes.current_epoch,
            "nextFlushableEpoch": flushes.next_flushable_epoch,
            "availableFlushes": flushes.available_flushes,
            "flushSize": flushes.flush_size,
            "isBootstrapped": flushes.is_bootstrapped,
            "activeAttesterCount": flushes.active_attester_count,
            "queueConfig": {
                "bootstrapValidatorSetSize": config.bootstrap_validator_set_size,
                "bootstrapFlushSize": config.bootstrap_flush_size,
                "normalFlushSizeMin": config.normal_flush_size_min,
                "normalFlushSizeQuotient": config.normal_flush_size_quotient,
                "maxQueueFlushSize": config.max_queue_flush_size,
            },
            "epochSeconds": flushes.clock.slot_duration * flushes.clock.epoch_duration,
            "schedule": [
                {
                    "epoch": b.epoch,
                    "firstPosition": b.first_position,
                    "count": b.count,
                    "startsAt": b.starts_at,
                }
                for b in stats.schedule.batches
            ],
            "unscheduled": stats.entry_queue_length - stats.schedule.placed,
            "ours": [
                {
                    "attester": str(q.attester),
                    "position": q.queued.position,
                    "epoch": q.queued.batch.epoch if q.queued.batch else None,
                    "eta": q.queued.eta,
                    "coinbaseKnown": q.coinbase_known,
                    "scraperConfigCoinbase": _optional(q.scraper_config_coinbase),
                    "keyfileCoinbase": _optional(q.keyfile_coinbase),
                }
                for q in stats.queued
            ],
        },
        "nextMissingCoinbaseEta": stats.next_missing_coinbase_eta,
    }


def as_text(stats: QueueStats) -> str:
    f = stats.flushes
    lines = [
        f"provider {stats.provider_id} queue: {stats.provider_queue_length} keys, "
        f"{len(stats.ours_in_provider_queue)} of ours"
        + (
            f" (first at position {stats.ours_in_provider_queue[0][1]})"
            if stats.ours_in_provider_queue
            else ""
        ),
        f"entry queue: {stats.entry_queue_length} deposits, {len(stats.queued)} of ours",
        f"epoch {f.current_epoch}: {f.available_flushes} can be flushed now; flush size {f.flush_size}, "
        f"next allowance in epoch {f.next_flushable_epoch}; {f.active_attester_count} active"
        + ("" if f.is_bootstrapped else ", not bootstrapped"),
        "schedule (flushes as soon as allowed):",
    ]
    batches = stats.schedule.batches
    for batch in batches[:SCHEDULE_LINES]:
        lines.append(
            f"  epoch {batch.epoch} ({_time(batch.starts_at)}): positions {batch.first_position}"
            f"-{batch.end_position - 1}"
        )
    if len(batches) > SCHEDULE_LINES:
        last = batches[-1]
        more = len(batches) - SCHEDULE_LINES
        lines.append(f"  ... {more} more, the last in epoch {last.epoch} ({_time(last.starts_at)})")
    unscheduled = stats.entry_queue_length - stats.schedule.placed
    if unscheduled:
        lines.append(f"  {unscheduled} deposits never, as things stand")
    if stats.queued:
        lines.append("ours in the entry queue (position, epoch, ETA, coinbase):")
        for q in stats.queued:
            epoch = str(q.queued.batch.epoch) if q.queued.batch else "-"
            when = _time(q.queued.eta) if q.queued.eta is not None else "never"
            lines.append(
                f"  {q.attester} {q.queued.position} {epoch} {when} "
                + ("known" if q.coinbase_known else "MISSING")
            )
    eta = stats.next_missing_coinbase_eta
    if eta is not None:
        lines.append(f"next attester without coinbase can become active from {_time(eta)}")
    return "\n".join(lines) + "\n"


def _time(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _optional(value: object | None) -> str | None:
    return None if value is None else str(value)


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(queue_stats, f"aztec-butler {prog}", argv)
    return run(services(), options)

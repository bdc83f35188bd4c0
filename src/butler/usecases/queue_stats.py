"""`queue-stats`: where our attesters wait, and when each can leave the rollup entry queue."""

from __future__ import annotations

from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.entry_queue import (
    FlushSchedule,
    FlushState,
    QueuedAttester,
    earliest_eta,
    queued_attesters,
)
from butler.domain.scraper_config import ScraperConfig
from butler.ports.chain import Chain
from butler.ports.json_documents import ScraperConfigFiles
from butler.ports.key_files import KeyFiles
from butler.usecases.steps.providers import resolve_provider
from butler.usecases.steps.scraper_config_scope import check_scraper_config


@attrs.frozen
class QueueStatsRequest:
    scraper_config_path: Path
    attesters_file: Path | None = None


@attrs.frozen
class OurQueuedAttester:
    attester: Address
    queued: QueuedAttester
    scraper_config_coinbase: Address | None  # a known non-zero coinbase, else None
    keyfile_coinbase: Address | None

    @property
    def coinbase_known(self) -> bool:
        return self.scraper_config_coinbase is not None or self.keyfile_coinbase is not None


@attrs.frozen
class QueueStats:
    provider_id: int
    provider_queue_length: int
    ours_in_provider_queue: tuple[tuple[Address, int], ...]  # (attester, position), head first
    entry_queue_length: int
    flushes: FlushState
    schedule: FlushSchedule
    queued: tuple[OurQueuedAttester, ...]  # ours in the entry queue, head first
    ours: int  # how many attesters are ours (scraper config and keyfile)
    ours_from: tuple[str, ...]  # where they came from

    @property
    def next_missing_coinbase_eta(self) -> int | None:
        """The earliest ETA among our queued attesters whose coinbase neither source knows."""
        by_attester = {q.attester: q.queued for q in self.queued}
        return earliest_eta(by_attester, (q.attester for q in self.queued if not q.coinbase_known))


def queue_stats(
    request: QueueStatsRequest,
    *,
    config: NetworkConfig,
    chain: Chain,
    scraper_configs: ScraperConfigFiles,
    key_files: KeyFiles,
) -> QueueStats:
    """Our attesters are those of the scraper config (when it exists) and of the keyfile, if given."""
    scraper_config = _scraper_config(request, scraper_configs, config)
    keyfile = key_files.read_production_keyfile(request.attesters_file) if request.attesters_file else None
    recorded = {
        a.address: a.coinbase for a in (scraper_config.attesters if scraper_config else ()) if a.coinbase
    }
    in_keyfile = {v.attester.eth: v.coinbase for v in (keyfile.validators if keyfile else ())}
    ours = {a.address for a in scraper_config.attesters} if scraper_config else set()
    ours |= set(in_keyfile)
    ours_from = (
        *((f"the scraper config {request.scraper_config_path}",) if scraper_config else ()),
        *((str(request.attesters_file),) if keyfile else ()),
    )

    provider = resolve_provider(chain, config)
    provider_queue = chain.provider_queue(provider.id)
    state = chain.entry_queue_state()
    schedule = state.schedule()
    queued = queued_attesters(state.entries, schedule, ours)
    return QueueStats(
        provider_id=provider.id,
        provider_queue_length=len(provider_queue),
        ours_in_provider_queue=tuple(
            (k.attester, position) for position, k in enumerate(provider_queue) if k.attester in ours
        ),
        entry_queue_length=len(state.entries),
        flushes=state.flushes,
        schedule=schedule,
        queued=tuple(
            OurQueuedAttester(
                attester=attester,
                queued=entry,
                scraper_config_coinbase=_known(recorded.get(attester)),
                keyfile_coinbase=_known(in_keyfile.get(attester)),
            )
            for attester, entry in sorted(queued.items(), key=lambda item: item[1].position)
        ),
        ours=len(ours),
        ours_from=ours_from,
    )


def _known(coinbase: Address | None) -> Address | None:
    return coinbase if coinbase is not None and not coinbase.is_zero else None


def _scraper_config(
    request: QueueStatsRequest, files: ScraperConfigFiles, network: NetworkConfig
) -> ScraperConfig | None:
    path = request.scraper_config_path
    if not files.exists(path):
        return None
    config = files.read(path)
    check_scraper_config(path, config, network)
    return config

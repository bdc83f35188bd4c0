"""What one can do to a running devnet: fund accounts, fill the provider queue through the Safe (with
generated keys or an operator's own), stake into the real Rollup's entry queue, flush it into the real
GSE, start and finalize exits, slash, and execute the Safe proposals the tx-service stand-in holds. Where
the real contracts wait on time (the next flushable epoch, the exit delay) the action moves the devnet's
clock. Every action returns plain records; the CLI prints them."""

from __future__ import annotations

from butler.devnet.entry_queue_actions import EntryQueueActions
from butler.devnet.exit_actions import ExitActions
from butler.devnet.proposal_actions import ProposalActions
from butler.devnet.provider_actions import ProviderActions


class DevnetActions(ProviderActions, EntryQueueActions, ExitActions, ProposalActions):
    """Actions against the devnet a config describes."""

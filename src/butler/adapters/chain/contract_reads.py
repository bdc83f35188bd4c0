"""What the registry's, the rollup's and the entry queue's reads share: the node's answers checked,
`eth_call`s built and decoded, the read-batching strategy and the log scanner."""

from __future__ import annotations

import attrs

from butler.adapters.chain.contract_reader import ContractReader
from butler.adapters.chain.log_scanner import LogScanner
from butler.adapters.chain.node_answers import NodeAnswers
from butler.adapters.chain.read_batching import ReadBatching


@attrs.frozen
class ReadMeans:
    """One node's means of reading, made once per chain adapter."""

    answers: NodeAnswers
    reader: ContractReader
    batching: ReadBatching
    logs: LogScanner


class ContractReads:
    """Base of the reads of one contract (or a few): they go through `means`."""

    def __init__(self, means: ReadMeans) -> None:
        self._answers = means.answers
        self._reader = means.reader
        self._batching = means.batching
        self._logs = means.logs

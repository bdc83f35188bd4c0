"""What the benchmarks count round trips with: a requests session that counts its HTTP requests."""

from __future__ import annotations

from typing import Any

import requests


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.requests += 1

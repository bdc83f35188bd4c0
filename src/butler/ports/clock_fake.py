"""A clock that moves only when told to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from butler.ports.clock import Clock


class FixedClock:
    def __init__(self, at: datetime | None = None) -> None:
        self._now = at if at is not None else datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


_CONFORMS: type[Clock] = FixedClock

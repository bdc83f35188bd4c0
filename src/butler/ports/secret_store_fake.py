"""An in-memory secret store for tests."""

from __future__ import annotations

from collections.abc import Sequence

from butler.domain.errors import ButlerError
from butler.domain.keyfiles import DerivedValidator
from butler.ports.secret_store import SecretStore


class FakeSecretStore:
    def __init__(self, *, fail_with: str | None = None) -> None:
        self.stored: list[DerivedValidator] = []
        self._fail_with = fail_with

    def store(self, validators: Sequence[DerivedValidator]) -> None:
        if self._fail_with is not None:
            raise ButlerError(self._fail_with)
        self.stored.extend(validators)


# mypy checks this assignment against the port, so the fake cannot drift from it unnoticed.
_CONFORMS: type[SecretStore] = FakeSecretStore

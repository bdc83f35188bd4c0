"""An in-memory secret store for tests: remembers keys like a real one and refuses to overwrite them."""

from __future__ import annotations

from collections.abc import Sequence

from butler.domain.address import Address
from butler.domain.errors import ButlerError, CheckFailed
from butler.domain.keyfiles import DerivedValidator
from butler.domain.keys import BlsSecretKey, EthSecretKey
from butler.ports.secret_store import KeyKind, KeyToKeep, SecretStore, StoredKey, keys_to_keep


class FakeSecretStore:
    def __init__(self, *, fail_with: str | None = None) -> None:
        self.stored: list[DerivedValidator] = []
        """Every validator handed to `store`, in order (repeats included)."""
        self.kept: dict[tuple[Address, KeyKind], EthSecretKey | BlsSecretKey] = {}
        self._fail_with = fail_with

    def check(self, validators: Sequence[DerivedValidator]) -> None:
        problems = [self._conflict(key) for key in keys_to_keep(validators) if self._differs(key)]
        if problems:
            raise CheckFailed(*problems)

    def store(self, validators: Sequence[DerivedValidator]) -> list[StoredKey]:
        if self._fail_with is not None:
            raise ButlerError(self._fail_with)
        self.check(validators)
        report = []
        for key in keys_to_keep(validators):
            created = (key.address, key.kind) not in self.kept
            self.kept[key.address, key.kind] = key.secret
            report.append(StoredKey(key.address, key.kind, _location(key), created))
        self.stored.extend(validators)
        return report

    def _differs(self, key: KeyToKeep) -> bool:
        held = self.kept.get((key.address, key.kind))
        return held is not None and held != key.secret

    @staticmethod
    def _conflict(key: KeyToKeep) -> str:
        return f"{_location(key)}: already holds a different {key.kind} key; not overwritten"


def _location(key: KeyToKeep) -> str:
    return f"memory:{key.address.checksum.lower()}-{key.kind}"


# mypy checks this assignment against the port, so the fake cannot drift from it unnoticed.
_CONFORMS: type[SecretStore] = FakeSecretStore

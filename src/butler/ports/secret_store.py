"""Where freshly generated private keys are handed over. The product never keeps them itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from butler.domain.keyfiles import DerivedValidator


class SecretStore(Protocol):
    def store(self, validators: Sequence[DerivedValidator]) -> None:
        """Take custody of the private keys of `validators`; raise ButlerError if that failed."""
        ...

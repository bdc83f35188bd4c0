"""A secret that is not a key (an API token): carried around, never shown."""

from __future__ import annotations

import attrs


@attrs.frozen(repr=False)
class SecretText:
    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretText(<redacted>)"

    __str__ = __repr__

"""The console secret store: shows private keys on the terminal for the operator to file away.

It writes to stderr, so a redirected stdout never carries key material, and it is the one place in the
product that prints a private key.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from butler.domain.keyfiles import DerivedValidator
from butler.ports.secret_store import StoredKey

_RULE = "=" * 78


class ConsoleSecretStore:
    def __init__(self, stream: TextIO | None = None) -> None:
        # The process's stderr masks anything key-shaped; this is the one writer meant to show keys.
        self._stream = stream if stream is not None else getattr(sys.stderr, "unredacted", sys.stderr)

    def check(self, validators: Sequence[DerivedValidator]) -> None:
        """Nothing to check: the console remembers nothing, so it can hold no conflicting key."""

    def store(self, validators: Sequence[DerivedValidator]) -> tuple[StoredKey, ...]:
        write = self._stream.write
        write(f"{_RULE}\n")
        write("CONSOLE SECRET STORE: the private keys below are shown once and saved nowhere.\n")
        write("Move them into your secret store (e.g. web3signer's key storage) now.\n")
        write(f"{_RULE}\n")
        for index, validator in enumerate(validators):
            private, public = validator.private, validator.public
            write(f"validator {index}\n")
            write(f"  attester address     {public.attester.eth.checksum}\n")
            write(f"  attester eth private {private.attester.eth.reveal_hex()}\n")
            write(f"  attester bls public  {public.attester.bls.to_hex()}\n")
            write(f"  attester bls private {private.attester.bls.reveal_hex()}\n")
            for publisher in private.publisher:
                write(f"  publisher private    {publisher.reveal_hex()}\n")
        write(f"{_RULE}\nEND OF CONSOLE SECRET STORE ({len(validators)} validators)\n{_RULE}\n")
        self._stream.flush()
        return ()

"""How keys are laid out in Google Cloud Secret Manager: secret ids, labels and payloads (see
`gcp_store` for the scheme)."""

from __future__ import annotations

import hmac

from butler.ports.secret_store import KeyToKeep

PREFIX = "aztec-butler"


def secret_id(network: str, key: KeyToKeep) -> str:
    return f"{PREFIX}-{network}-{key.address.checksum.lower()}-{key.kind}"


def secret_labels(network: str, key: KeyToKeep) -> dict[str, str]:
    owner = "publisher" if key.kind == "publisher" else "attester"
    return {
        "managed_by": PREFIX,
        "network": network,
        "key_type": key.kind,
        owner: key.address.checksum.lower(),
    }


def payload(key: KeyToKeep) -> bytes:
    """The key as web3signer reads it: `0x` + 64 lowercase hex digits, UTF-8, no newline."""
    return key.secret.reveal_hex().encode("ascii")


def holds_key(held: bytes, key: KeyToKeep) -> bool:
    """Whether a secret's payload is this key (compared in constant time)."""
    return hmac.compare_digest(held, payload(key))

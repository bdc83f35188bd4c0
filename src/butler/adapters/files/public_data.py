"""Screens for files that hold public data only (the scraper config, the coinbase mapping): anything
shaped like a private key is refused before the file is decoded, without echoing it."""

from __future__ import annotations

from butler.domain.redaction import key_shaped

PUBLIC_DATA = "a {} holds public data only"
"""Why a key-shaped value is refused in a public document, given the document's name."""
# No public number of these formats comes near this (chain ids, provider ids, block numbers); a private
# key written as a JSON number does.
_KEY_SIZED_NUMBER = 10**40


def private_key_like_values(
    data: object, path: str = "", *, why: str = PUBLIC_DATA.format("scraper config")
) -> list[str]:
    """`<json path>: ...` for every value or field name in `data` that holds something shaped like a private
    key: a long run of hex or decimal digits anywhere in a string (with or without 0x, 63 digits, inside
    longer text), or a huge number. Such a field name is not repeated in the path. `why` closes each
    message: why such a value is refused there."""
    here = path or "top level"
    refused = f"looks like a private key; {why}"
    if isinstance(data, str):
        return [f"{here}: {refused}"] if key_shaped(data) else []
    if isinstance(data, int | float) and not isinstance(data, bool):
        return [f"{here}: {refused}"] if abs(data) >= _KEY_SIZED_NUMBER else []
    problems: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = key
            if key_shaped(key):
                problems.append(f"{here}: a field name {refused}")
                name = "<hidden>"
            problems += private_key_like_values(value, f"{path}.{name}" if path else name, why=why)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            problems += private_key_like_values(item, f"{path}[{index}]", why=why)
    return problems


def scraper_config_problems(data: object) -> list[str]:
    """Refuses key-shaped values anywhere in a scraper config."""
    return private_key_like_values(data)


def coinbase_mapping_problems(data: object) -> list[str]:
    """Refuses key-shaped strings (the file is public data) and an attester listed twice: JSON keys that
    differ only in case name the same address, and one of them would silently win. The checkpoints' block
    hashes have the shape of a key by nature and are checked as block hashes instead."""
    public = {k: v for k, v in data.items() if k != "checkpoints"} if isinstance(data, dict) else data
    problems = private_key_like_values(public, why=PUBLIC_DATA.format("coinbase mapping"))
    coinbases = data.get("coinbases") if isinstance(data, dict) else None
    if isinstance(coinbases, dict):
        seen: set[str] = set()
        for attester in coinbases:
            # Only address-length names are shown: anything longer may be a key pasted in the wrong place.
            if attester.lower() in seen and len(attester) == 42:
                problems.append(f"coinbases: attester {attester} appears twice (in another case)")
            seen.add(attester.lower())
    return problems

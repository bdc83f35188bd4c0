"""JSON text in: strict parsing that refuses what the standard library would let through silently."""

from __future__ import annotations

import json
import re

from butler.adapters.files.codecs import DecodeError
from butler.adapters.files.json_objects import MAX_SHOWN_NAME


class _DuplicateField(ValueError):
    pass


def _no_duplicate_fields(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            # A long name may be a key pasted in the wrong place: it is not repeated.
            name = f'"{key}"' if len(key) <= MAX_SHOWN_NAME else "with a long name"
            raise _DuplicateField(f"field {name} appears twice in one object")
        seen[key] = value
    return seen


# Far above what any of our formats nests (five levels), far below what the C parser survives: it recurses
# once per level, and py_ecc raises the interpreter's recursion limit to 100,000 when it is imported,
# so a deeply nested file would crash the process instead of raising RecursionError.
_MAX_NESTING = 64


_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def _nested_deeper_than(text: str, limit: int) -> bool:
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _STRUCTURE.finditer(text):
        char, at = match.group(), match.start()
        if in_string:
            if at == escaped_at:
                continue
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_json(text: str) -> object:
    """Parse JSON, refusing repeated keys in an object (the standard library silently keeps the last)."""
    if _nested_deeper_than(text, _MAX_NESTING):
        raise DecodeError(["not valid JSON for this format: nested too deeply"])
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_fields)
    except _DuplicateField as exc:
        raise DecodeError([f"top level: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise DecodeError([f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]) from None
    except ValueError:
        # The only other ValueError json raises: an integer beyond Python's digit limit for str -> int.
        raise DecodeError(["not valid JSON for this format: a number has too many digits"]) from None

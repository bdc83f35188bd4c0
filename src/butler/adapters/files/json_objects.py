"""JSON objects as attrs values, one class each: camelCase field names, strictly.

A field the class does not declare is refused, with the declared name it most resembles, because a
misspelt field read as absent loses what the operator wrote. An attribute whose metadata carries
KEPT_JSON_FIELDS takes those fields instead, verbatim, and gives them back on write; optional fields are
left out of a written file when unset.
"""

from __future__ import annotations

import difflib
import functools
import typing
from collections.abc import Callable
from typing import Any

import attrs
import cattrs

from butler.domain.keyfiles import KEPT_JSON_FIELDS

MAX_SHOWN_NAME = 32
"""Longer field names are never repeated in a message: such a name may be a key pasted in the wrong place."""


class StrictTypeError(TypeError):
    """A JSON value of the wrong type; the message names the types, never the value."""


class UnknownFields(ValueError):
    """Fields of one JSON object that its class does not declare, in file order."""

    def __init__(self, names: list[str], declared: tuple[str, ...]) -> None:
        super().__init__(names)
        self.names = names
        self.declared = declared


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def member_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def unknown_field(path: str, name: str, declared: tuple[str, ...]) -> str:
    """`<json path>.<name>: unknown field; did you mean ...?`, the hint being the closest declared name."""
    if len(name) > MAX_SHOWN_NAME:
        # A long name may be a key pasted in the wrong place: it is not repeated.
        return f"{path or 'top level'}: a field with a long name is not part of this format"
    by_case = {known.lower(): known for known in declared}
    close = difflib.get_close_matches(name.lower(), by_case, n=1, cutoff=0.6)
    hint = f'did you mean "{by_case[close[0]]}"?' if close else f"expected {', '.join(declared)}"
    return f"{member_path(path, name)}: unknown field; {hint}"


def kept_attribute_of(cls: type) -> tuple[str, tuple[str, ...]] | None:
    """The attribute of `cls` that keeps fields verbatim, and their names, if it has one."""
    for field in attrs.fields(cls):
        if KEPT_JSON_FIELDS in field.metadata:
            return field.name, tuple(field.metadata[KEPT_JSON_FIELDS])
    return None


def json_object(
    cls: Any, structure_fields: Callable[[Any, Any], Any], unset: tuple[str, ...]
) -> Callable[[object, object], Any]:
    """A JSON object as `cls`: only the fields it declares, `unset` ones optional, kept ones set aside."""
    kept_attribute, kept = kept_attribute_of(cls) or (None, ())
    declared = tuple(camel_case(f.name) for f in attrs.fields(cls) if f.name != kept_attribute) + kept
    accepted = frozenset(declared)
    defaults = dict.fromkeys(camel_case(name) for name in unset)

    def structure(value: object, type_: object) -> Any:
        if not isinstance(value, dict):
            raise StrictTypeError(f"expected an object, got {json_type(value)}")
        unknown = [name for name in value if name not in accepted]
        if unknown:
            # Refused, yet the declared fields are still checked, so one run names every problem.
            unknown_fields = UnknownFields(unknown, declared)
            try:
                structure_fields({**defaults, **value}, type_)
            except cattrs.ClassValidationError as exc:
                raise cattrs.ClassValidationError(
                    exc.message, [unknown_fields, *exc.exceptions], cls
                ) from None
            raise unknown_fields
        built = structure_fields({**defaults, **value}, type_)
        if kept_attribute is None:
            return built
        return attrs.evolve(built, **{kept_attribute: {k: v for k, v in value.items() if k in kept}})

    return structure


def with_kept_fields(
    cls: type, unstructure_fields: Callable[[Any], dict[str, object]]
) -> Callable[[Any], dict[str, object]]:
    kept_attribute = (kept_attribute_of(cls) or (None, ()))[0]
    if kept_attribute is None:
        return unstructure_fields
    return lambda value: {**unstructure_fields(value), **getattr(value, kept_attribute)}


def without_unset(
    unstructure_fields: Callable[[Any], dict[str, object]], unset: tuple[str, ...]
) -> Callable[[Any], dict[str, object]]:
    names = tuple(camel_case(name) for name in unset)

    def unstructure(value: object) -> dict[str, object]:
        fields = unstructure_fields(value)
        return {k: v for k, v in fields.items() if not (k in names and v is None)}

    return unstructure


@functools.cache
def _may_keep(type_: Any) -> bool:
    """Whether values of `type_` may hold kept fields anywhere inside: other values are not walked."""
    if attrs.has(type_):
        return kept_attribute_of(type_) is not None or any(
            _may_keep(f.type) for f in attrs.fields(attrs.resolve_types(type_))
        )
    return any(_may_keep(arg) for arg in typing.get_args(type_))


def kept_fields(value: object, path: str = "") -> list[str]:
    """JSON paths of the fields `value` keeps verbatim (see KEPT_JSON_FIELDS), in file order."""
    if isinstance(value, tuple):
        return [p for i, item in enumerate(value) for p in kept_fields(item, f"{path}[{i}]")]
    cls: Any = type(value)
    if not attrs.has(cls) or not _may_keep(cls):
        return []
    kept_attribute = (kept_attribute_of(cls) or (None, ()))[0]
    found = [member_path(path, name) for name in getattr(value, kept_attribute)] if kept_attribute else []
    for field in attrs.fields(cls):
        if field.name != kept_attribute:
            found += kept_fields(getattr(value, field.name), member_path(path, camel_case(field.name)))
    return found

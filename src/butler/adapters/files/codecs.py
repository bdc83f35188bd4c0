"""One cattrs converter for every file format of SPEC §3: camelCase JSON <-> attrs values.

Problems are reported as `<json path>: <reason>`; the reasons come from the domain parsers, which
never repeat the offending text, so key material cannot leak into an error.

The formats are strict: a field the attrs class does not declare is refused, with the declared name it
most resembles, because a misspelt field read as absent loses what the operator wrote. An attribute
whose metadata carries KEPT_JSON_FIELDS takes those fields instead, verbatim, and gives them back on
write.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import typing
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, is_sequence
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from butler.domain import coinbases, keyfiles, scraper_config
from butler.domain.address import Address, AddressFormatError
from butler.domain.keyfiles import (
    KEPT_JSON_FIELDS,
    KEYSTORE_SCHEMA_VERSIONS,
    DeployedValidator,
    FeeRecipient,
    FeeRecipientFormatError,
    PrivateValidator,
    ProductionKeyfile,
)
from butler.domain.keys import (
    BlsPublicKey,
    BlsSecretKey,
    EthSecretKey,
    KeyFormatError,
    parse_bls_secret_key,
    parse_eth_secret_key,
)
from butler.domain.publisher_sets import PublisherSet, PublisherSets, SetNameError, parse_set_name
from butler.domain.scraper_config import AttesterState, ScrapedAttester

T = TypeVar("T")

# Leaves first: a generated hook captures the hooks of its fields when it is made.
_FORMATS = (
    keyfiles.PrivateAttester,
    keyfiles.PrivateValidator,
    keyfiles.PrivateKeysFile,
    keyfiles.PublicAttester,
    keyfiles.PublicValidator,
    keyfiles.PublicKeysFile,
    keyfiles.DeployedValidator,
    keyfiles.ProductionKeyfile,
    scraper_config.ScrapedAttester,
    scraper_config.ScraperConfig,
    coinbases.CoinbaseRecord,
    coinbases.Checkpoint,
    coinbases.CoinbaseMapping,
)

# Optional fields: absent from the file when unknown, so a written file looks like the reference ones.
_OMITTED_WHEN_UNSET = {DeployedValidator: ("coinbase",), ScrapedAttester: ("coinbase", "last_seen_state")}

# The attribute holding each format's version, and the versions this release reads.
_SUPPORTED_VERSIONS: dict[type, tuple[str, tuple[int, ...]]] = {
    keyfiles.PrivateKeysFile: ("schema_version", KEYSTORE_SCHEMA_VERSIONS),
    keyfiles.PublicKeysFile: ("schema_version", KEYSTORE_SCHEMA_VERSIONS),
    keyfiles.ProductionKeyfile: ("schema_version", KEYSTORE_SCHEMA_VERSIONS),
    scraper_config.ScraperConfig: ("version", (scraper_config.SCRAPER_CONFIG_VERSION,)),
    coinbases.CoinbaseMapping: ("version", (coinbases.COINBASE_MAPPING_VERSION,)),
}


class _StrictTypeError(TypeError):
    """A JSON value of the wrong type; the message names the types, never the value."""


# Reasons our own parsers give are safe to show; anything else is replaced by a generic reason.
_SAFE_REASONS = (
    KeyFormatError,
    AddressFormatError,
    FeeRecipientFormatError,
    coinbases.BlockHashFormatError,
    _StrictTypeError,
)


class _UnknownFields(ValueError):
    """Fields of one JSON object that its class does not declare, in file order."""

    def __init__(self, names: list[str], declared: tuple[str, ...]) -> None:
        super().__init__(names)
        self.names = names
        self.declared = declared


class DecodeProblems(Exception):
    """The JSON did not match the format. `problems` holds one `<json path>: <reason>` per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _strict_int(value: object, _: object) -> int:
    if type(value) is not int:
        raise _StrictTypeError(f"expected an integer, got {_json_type(value)}")
    return value


def _parsed_by(parse: Callable[[Any], T]) -> Callable[[object, object], T]:
    return lambda value, _: parse(value)


def _lists_only(type_: Any, converter: cattrs.Converter) -> Callable[[object, object], Any]:
    """JSON arrays only: cattrs would otherwise take any iterable, even an object's keys or a string."""
    structure_items = homogenous_tuple_structure_factory(type_, converter)

    def structure(value: object, type_: object) -> Any:
        if not isinstance(value, list):
            raise _StrictTypeError(f"expected a list, got {_json_type(value)}")
        return structure_items(value, type_)

    return structure


def _never_written(_: object) -> object:
    raise TypeError("private keys are never serialised by the product")


def _kept_attribute(cls: type) -> tuple[str, tuple[str, ...]] | None:
    """The attribute of `cls` that keeps fields verbatim, and their names, if it has one."""
    for field in attrs.fields(cls):
        if KEPT_JSON_FIELDS in field.metadata:
            return field.name, tuple(field.metadata[KEPT_JSON_FIELDS])
    return None


def _json_object(
    cls: Any, structure_fields: Callable[[Any, Any], Any], unset: tuple[str, ...]
) -> Callable[[object, object], Any]:
    """A JSON object as `cls`: only the fields it declares, `unset` ones optional, kept ones set aside."""
    kept_attribute, kept = _kept_attribute(cls) or (None, ())
    declared = tuple(_camel(f.name) for f in attrs.fields(cls) if f.name != kept_attribute) + kept
    accepted = frozenset(declared)
    defaults = dict.fromkeys(_camel(name) for name in unset)

    def structure(value: object, type_: object) -> Any:
        if not isinstance(value, dict):
            raise _StrictTypeError(f"expected an object, got {_json_type(value)}")
        unknown = [name for name in value if name not in accepted]
        if unknown:
            # Refused, yet the declared fields are still checked, so one run names every problem.
            unknown_fields = _UnknownFields(unknown, declared)
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


def _with_kept_fields(
    cls: type, unstructure_fields: Callable[[Any], dict[str, object]]
) -> Callable[[Any], dict[str, object]]:
    kept_attribute = (_kept_attribute(cls) or (None, ()))[0]
    if kept_attribute is None:
        return unstructure_fields
    return lambda value: {**unstructure_fields(value), **getattr(value, kept_attribute)}


def _version_of(supported: tuple[int, ...]) -> Callable[[object, object], int]:
    def structure(value: object, _: object) -> int:
        version = _strict_int(value, None)
        if version not in supported:
            # Only a plausible version number is repeated: a long number may be a key typed as one.
            shown = f" {version}" if 0 <= version < 10**6 else ""
            raise _StrictTypeError(
                f"unsupported version{shown}; this release reads version {' or '.join(map(str, supported))}"
            )
        return version

    return structure


def _publishers(value: object, _: object) -> tuple[EthSecretKey, ...]:
    if isinstance(value, list):
        if not value:
            raise _StrictTypeError("expected a private key or a non-empty list of them")
        return cattrs_converter.structure(value, tuple[EthSecretKey, ...])
    return (parse_eth_secret_key(value),)


def _verbatim(value: object, _: object) -> object:
    if value is None:
        raise _StrictTypeError("expected a value, got null")
    return value


def _state(value: object, _: object) -> AttesterState:
    if not isinstance(value, str):
        raise _StrictTypeError(f"expected a string, got {_json_type(value)}")
    try:
        return AttesterState(value)
    except ValueError:
        raise _StrictTypeError(f"unknown state, expected one of {', '.join(AttesterState)}") from None


def _without_unset(
    unstructure_fields: Callable[[Any], dict[str, object]], unset: tuple[str, ...]
) -> Callable[[Any], dict[str, object]]:
    names = tuple(_camel(name) for name in unset)

    def unstructure(value: object) -> dict[str, object]:
        fields = unstructure_fields(value)
        return {k: v for k, v in fields.items() if not (k in names and v is None)}

    return unstructure


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook_factory(is_sequence, _lists_only)
    converter.register_structure_hook(EthSecretKey, _parsed_by(parse_eth_secret_key))
    converter.register_structure_hook(BlsSecretKey, _parsed_by(parse_bls_secret_key))
    converter.register_structure_hook(Address, _parsed_by(Address.parse))
    converter.register_structure_hook(BlsPublicKey, _parsed_by(BlsPublicKey.parse))
    converter.register_structure_hook(FeeRecipient, _parsed_by(FeeRecipient.parse))
    converter.register_unstructure_hook(EthSecretKey, _never_written)
    converter.register_unstructure_hook(BlsSecretKey, _never_written)
    converter.register_unstructure_hook(Address, lambda a: a.checksum)
    converter.register_unstructure_hook(BlsPublicKey, lambda k: k.to_hex())
    converter.register_unstructure_hook(FeeRecipient, str)
    converter.register_structure_hook(AttesterState, _state)
    converter.register_unstructure_hook(AttesterState, str)
    for cls in _FORMATS:
        renames: dict[str, Any] = {f.name: override(rename=_camel(f.name)) for f in attrs.fields(cls)}
        if cls is PrivateValidator:
            renames["publisher"] = override(rename="publisher", struct_hook=_publishers)
        if cls is ProductionKeyfile:
            renames["remote_signer"] = override(rename="remoteSigner", struct_hook=_verbatim)
        if cls in _SUPPORTED_VERSIONS:
            name, supported = _SUPPORTED_VERSIONS[cls]
            renames[name] = override(rename=_camel(name), struct_hook=_version_of(supported))
        kept = _kept_attribute(cls)
        if kept is not None:
            renames[kept[0]] = override(omit=True)
        unset = _OMITTED_WHEN_UNSET.get(cls, ())
        structure_fields = make_dict_structure_fn(cls, converter, **renames)
        unstructure_fields = make_dict_unstructure_fn(
            cls, converter, _cattrs_omit_if_default=False, **renames
        )
        converter.register_structure_hook(cls, _json_object(cls, structure_fields, unset))
        converter.register_unstructure_hook(
            cls, _with_kept_fields(cls, _without_unset(unstructure_fields, unset))
        )
    return converter


cattrs_converter = _make_converter()


def _reason(exc: BaseException, type_: object) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, _SAFE_REASONS):
        return str(exc)
    if isinstance(exc, TypeError | AttributeError) and type_ is not None:
        return f"expected {getattr(type_, '__name__', 'a different type')}"
    return "invalid value"


def structure(data: object, cls: type[T]) -> T:
    """Build `cls` from parsed JSON or raise DecodeProblems naming every bad field."""
    if attrs.has(cls) and not isinstance(data, dict):
        raise DecodeProblems([f"top level: expected an object, got {_json_type(data)}"])
    try:
        return cattrs_converter.structure(data, cls)
    except (cattrs.BaseValidationError, _UnknownFields, *_SAFE_REASONS) as exc:
        raise DecodeProblems(list(_problems(exc, "", None))) from None


def _problems(exc: BaseException, path: str, type_: object) -> Iterator[str]:
    """`<json path>: <reason>` for every failure cattrs collected under `exc`, in file order."""
    if isinstance(exc, cattrs.IterableValidationError | cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for inner in without:
            yield from _problems(inner, path, None)
        for inner, note in with_notes:
            if isinstance(note, cattrs.AttributeValidationNote):
                yield from _problems(inner, _member(path, _camel(note.name)), note.type)
            else:
                yield from _problems(inner, f"{path}[{note.index!r}]", note.type)
    elif isinstance(exc, _UnknownFields):
        for name in exc.names:
            yield unknown_field(path, name, exc.declared)
    else:
        yield f"{path or 'top level'}: {_reason(exc, type_)}"


def _member(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def unknown_field(path: str, name: str, declared: tuple[str, ...]) -> str:
    """`<json path>.<name>: unknown field; did you mean ...?`, the hint being the closest declared name."""
    if len(name) > _MAX_SHOWN_NAME:
        # A long name may be a key pasted in the wrong place: it is not repeated.
        return f"{path or 'top level'}: a field with a long name is not part of this format"
    by_case = {known.lower(): known for known in declared}
    close = difflib.get_close_matches(name.lower(), by_case, n=1, cutoff=0.6)
    hint = f'did you mean "{by_case[close[0]]}"?' if close else f"expected {', '.join(declared)}"
    return f"{_member(path, name)}: unknown field; {hint}"


@functools.cache
def _may_keep(type_: Any) -> bool:
    """Whether values of `type_` may hold kept fields anywhere inside: other values are not walked."""
    if attrs.has(type_):
        return _kept_attribute(type_) is not None or any(
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
    kept_attribute = (_kept_attribute(cls) or (None, ()))[0]
    found = [_member(path, name) for name in getattr(value, kept_attribute)] if kept_attribute else []
    for field in attrs.fields(cls):
        if field.name != kept_attribute:
            found += kept_fields(getattr(value, field.name), _member(path, _camel(field.name)))
    return found


def unstructure(value: object) -> object:
    return cattrs_converter.unstructure(value)


def structure_publisher_sets(data: object) -> PublisherSets:
    """The available publishers file: a JSON array of addresses, or an object naming one array per
    server. Raises DecodeProblems naming each bad entry as `publishers[2]` (array) or `A[2]` (object)."""
    problems: list[str] = []
    if isinstance(data, list):
        publishers = _publisher_addresses(data, PublisherSet(None, ()), problems)
        if problems:
            raise DecodeProblems(problems)
        return PublisherSets.single(publishers)
    if not isinstance(data, dict):
        raise DecodeProblems(
            [f"top level: expected a list of addresses or an object of named lists, got {_json_type(data)}"]
        )
    sets = []
    for position, (name, items) in enumerate(data.items(), start=1):
        try:
            parse_set_name(name)
        except SetNameError as exc:
            # The name is not repeated: it may be anything, even a key pasted in the wrong place.
            problems.append(f"top level: set #{position}: {exc}")
            continue
        if not isinstance(items, list):
            problems.append(f"{name}: expected a list of addresses, got {_json_type(items)}")
            continue
        sets.append(PublisherSet(name, _publisher_addresses(items, PublisherSet(name, ()), problems)))
    if problems:
        raise DecodeProblems(problems)
    return PublisherSets(tuple(sets))


def _publisher_addresses(
    items: list[object], where: PublisherSet, problems: list[str]
) -> tuple[Address, ...]:
    publishers = []
    for index, item in enumerate(items):
        try:
            publishers.append(Address.parse(item))
        except AddressFormatError as exc:
            problems.append(f"{where.label(index)}: {exc}")
    return tuple(publishers)


class _DuplicateField(ValueError):
    pass


_MAX_SHOWN_NAME = 32


def _no_duplicate_fields(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            # A long name may be a key pasted in the wrong place: it is not repeated.
            name = f'"{key}"' if len(key) <= _MAX_SHOWN_NAME else "with a long name"
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
        raise DecodeProblems(["not valid JSON for this format: nested too deeply"])
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_fields)
    except _DuplicateField as exc:
        raise DecodeProblems([f"top level: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise DecodeProblems([f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]) from None
    except ValueError:
        # The only other ValueError json raises: an integer beyond Python's digit limit for str -> int.
        raise DecodeProblems(["not valid JSON for this format: a number has too many digits"]) from None


def dump_json(value: object) -> str:
    """2-space JSON with a trailing newline, like the reference files."""
    return json.dumps(unstructure(value), indent=2) + "\n"

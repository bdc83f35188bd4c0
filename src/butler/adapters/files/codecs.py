"""One cattrs converter for every file format of SPEC §3: camelCase JSON <-> attrs values.

Problems are reported as `<json path>: <reason>`; the reasons come from the domain parsers, which
never repeat the offending text, so key material cannot leak into an error. How one class maps to one
JSON object (strictness, kept fields, omitted unset fields) is in `json_objects`; parsing the JSON text
is in `json_text`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, is_sequence
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from butler.adapters.files.json_objects import (
    StrictTypeError,
    UnknownFields,
    camel_case,
    json_object,
    json_type,
    kept_attribute_of,
    member_path,
    unknown_field,
    with_kept_fields,
    without_unset,
)
from butler.domain import coinbases, keyfiles, scraper_config
from butler.domain.address import Address, AddressFormatError
from butler.domain.keyfiles import (
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


# Reasons our own parsers give are safe to show; anything else is replaced by a generic reason.
_SAFE_REASONS = (
    KeyFormatError,
    AddressFormatError,
    FeeRecipientFormatError,
    coinbases.BlockHashFormatError,
    StrictTypeError,
)


class DecodeError(Exception):
    """The JSON did not match the format. `problems` holds one `<json path>: <reason>` per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


def _strict_int(value: object, _: object) -> int:
    if type(value) is not int:
        raise StrictTypeError(f"expected an integer, got {json_type(value)}")
    return value


def _parsed_by(parse: Callable[[Any], T]) -> Callable[[object, object], T]:
    return lambda value, _: parse(value)


def _lists_only(type_: Any, converter: cattrs.Converter) -> Callable[[object, object], Any]:
    """JSON arrays only: cattrs would otherwise take any iterable, even an object's keys or a string."""
    structure_items = homogenous_tuple_structure_factory(type_, converter)

    def structure(value: object, type_: object) -> Any:
        if not isinstance(value, list):
            raise StrictTypeError(f"expected a list, got {json_type(value)}")
        return structure_items(value, type_)

    return structure


def _never_written(_: object) -> object:
    raise TypeError("private keys are never serialised by the product")


def _version_of(supported: tuple[int, ...]) -> Callable[[object, object], int]:
    def structure(value: object, _: object) -> int:
        version = _strict_int(value, None)
        if version not in supported:
            # Only a plausible version number is repeated: a long number may be a key typed as one.
            shown = f" {version}" if 0 <= version < 10**6 else ""
            raise StrictTypeError(
                f"unsupported version{shown}; this release reads version {' or '.join(map(str, supported))}"
            )
        return version

    return structure


def _publishers(value: object, _: object) -> tuple[EthSecretKey, ...]:
    if isinstance(value, list):
        if not value:
            raise StrictTypeError("expected a private key or a non-empty list of them")
        return cattrs_converter.structure(value, tuple[EthSecretKey, ...])
    return (parse_eth_secret_key(value),)


def _verbatim(value: object, _: object) -> object:
    if value is None:
        raise StrictTypeError("expected a value, got null")
    return value


def _state(value: object, _: object) -> AttesterState:
    if not isinstance(value, str):
        raise StrictTypeError(f"expected a string, got {json_type(value)}")
    try:
        return AttesterState(value)
    except ValueError:
        raise StrictTypeError(f"unknown state, expected one of {', '.join(AttesterState)}") from None


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
        renames: dict[str, Any] = {f.name: override(rename=camel_case(f.name)) for f in attrs.fields(cls)}
        if cls is PrivateValidator:
            renames["publisher"] = override(rename="publisher", struct_hook=_publishers)
        if cls is ProductionKeyfile:
            renames["remote_signer"] = override(rename="remoteSigner", struct_hook=_verbatim)
        if cls in _SUPPORTED_VERSIONS:
            name, supported = _SUPPORTED_VERSIONS[cls]
            renames[name] = override(rename=camel_case(name), struct_hook=_version_of(supported))
        kept = kept_attribute_of(cls)
        if kept is not None:
            renames[kept[0]] = override(omit=True)
        unset = _OMITTED_WHEN_UNSET.get(cls, ())
        structure_fields = make_dict_structure_fn(cls, converter, **renames)
        unstructure_fields = make_dict_unstructure_fn(
            cls, converter, _cattrs_omit_if_default=False, **renames
        )
        converter.register_structure_hook(cls, json_object(cls, structure_fields, unset))
        converter.register_unstructure_hook(
            cls, with_kept_fields(cls, without_unset(unstructure_fields, unset))
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
    """Build `cls` from parsed JSON or raise DecodeError naming every bad field."""
    if attrs.has(cls) and not isinstance(data, dict):
        raise DecodeError([f"top level: expected an object, got {json_type(data)}"])
    try:
        return cattrs_converter.structure(data, cls)
    except (cattrs.BaseValidationError, UnknownFields, *_SAFE_REASONS) as exc:
        raise DecodeError(list(_problems(exc, "", None))) from None


def _problems(exc: BaseException, path: str, type_: object) -> Iterator[str]:
    """`<json path>: <reason>` for every failure cattrs collected under `exc`, in file order."""
    if isinstance(exc, cattrs.IterableValidationError | cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for inner in without:
            yield from _problems(inner, path, None)
        for inner, note in with_notes:
            if isinstance(note, cattrs.AttributeValidationNote):
                yield from _problems(inner, member_path(path, camel_case(note.name)), note.type)
            else:
                yield from _problems(inner, f"{path}[{note.index!r}]", note.type)
    elif isinstance(exc, UnknownFields):
        for name in exc.names:
            yield unknown_field(path, name, exc.declared)
    else:
        yield f"{path or 'top level'}: {_reason(exc, type_)}"


def unstructure(value: object) -> object:
    return cattrs_converter.unstructure(value)


def dump_json(value: object) -> str:
    """2-space JSON with a trailing newline, like the reference files."""
    return json.dumps(unstructure(value), indent=2) + "\n"


def structure_publisher_sets(data: object) -> PublisherSets:
    """The available publishers file: a JSON array of addresses, or an object naming one array per
    server. Raises DecodeError naming each bad entry as `publishers[2]` (array) or `A[2]` (object)."""
    problems: list[str] = []
    if isinstance(data, list):
        publishers = _publisher_addresses(data, PublisherSet(None, ()), problems)
        if problems:
            raise DecodeError(problems)
        return PublisherSets.single(publishers)
    if not isinstance(data, dict):
        raise DecodeError(
            [f"top level: expected a list of addresses or an object of named lists, got {json_type(data)}"]
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
            problems.append(f"{name}: expected a list of addresses, got {json_type(items)}")
            continue
        sets.append(PublisherSet(name, _publisher_addresses(items, PublisherSet(name, ()), problems)))
    if problems:
        raise DecodeError(problems)
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

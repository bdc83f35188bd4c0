"""The phase-2 use case over fakes: what is written, stored and refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from butler.domain.address import Address
from butler.domain.errors import ButlerError, CheckFailed, InputError
from butler.domain.keyfiles import FeeRecipient, PrivateAttester, PrivateKeysFile, PrivateValidator
from butler.domain.keys import attester_address, bls_public_key, parse_bls_secret_key, parse_eth_secret_key
from butler.domain.publisher_sets import PublisherSets
from butler.entrypoints.console import shown
from butler.ports.chain_fake import FakeChain
from butler.ports.key_files_fake import FakeKeyFiles
from butler.ports.secret_store_fake import FakeSecretStore
from butler.usecases.process_private_keys import (
    ChainCheck,
    default_output,
    default_publishers_output,
    process_private_keys,
)

SOURCE = Path("/keys/new-private-keys.json")
OUTPUT = Path("/operator/public-new-private-keys.json")
PUBLISHERS = Path("/operator/publishers-new-private-keys.json")


def validator(n: int) -> PrivateValidator:
    return PrivateValidator(
        attester=PrivateAttester(
            eth=parse_eth_secret_key(f"0x{n:064x}"), bls=parse_bls_secret_key(f"0x{n + 1000:064x}")
        ),
        publisher=(parse_eth_secret_key(f"0x{n + 2000:064x}"),),
        fee_recipient=FeeRecipient(bytes(32)),
        coinbase=Address(bytes(20)),
    )


def keys_file(*validators: PrivateValidator) -> PrivateKeysFile:
    return PrivateKeysFile(schema_version=1, validators=validators)


def run(files: FakeKeyFiles, secrets: FakeSecretStore, check=None, progress=None, overwrite=False):
    seen: list[tuple[int, int]] = []
    result = process_private_keys(
        SOURCE,
        OUTPUT,
        PUBLISHERS,
        files=files,
        secrets=secrets,
        chain_check=check,
        progress=progress or (lambda done, total: seen.append((done, total))),
        overwrite=overwrite,
    )
    return result, seen


def test_writes_public_keys_in_file_order_and_hands_secrets_over():
    files = FakeKeyFiles({SOURCE: keys_file(validator(1), validator(2), validator(3))})
    secrets = FakeSecretStore()
    result, seen = run(files, secrets)
    written = files.files[OUTPUT]
    assert result.validators == 3 and result.output == OUTPUT
    assert written.schema_version == 1
    assert [v.attester.eth for v in written.validators] == [
        attester_address(parse_eth_secret_key(f"0x{n:064x}")) for n in (1, 2, 3)
    ]
    assert [v.attester.bls for v in written.validators] == [
        bls_public_key(parse_bls_secret_key(f"0x{n + 1000:064x}")) for n in (1, 2, 3)
    ]
    assert [d.public for d in secrets.stored] == list(written.validators)
    assert seen[-1] == (3, 3)


@pytest.mark.parametrize("field", ["eth", "bls"])
def test_duplicate_keys_fail_before_anything_is_stored_or_written(field):
    first, second = validator(1), validator(2)
    if field == "eth":
        second = PrivateValidator(
            PrivateAttester(first.attester.eth, second.attester.bls),
            second.publisher,
            second.fee_recipient,
        )
    else:
        second = PrivateValidator(
            PrivateAttester(second.attester.eth, first.attester.bls),
            second.publisher,
            second.fee_recipient,
        )
    files = FakeKeyFiles({SOURCE: keys_file(first, validator(3), second)})
    secrets = FakeSecretStore()
    with pytest.raises(CheckFailed) as failure:
        run(files, secrets)
    assert failure.value.problems == (
        f"{SOURCE}: validators[2].attester.{field}: same key as validators[0].attester.{field}",
    )
    assert OUTPUT not in files.files and not secrets.stored


def chain_check(chain: FakeChain) -> ChainCheck:
    from tests.unit.test_add_keys import config

    return ChainCheck(chain=chain, network=config())


def test_a_failing_chain_check_stops_everything():
    files = FakeKeyFiles({SOURCE: keys_file(validator(1))})
    secrets = FakeSecretStore()
    with pytest.raises(CheckFailed, match="provider 1 is not registered"):
        run(files, secrets, check=chain_check(FakeChain()))
    assert OUTPUT not in files.files and not secrets.stored


def test_the_chain_check_sees_every_derived_attester():
    from tests.unit.test_add_keys import expected_keystore

    files = FakeKeyFiles({SOURCE: keys_file(validator(1), validator(2))})
    chain = FakeChain()
    chain.add_provider(Address.from_int(0xAD))
    chain.enqueue_keys(1, [expected_keystore(2)])
    with pytest.raises(CheckFailed) as refused:
        run(files, FakeSecretStore(), check=chain_check(chain))
    assert refused.value.problems == (f"attester {validator_attester(2)}: already in the provider queue",)
    assert OUTPUT not in files.files


def validator_attester(n: int) -> Address:
    return attester_address(parse_eth_secret_key(f"0x{n:064x}"))


def publisher_address(n: int) -> Address:
    return attester_address(parse_eth_secret_key(f"0x{n + 2000:064x}"))


def test_the_publishers_file_lists_each_publisher_once_in_file_order():
    shared = PrivateValidator(
        validator(3).attester,
        (validator(2).publisher[0], validator(4).publisher[0]),
        validator(3).fee_recipient,
    )
    files = FakeKeyFiles({SOURCE: keys_file(validator(1), validator(2), shared)})
    result, _ = run(files, FakeSecretStore())
    expected = (publisher_address(1), publisher_address(2), publisher_address(4))
    assert result.publishers == expected and result.publishers_output == PUBLISHERS
    assert files.files[PUBLISHERS] == PublisherSets.single(expected)


def test_an_existing_publishers_file_is_kept_and_nothing_is_stored():
    files = FakeKeyFiles({SOURCE: keys_file(validator(1)), PUBLISHERS: "earlier batch"})
    secrets = FakeSecretStore()
    with pytest.raises(CheckFailed) as refused:
        run(files, secrets)
    assert tuple(map(shown, refused.value.problems)) == (
        f"{PUBLISHERS}: already exists; choose another path with --publishers-output or pass --force",
    )
    assert files.files[PUBLISHERS] == "earlier batch" and OUTPUT not in files.files and not secrets.stored


def test_a_publishers_file_failing_to_write_takes_the_new_public_keys_file_with_it():
    class FailingPublishers(FakeKeyFiles):
        def write_available_publishers(self, path, publishers, *, before_commit=None):
            raise ButlerError(f"{path}: cannot write: disk full")

    files = FailingPublishers({SOURCE: keys_file(validator(1))})
    secrets = FakeSecretStore()
    with pytest.raises(ButlerError, match="disk full"):
        run(files, secrets)
    assert set(files.files) == {SOURCE}
    assert secrets.stored == [], "no key is handed over on a run that writes nothing"


def test_the_publishers_file_goes_beside_the_public_keys_file():
    assert default_publishers_output(SOURCE, OUTPUT) == PUBLISHERS


def test_a_secret_store_failure_leaves_no_public_file():
    files = FakeKeyFiles({SOURCE: keys_file(validator(1))})
    with pytest.raises(Exception, match="vault sealed"):
        run(files, FakeSecretStore(fail_with="vault sealed"))
    assert OUTPUT not in files.files


def test_an_existing_output_is_kept_unless_overwrite_is_asked():
    files = FakeKeyFiles({SOURCE: keys_file(validator(1)), OUTPUT: "earlier batch"})
    secrets = FakeSecretStore()
    with pytest.raises(CheckFailed, match="already exists"):
        run(files, secrets)
    assert files.files[OUTPUT] == "earlier batch" and not secrets.stored
    run(files, secrets, overwrite=True)
    assert files.files[OUTPUT] != "earlier batch"


def test_missing_input_is_an_input_error():
    with pytest.raises(InputError, match="file not found"):
        run(FakeKeyFiles(), FakeSecretStore())


def test_default_output_is_public_prefixed_in_the_current_folder():
    assert default_output(Path("/a/b/new-private-keys.json"), Path("/cwd")) == Path(
        "/cwd/public-new-private-keys.json"
    )


def test_a_file_without_validators_is_refused():
    files = FakeKeyFiles({SOURCE: keys_file()})
    with pytest.raises(InputError, match="validators: the list is empty"):
        run(files, FakeSecretStore())
    assert OUTPUT not in files.files


def test_an_output_that_cannot_be_written_fails_before_the_secrets_are_handed_over():
    files = FakeKeyFiles({SOURCE: keys_file(validator(1))}, unwritable=[OUTPUT])
    secrets = FakeSecretStore()
    with pytest.raises(ButlerError, match="cannot write"):
        run(files, secrets)
    assert not secrets.stored and OUTPUT not in files.files


def test_a_key_the_secret_store_holds_differently_stops_everything_before_anything_is_stored():
    secrets = FakeSecretStore()
    run(FakeKeyFiles({SOURCE: keys_file(validator(2))}), secrets)
    held_before = dict(secrets.kept)
    clash = PrivateValidator(
        PrivateAttester(validator(2).attester.eth, parse_bls_secret_key(f"0x{9999:064x}")),
        validator(2).publisher,
        validator(2).fee_recipient,
    )
    files = FakeKeyFiles({SOURCE: keys_file(validator(1), clash)})
    with pytest.raises(CheckFailed, match="different bls key"):
        run(files, secrets)
    assert secrets.kept == held_before and OUTPUT not in files.files


def test_the_result_says_where_each_key_went():
    files = FakeKeyFiles({SOURCE: keys_file(validator(1))})
    result, _ = run(files, FakeSecretStore())
    eth = attester_address(parse_eth_secret_key(f"0x{1:064x}"))
    publisher = attester_address(parse_eth_secret_key(f"0x{2001:064x}"))
    assert [(s.address, s.kind, s.created) for s in result.stored] == [
        (eth, "eth", True),
        (eth, "bls", True),
        (publisher, "publisher", True),
    ]

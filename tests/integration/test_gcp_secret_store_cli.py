"""Acceptance: `aztec-butler process-private-keys --secret-store gcp` as an operator runs it, in its own
process, against the local stand-in of the Secret Manager API.

Credentials come the way Google's tools find them: GOOGLE_APPLICATION_CREDENTIALS names a service-account
key file (made here, with a fresh RSA key), from which the client signs its own JWTs; the stand-in
refuses requests without a bearer token. The SDK's own debug logging is switched on
(GOOGLE_SDK_PYTHON_LOGGING_SCOPE=google), so a payload logged by the client library would show on stderr.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from butler.domain.address import Address
from butler.domain.keys import attester_address, parse_eth_secret_key
from tests.integration.gcp_secret_manager_stub import RunningStub, running_secret_manager
from tests.integration.python_process import run_python

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
PHASE2 = "key-flow/after_phase2/on-dev-machine/new-public-keys.json"
KEYS_NAME = "new-private-keys.json"
OUTPUT_NAME = "public-new-private-keys.json"
SA_PROJECT = "butler-sa-project"
NETWORK = "testnet"


@pytest.fixture(scope="module")
def service_account_key(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": SA_PROJECT,
        "private_key_id": "test-key",
        "private_key": pem,
        "client_email": f"butler@{SA_PROJECT}.iam.gserviceaccount.com",
        "client_id": "1",
        # Never used (the client signs its own JWTs); pointed at this machine all the same.
        "token_uri": "http://127.0.0.1:9/token",
    }


@pytest.fixture
def running() -> Iterator[RunningStub]:
    with running_secret_manager() as stub:
        stub.stub.require_auth = True
        yield stub


@pytest.fixture
def workdir(tmp_path: Path, reference_dir: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(reference_dir / PHASE1, folder / KEYS_NAME)
    return folder


@pytest.fixture
def environment(tmp_path: Path, service_account_key: dict[str, str]) -> dict[str, str]:
    """The process environment: the operator's, less anything Google or network-config related."""
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(service_account_key))
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GCE_")) and name != "AZTEC_BUTLER_CONFIG"
    }
    env.update(
        GOOGLE_APPLICATION_CREDENTIALS=str(credentials),
        GOOGLE_SDK_PYTHON_LOGGING_SCOPE="google",
        CLOUDSDK_CONFIG=str(tmp_path / "gcloud"),  # no gcloud login of the machine's user
        NO_GCE_CHECK="true",  # never probe a metadata server
    )
    return env


def butler(workdir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_python("from butler.entrypoints.cli import main; main()", *args, cwd=workdir, env=env)


def gcp_args(running: RunningStub, *extra: str) -> list[str]:
    return [
        "process-private-keys",
        KEYS_NAME,
        "--offline",
        "--network",
        NETWORK,
        "--secret-store",
        "gcp",
        "--gcp-endpoint",
        running.endpoint,
        *extra,
    ]


@attrs.frozen
class Key:
    text: str
    """As written in the private-keys file."""
    kind: str
    owner: Address


def private_keys(workdir: Path) -> dict[str, Key]:
    """secret id -> the key it must hold, by the documented naming scheme."""
    doc = json.loads((workdir / KEYS_NAME).read_text())
    keys = {}
    for entry in doc["validators"]:
        attester = attester_address(parse_eth_secret_key(entry["attester"]["eth"]))
        publisher = attester_address(parse_eth_secret_key(entry["publisher"]))
        prefix = f"aztec-butler-{NETWORK}-"
        keys[f"{prefix}{attester.checksum.lower()}-eth"] = Key(entry["attester"]["eth"], "eth", attester)
        keys[f"{prefix}{attester.checksum.lower()}-bls"] = Key(entry["attester"]["bls"], "bls", attester)
        keys[f"{prefix}{publisher.checksum.lower()}-publisher"] = Key(
            entry["publisher"], "publisher", publisher
        )
    return keys


def assert_no_private_key(text: str, keys: dict[str, Key]) -> None:
    for key in (k.text for k in keys.values()):
        assert key[2:].lower() not in text.lower(), "a private key was printed"
        assert base64.b64encode(key.encode()).decode() not in text, "a payload was printed"


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_stores_every_key_reads_it_back_writes_the_public_file_and_prints_no_private_key(
    running, workdir, environment, reference_dir
):
    done = butler(workdir, environment, *gcp_args(running))
    keys = private_keys(workdir)
    assert done.returncode == 0, done.stderr
    assert (workdir / OUTPUT_NAME).read_text() == (reference_dir / PHASE2).read_text()
    assert {secret: running.stub.latest(project, secret) for project, secret in running.stub.secrets} == {
        secret: key.text.lower().encode() for secret, key in keys.items()
    }
    assert {project for project, _ in running.stub.secrets} == {SA_PROJECT}
    # Each key read back after it was added; every request carried the service account's token.
    assert running.stub.operations() == {"access": 3 * len(keys), "create": len(keys), "add": len(keys)}
    assert running.stub.authorized and all(a.startswith("Bearer ") for a in running.stub.authorized)
    # stdout holds only the publishers' addresses (also written to publishers-<FILE>).
    publishers = json.loads((workdir / f"publishers-{KEYS_NAME}").read_text())
    assert done.stdout.split() == publishers and len(publishers) == 2
    assert_no_private_key(done.stdout + done.stderr, keys)
    for secret, key in keys.items():
        assert (
            f"stored: projects/{SA_PROJECT}/secrets/{secret} ({key.kind} key of {key.owner})" in done.stderr
        )
    assert "6 keys stored, 0 already held" in done.stderr


def test_a_rerun_is_a_no_op(running, workdir, environment):
    first = butler(workdir, environment, *gcp_args(running, "--gcp-project", "ops-project"))
    assert first.returncode == 0, first.stderr
    written = (workdir / OUTPUT_NAME).read_text()
    held = dict(running.stub.secrets)
    writes = running.stub.count("create") + running.stub.count("add")

    again = butler(workdir, environment, *gcp_args(running, "--gcp-project", "ops-project", "--force"))
    assert again.returncode == 0, again.stderr
    assert running.stub.count("create") + running.stub.count("add") == writes, "the rerun wrote to the store"
    assert running.stub.secrets == held
    assert (workdir / OUTPUT_NAME).read_text() == written
    assert "0 keys stored, 6 already held the same key" in again.stderr
    assert_no_private_key(again.stdout + again.stderr, private_keys(workdir))


def test_a_secret_holding_another_key_fails_the_command_before_anything_is_written(
    running, workdir, environment
):
    keys = private_keys(workdir)
    taken = next(secret for secret, key in keys.items() if key.kind == "bls")
    stale = b"0x" + b"1" * 64
    running.stub.put("ops-project", taken, stale, {"managed_by": "aztec-butler"})

    done = butler(workdir, environment, *gcp_args(running, "--gcp-project", "ops-project"))
    assert done.returncode == 1, done.stderr
    assert error_lines(done.stderr) == [
        f"error: projects/ops-project/secrets/{taken}: already holds a different bls key for "
        f"{keys[taken].owner}; not overwritten"
    ]
    assert "Traceback" not in done.stderr
    assert not (workdir / OUTPUT_NAME).exists()
    assert list(running.stub.secrets) == [("ops-project", taken)]
    assert running.stub.latest("ops-project", taken) == stale
    assert running.stub.count("create") == running.stub.count("add") == 0
    assert_no_private_key(done.stdout + done.stderr, keys)


def test_a_permission_problem_fails_the_command_in_clear_lines(running, workdir, environment):
    running.stub.deny("create")
    done = butler(workdir, environment, *gcp_args(running, "--gcp-project", "ops-project"))
    assert done.returncode == 1
    lines = error_lines(done.stderr)
    assert lines and all("Traceback" not in line for line in lines)
    assert any("403 PERMISSION_DENIED" in line for line in lines)
    assert any("roles/secretmanager.admin on project ops-project" in line for line in lines)
    assert not (workdir / OUTPUT_NAME).exists()
    assert_no_private_key(done.stdout + done.stderr, private_keys(workdir))


def test_without_google_credentials_it_is_a_usage_error(running, workdir, environment, tmp_path):
    del environment["GOOGLE_APPLICATION_CREDENTIALS"]
    environment["HOME"] = str(tmp_path / "home")  # no application-default login either
    done = butler(workdir, environment, *gcp_args(running, "--gcp-project", "ops-project"))
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "error: no Google credentials for the gcp secret store: run `gcloud auth application-default "
        "login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
    ]
    assert running.stub.count() == 0 and not (workdir / OUTPUT_NAME).exists()


def test_a_credentials_file_that_is_no_key_file_is_a_usage_error_naming_it(
    running, workdir, environment, tmp_path
):
    broken = tmp_path / "not-a-key.json"
    broken.write_text('{"type": "service_account"}')
    environment["GOOGLE_APPLICATION_CREDENTIALS"] = str(broken)
    done = butler(workdir, environment, *gcp_args(running, "--gcp-project", "ops-project"))
    assert done.returncode == 2
    (line,) = error_lines(done.stderr)
    assert line.startswith(f"error: GOOGLE_APPLICATION_CREDENTIALS={broken}: not usable Google credentials: ")
    assert running.stub.count() == 0 and not (workdir / OUTPUT_NAME).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["process-private-keys", KEYS_NAME, "--offline", "--secret-store", "gcp"],
            "error: --secret-store gcp names secrets by network: pass --network NAME or --config PATH",
        ),
        (
            ["process-private-keys", KEYS_NAME, "--offline", "--gcp-project", "p"],
            "error: --gcp-project and --gcp-endpoint apply only to --secret-store gcp",
        ),
    ],
)
def test_gcp_settings_that_do_not_fit_are_usage_errors(workdir, environment, args, message):
    done = butler(workdir, environment, *args)
    assert done.returncode == 2
    assert error_lines(done.stderr) == [message]
    assert not (workdir / OUTPUT_NAME).exists()


def test_without_the_google_client_installed_it_says_which_extra_to_install(running, workdir, environment):
    hide_google = "import sys; sys.modules['google'] = None; from butler.entrypoints.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", hide_google, *gcp_args(running)],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "error: --secret-store gcp needs Google's Secret Manager client: pip install 'aztec-butler[gcp]'"
    ]
    assert not (workdir / OUTPUT_NAME).exists()

"""A deployed devnet kept as an anvil state file (`--dump-state`) and started again with `--load-state`.

Deploying the real Aztec L1 system takes ~15 s; loading its saved state well under two. The cache is
keyed by everything the deployed state depends on: the pinned tool versions, the deployment settings and
code, and our contracts' artifacts. It lives in the checkout (`.devnet-cache/`, ignored by git), or in
the user cache when the package runs from an installation.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import attrs

from butler.adapters.files.atomic_file import write_atomically
from butler.devnet import accounts, artifacts, aztec_l1, deploy, tools
from butler.devnet.anvil import Anvil
from butler.devnet.chain import DevChain, DevnetError
from butler.devnet.deploy import Deployment, deploy_all

Log = Callable[[str], None]
_FORMAT = 1


@attrs.frozen
class SavedDevnet:
    state: Path
    deployment: Deployment


def cache_dir() -> Path:
    repo = tools.repo_tools_dir()
    if repo is not None:
        return repo.parent / ".devnet-cache"
    return tools.user_cache_tools_dir().parent / "devnet"


def cache_key() -> str:
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("format", str(_FORMAT).encode())
    add("pins", json.dumps(tools.TOOL_PINS, sort_keys=True).encode())
    add(
        "l1-config",
        json.dumps([aztec_l1.DEVNET_L1_CONFIG, aztec_l1.DEVNET_QUEUE_ENV], sort_keys=True).encode(),
    )
    for module in (aztec_l1, deploy, accounts):
        add(module.__name__, Path(str(module.__file__)).read_bytes())
    add("deploy_l1.mjs", aztec_l1.DEPLOY_SCRIPT.read_bytes())
    for artifact in sorted(artifacts.OWN_ARTIFACTS_DIR.glob("*.json")):
        add(artifact.name, artifact.read_bytes())
    return digest.hexdigest()[:20]


def saved_devnet(anvil_binary: Path, log: Log = lambda _: None) -> SavedDevnet:
    """The saved devnet for the current versions, deploying and saving it first if there is none."""
    folder = cache_dir()
    key = cache_key()
    state = folder / f"anvil-state-{key}.json"
    record = folder / f"deployment-{key}.json"
    found = _load(state, record)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    # Parallel test workers may start at once: one deploys, the others wait and then load its state.
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _load(state, record)
        if found is not None:
            return found
        log("no saved devnet for these versions: deploying from scratch")
        partial = folder / f".anvil-state-{key}.{os.getpid()}.json"
        partial.unlink(missing_ok=True)
        try:
            with Anvil(anvil_binary, extra_args=["--dump-state", str(partial)]) as anvil:
                deployment = deploy_all(DevChain(anvil.rpc_url), folder / "home", progress=log)
            # anvil writes the state as it exits.
            if not partial.is_file():
                raise DevnetError(f"anvil wrote no state to {partial}")
            write_atomically(record, json.dumps(deployment.to_json(), indent=2) + "\n", mode=0o644)
            partial.replace(state)
        finally:
            partial.unlink(missing_ok=True)
        _prune(folder, keep=key)
        log(f"saved the deployed devnet in {folder}")
        return SavedDevnet(state, deployment)


def _load(state: Path, record: Path) -> SavedDevnet | None:
    if not (state.is_file() and record.is_file()):
        return None
    try:
        return SavedDevnet(state, Deployment.from_json(json.loads(record.read_text())))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _prune(folder: Path, keep: str) -> None:
    """States of other versions are dead weight (~4 MB each)."""
    for pattern in ("anvil-state-*.json", "deployment-*.json"):
        for path in folder.glob(pattern):
            if keep not in path.name:
                path.unlink(missing_ok=True)

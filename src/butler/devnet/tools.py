"""Where the pinned npm tools live: the anvil and forge binaries, Aztec's L1 deployment package, the
contract artifact packages and solc.

Lookup order: anvil or forge on PATH (those two only); the project's `tools/` folder (a source checkout,
found from this package's path); the user cache (`$XDG_CACHE_HOME/aztec-butler/tools`), where a missing
package is installed with npm on first use.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from butler.domain.errors import ButlerError

# The one place the versions are pinned; tools/package.json must say the same (a test checks it).
TOOL_PINS: dict[str, str] = {
    "@aztec/ethereum": "4.1.2",
    "@aztec/l1-artifacts": "4.1.2",
    "@foundry-rs/anvil-linux-amd64": "1.7.1",
    "@foundry-rs/forge-linux-amd64": "1.7.1",
    "@safe-global/safe-contracts": "1.4.1",
    "solc": "0.8.30",
}

AZTEC_ETHEREUM = "@aztec/ethereum"
AZTEC_ARTIFACTS = "@aztec/l1-artifacts"
SAFE_ARTIFACTS = "@safe-global/safe-contracts"
SOLC = "solc"

# anvil and forge ship one npm package per platform, all released under the same version.
_FOUNDRY_PLATFORMS = {
    ("Linux", "x86_64"): "linux-amd64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "x86_64"): "darwin-amd64",
    ("Darwin", "arm64"): "darwin-arm64",
}


class ToolError(ButlerError):
    """A pinned tool could not be found or installed."""


Installer = Callable[[Path, str, str], None]


def foundry_package(tool: str) -> tuple[str, str]:
    """(npm package, version) of a foundry binary (`anvil`, `forge`) for this machine."""
    key = (platform.system(), platform.machine())
    suffix = _FOUNDRY_PLATFORMS.get(key)
    if suffix is None:
        raise ToolError(f"no pinned {tool} build for {key[0]} {key[1]}; put {tool} on PATH")
    return f"@foundry-rs/{tool}-{suffix}", TOOL_PINS[f"@foundry-rs/{tool}-linux-amd64"]


def anvil_package() -> tuple[str, str]:
    return foundry_package("anvil")


def repo_tools_dir() -> Path | None:
    """`<repo>/tools` when this package runs from a source checkout (an editable install)."""
    root = Path(__file__).resolve().parents[3]
    tools = root / "tools"
    return tools if (tools / "package.json").is_file() else None


def user_cache_tools_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aztec-butler" / "tools"


def installed_version(prefix: Path, package: str) -> str | None:
    manifest = prefix / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return version if isinstance(version, str) else None


def npm_install(prefix: Path, package: str, version: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ToolError(f"{package}@{version} is needed but npm is not on PATH to install it")
    result = subprocess.run(
        [
            npm,
            "install",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(prefix),
            f"{package}@{version}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolError(f"npm install {package}@{version} failed: {last}")


def package_dir(
    package: str,
    version: str | None = None,
    *,
    search: list[Path] | None = None,
    cache: Path | None = None,
    installer: Installer = npm_install,
    log: TextIO | None = None,
) -> Path:
    """The folder of an npm package at its pinned version, installing it into the user cache if needed."""
    version = version or TOOL_PINS[package]
    if search is None:
        repo = repo_tools_dir()
        search = [repo] if repo is not None else []
    cache = cache or user_cache_tools_dir()
    for prefix in [*search, cache]:
        if installed_version(prefix, package) == version:
            return prefix / "node_modules" / package
    cache.mkdir(parents=True, exist_ok=True)
    # Parallel test workers may start at once: one installs, the others wait and then find it.
    with (cache / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed_version(cache, package) != version:
            print(f"installing {package}@{version} into {cache} (first use)", file=log or sys.stderr)
            installer(cache, package, version)
        if installed_version(cache, package) != version:
            raise ToolError(f"{package}@{version} is still missing from {cache} after installing it")
    return cache / "node_modules" / package


def foundry_binary(
    tool: str,
    *,
    search: list[Path] | None = None,
    cache: Path | None = None,
    installer: Installer = npm_install,
    log: TextIO | None = None,
    use_path: bool = True,
) -> Path:
    """A foundry binary from PATH, else from its pinned npm package (installed on first use)."""
    if use_path:
        found = shutil.which(tool)
        if found:
            return Path(found)
    package, version = foundry_package(tool)
    folder = package_dir(package, version, search=search, cache=cache, installer=installer, log=log)
    binary = folder / "bin" / tool
    if not binary.is_file():
        raise ToolError(f"{package}@{version} has no bin/{tool} at {binary}")
    return binary


anvil_binary = functools.partial(foundry_binary, "anvil")
"""anvil from PATH, else from the pinned npm package (installed on first use)."""


def node_binary() -> Path:
    found = shutil.which("node")
    if found is None:
        raise ToolError("node is needed to deploy the Aztec L1 contracts but is not on PATH")
    return Path(found)

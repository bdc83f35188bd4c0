"""Where the devnet finds its pinned npm tools (no anvil needed: the installer is a fake)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from butler.devnet import tools

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_pins_equal_the_tools_folder_package_json() -> None:
    manifest = json.loads((REPO_ROOT / "tools" / "package.json").read_text())
    declared = {**manifest["dependencies"], **manifest["optionalDependencies"]}
    assert declared == tools.TOOL_PINS


def _fake_package(prefix: Path, package: str, version: str) -> None:
    folder = prefix / "node_modules" / package
    (folder / "bin").mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps({"name": package, "version": version}))
    (folder / "bin" / "anvil").write_text("#!/bin/sh\n")


class FakeNpm:
    def __init__(self) -> None:
        self.calls: list[tuple[Path, str, str]] = []

    def __call__(self, prefix: Path, package: str, version: str) -> None:
        self.calls.append((prefix, package, version))
        _fake_package(prefix, package, version)


def test_the_project_tools_folder_is_used_when_it_holds_the_pinned_version(tmp_path: Path) -> None:
    project, cache, npm = tmp_path / "tools", tmp_path / "cache", FakeNpm()
    _fake_package(project, "@aztec/l1-artifacts", "4.1.2")
    found = tools.package_dir("@aztec/l1-artifacts", "4.1.2", search=[project], cache=cache, installer=npm)
    assert found == project / "node_modules" / "@aztec/l1-artifacts"
    assert npm.calls == []


def test_a_missing_package_is_installed_into_the_cache_once_and_said_so(tmp_path: Path) -> None:
    project, cache, npm, log = tmp_path / "tools", tmp_path / "cache", FakeNpm(), io.StringIO()
    _fake_package(project, "@safe-global/safe-contracts", "1.3.0")  # not the pinned version
    for _ in range(2):
        found = tools.package_dir(
            "@safe-global/safe-contracts", "1.4.1", search=[project], cache=cache, installer=npm, log=log
        )
        assert found == cache / "node_modules" / "@safe-global/safe-contracts"
    assert npm.calls == [(cache, "@safe-global/safe-contracts", "1.4.1")]
    assert "installing @safe-global/safe-contracts@1.4.1" in log.getvalue()


def test_an_install_that_does_not_produce_the_package_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(tools.ToolError, match="still missing"):
        tools.package_dir(
            "solc", "0.8.28", search=[], cache=tmp_path, installer=lambda *_: None, log=io.StringIO()
        )


def test_anvil_comes_from_the_pinned_package_when_not_on_path(tmp_path: Path) -> None:
    package, version = tools.anvil_package()
    npm = FakeNpm()
    binary = tools.anvil_binary(search=[], cache=tmp_path, installer=npm, log=io.StringIO(), use_path=False)
    assert binary == tmp_path / "node_modules" / package / "bin" / "anvil"
    assert npm.calls == [(tmp_path, package, version)]


def test_the_cache_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert tools.user_cache_tools_dir() == tmp_path / "aztec-butler" / "tools"


def test_this_checkout_has_a_tools_folder() -> None:
    assert tools.repo_tools_dir() == REPO_ROOT / "tools"

"""Packaging: the bundled files are package data, every package and data file is in the
distribution, the console scripts are installed and answer `--version`, and a bundled clip
is named by its name from any folder. (tools/check_wheel.py builds and installs the wheel.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata, resources
from pathlib import Path

import pytest
from conftest import ROOT

import avatar_player
from avatar_player.avatar.library import BUNDLED
from avatar_player.bundled import AVATARS_DIR, CLIPS_DIR, clip_path
from avatar_player.qa.cli import EXIT_SETUP, main
from avatar_player.qa.options import parse_options

SCRIPTS = ("avatar-player", "avatar-player-server", "avatar-player-relay", "avatar-player-qa")
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
LIGHT = ("--tier", "minimal", "--size", "160x90")
HEADLESS_ENV = {
    key: value for key, value in os.environ.items() if key not in ("DISPLAY", "PYOPENGL_PLATFORM")
}


def source_folder(package: str) -> Path:
    """Where `package`'s files are in the checkout (pyproject's package-dir mapping)."""
    return ROOT / SETUPTOOLS["package-dir"].get(package, package.replace(".", "/"))


def test_every_package_of_the_source_tree_is_listed() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "avatar_player").rglob("__init__.py")
    }
    assert found | {"avatar_player.resources"} == set(SETUPTOOLS["packages"])


def test_the_package_data_patterns_take_every_data_file() -> None:
    """Every file that is not Python source is matched by a package-data pattern."""
    data = {
        path
        for folder in (ROOT / "avatar_player", ROOT / "resources")
        for path in folder.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }
    matched = {
        path
        for package, patterns in SETUPTOOLS["package-data"].items()
        for pattern in patterns
        for path in source_folder(package).glob(pattern)
    }
    assert data - matched == set()


def test_the_bundled_files_are_found_through_importlib_resources() -> None:
    root = Path(str(resources.files("avatar_player.resources")))
    assert (root / "avatars", root / "clips") == (AVATARS_DIR, CLIPS_DIR)
    for spec in BUNDLED:
        assert (AVATARS_DIR / spec.avatar_id / "metadata.json").is_file()
    assert (CLIPS_DIR / "hello_16k.wav").is_file()


def test_a_checkout_that_is_not_installed_finds_its_own_resources() -> None:
    """Without site-packages (-S) there is no installed package data: the fallback."""
    code = "from avatar_player.bundled import CLIPS_DIR; print(CLIPS_DIR)"
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == str(ROOT / "resources" / "clips")


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_console_script_is_installed_and_prints_its_version(script: str) -> None:
    [entry_point] = [
        ep for ep in metadata.distribution("avatar-player").entry_points if ep.name == script
    ]
    assert entry_point.group == "console_scripts"
    executable = Path(sysconfig.get_path("scripts")) / script
    result = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout) == (0, f"{script} {avatar_player.__version__}\n")


def test_the_distribution_version_is_the_package_version() -> None:
    assert metadata.version("avatar-player") == avatar_player.__version__


def test_a_bundled_clip_is_named_by_its_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_options(["hello_16k"]).clip == CLIPS_DIR / "hello_16k.wav"
    assert parse_options(["hello_16k.wav"]).clip == CLIPS_DIR / "hello_16k.wav"
    (tmp_path / "hello_16k").write_bytes(b"")
    assert parse_options(["hello_16k"]).clip == Path("hello_16k")  # a file of that name wins
    assert clip_path("no_such_clip") is None


def test_a_name_that_is_neither_a_file_nor_a_bundled_clip_is_a_setup_error(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["no_such_clip", "--report", str(tmp_path / "report.json")]) == EXIT_SETUP
    assert "error: clipUnreadable: no_such_clip: " in capsys.readouterr().err


def test_qa_plays_a_bundled_clip_with_the_avatar_from_an_empty_folder(tmp_path: Path) -> None:
    """The issue's case: `python -m avatar_player.qa` outside the checkout. (The verdict's
    timing budgets are tests/test_qa.py's subject.)"""
    process = subprocess.run(
        [sys.executable, "-m", "avatar_player.qa", "hello_16k", "--report", "report.json", *LIGHT],
        cwd=tmp_path,
        env=HEADLESS_ENV,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    if process.returncode == 2 and "offscreenUnavailable" in process.stderr:
        pytest.skip(f"no OpenGL context here: {process.stderr.strip()}")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["clip"]["path"] == str(CLIPS_DIR / "hello_16k.wav")
    assert report["log"]["errors_by_code"] == {}, process.stderr  # no avatarAssetMissing
    [response] = report["responses"]
    assert (response["end_reason"], response["audio_only"]) == ("playbackEnd", False)

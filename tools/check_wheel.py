"""CI's wheel check: install Avatar Player as a user would and use it.

Builds the sdist and, from it, the wheel; checks that the wheel holds every file of the
package and of resources/; installs the checkout as the README tells users to (`pipx install .`,
with pipx's home in a temporary folder outside the checkout, the dependencies from the package
index through pip's cache); then, from an empty
folder and without a display, runs each console script's `--version` and `avatar-player-qa`
on a bundled clip (exit status 0: pass, or warn). Prints the sizes and how long each step took;
exits 1 on the first failure. The temporary folder is removed in any case.

python tools/check_wheel.py
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from avatar_player import __version__

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ("avatar-player", "avatar-player-server", "avatar-player-relay", "avatar-player-qa")
CLIP = "hello_16k"
"""A bundled clip, named as an installed app's user names it."""
LIGHT_RENDERING = ("--tier", "minimal", "--size", "160x90")
"""The check is of the installation, not of the rasteriser's speed on a busy CI machine."""
USER_INSTALL = "pipx install ."
"""The README's install command for users, run in the checkout."""
SOURCE_TREES = {"avatar_player": "avatar_player", "resources": "avatar_player/resources"}
"""Folder of the checkout -> where its files are in the wheel."""


class CheckFailed(Exception):
    """A step of the check failed; the message says which and why."""


@contextmanager
def step(name: str) -> Iterator[None]:
    """Print `name` and, when it is done, how long it took."""
    print(f"wheel check: {name} ...", flush=True)
    start = time.monotonic()
    yield
    print(f"wheel check: {name}: {time.monotonic() - start:.1f} s", flush=True)


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run `command` with its output captured; CheckFailed with its output if it fails."""
    try:
        process = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    except subprocess.TimeoutExpired as error:
        raise CheckFailed(f"{' '.join(command)} ran past {error.timeout} s") from error
    if process.returncode != 0:
        output = (process.stdout + process.stderr).strip()[-4000:]
        raise CheckFailed(f"{' '.join(command)} exited {process.returncode}:\n{output}")
    return process


def expected_files() -> set[str]:
    """The wheel paths of the package's files and resources/ (tracked or not ignored)."""
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *SOURCE_TREES],
        cwd=ROOT,
    ).stdout.splitlines()
    expected = set()
    for name in listed:
        top, _, rest = name.partition("/")
        if (ROOT / name).is_file():  # a tracked file deleted in the work tree is not expected
            expected.add(f"{SOURCE_TREES[top]}/{rest}")
    return expected


def build(dist: Path) -> tuple[Path, Path]:
    """The sdist and the wheel built from it (in an isolated build environment)."""
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], timeout=600)
    [sdist], [wheel] = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    return sdist, wheel


def check_contents(wheel: Path) -> int:
    """The number of files checked; CheckFailed naming the ones the wheel lacks."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = expected_files()
    missing = sorted(expected - names)
    if missing:
        raise CheckFailed(f"{wheel.name} lacks {len(missing)} file(s): {', '.join(missing)}")
    return len(expected)


def install(pipx_home: Path) -> Path:
    """`pipx install .` into a fresh pipx home (its own venv for the app); its bin folder."""
    bin_dir = pipx_home / "bin"
    env = os.environ | {
        "PIPX_HOME": str(pipx_home),
        "PIPX_BIN_DIR": str(bin_dir),
        "PIPX_MAN_DIR": str(pipx_home / "man"),
        "PIPX_DEFAULT_PYTHON": sys.executable,
    }
    run([sys.executable, "-m", *shlex.split(USER_INSTALL)], cwd=ROOT, env=env, timeout=1200)
    return bin_dir


def user_environment(bin_dir: Path) -> dict[str, str]:
    """No display, nothing of the checkout or of another environment, the venv first."""
    dropped = ("DISPLAY", "WAYLAND_DISPLAY", "PYOPENGL_PLATFORM", "PYTHONPATH", "VIRTUAL_ENV")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def check_qa(bin_dir: Path, folder: Path) -> str:
    """`avatar-player-qa CLIP` from an empty folder; its summary and reasons (CheckFailed when
    it exits non-zero: a fail verdict or a setup error such as a missing asset)."""
    command = [str(bin_dir / "avatar-player-qa"), CLIP, "--report", "report.json"]
    env = user_environment(bin_dir)
    process = run([*command, *LIGHT_RENDERING], cwd=folder, env=env, timeout=300)
    return process.stderr.strip()


def check_versions(bin_dir: Path, folder: Path) -> None:
    """Each console script prints `NAME VERSION` for `--version`."""
    for script in SCRIPTS:
        command = [str(bin_dir / script), "--version"]
        output = run(command, cwd=folder, env=user_environment(bin_dir), timeout=60).stdout
        if output.strip() != f"{script} {__version__}":
            raise CheckFailed(f"{script} --version printed {output.strip()!r}")
        print(f"  {output.strip()}")


def check(tmp: Path) -> None:
    """Every step, in order."""
    with step("build the sdist and the wheel"):
        sdist, wheel = build(tmp / "dist")
    print(f"  {sdist.name}: {sdist.stat().st_size / 1e6:.2f} MB")
    print(f"  {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB")
    with step("check that the wheel holds every file"):
        print(f"  {check_contents(wheel)} files of avatar_player/ and resources/, all there")
    with step(f"{USER_INSTALL} (a fresh venv of its own)"):
        bin_dir = install(tmp / "pipx")
    empty = tmp / "empty"
    empty.mkdir()
    with step("--version of each console script, from an empty folder"):
        check_versions(bin_dir, empty)
    with step(f"avatar-player-qa {CLIP} from an empty folder, headless"):
        print(textwrap.indent(check_qa(bin_dir, empty), "  "))


def main() -> int:
    """Entry point; 0 when every step passed."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="avatar-player-wheel-") as tmp:
        try:
            check(Path(tmp))
        except CheckFailed as error:
            print(f"wheel check: FAILED: {error}", file=sys.stderr)
            return 1
    print(f"wheel check: passed in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

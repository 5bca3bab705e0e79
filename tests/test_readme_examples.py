"""Every shell and Python example in README.md runs, so the README cannot drift from the code.

An HTML comment on the line before a fenced block says how it runs (the default: a script
that must exit 0):

- `<!-- example: window -->`: opens the window and runs until stopped: the window must show
  on the test's X display (`xwininfo`) within `seconds=` (default 60) and the example keep
  running, without a traceback; then it is stopped (the whole process group);
- `<!-- example: service port=N -->`: a server that runs until stopped: port N must listen
  within `seconds=` (default 30), the same way;
- `<!-- example: needs-server -->`: runs while a Motion Server listens on the default ports;
- `<!-- example: ci -->`: the test command, which `.ci/run` runs itself;
- `<!-- example: wheel-check -->`: run by `tools/check_wheel.py`, which `.ci/run` runs.

Examples run in a fresh folder (`cwd=checkout`: in the checkout) with the installed commands
first on PATH and HOME and the XDG folders in that fresh folder; `root` marks one that
installs system packages (it needs root or password-less sudo, as CI has).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(
    r"(?:<!-- example: (?P<marker>[^>]*?) -->\n)?```(?P<lang>bash|python)\n(?P<code>.*?)```",
    re.DOTALL,
)
INTERPRETERS = {"bash": ["bash", "-euo", "pipefail", "-c"], "python": [sys.executable, "-c"]}
DEFAULT_TIMEOUT_S = 240.0
WINDOW_TITLE = "Avatar Player"
SETTLE_S = 2.0


@dataclass(frozen=True)
class Example:
    """One fenced block of the README and how it runs."""

    line: int
    lang: str
    code: str
    kind: str = "script"
    options: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        first = next(line for line in self.code.splitlines() if line.strip())
        return f"L{self.line}-{self.kind}-{first.strip()[:40]}"


def readme_examples() -> list[Example]:
    """The README's bash and python blocks, in order."""
    text = README.read_text()
    examples = []
    for match in FENCE.finditer(text):
        kind, *settings = (match["marker"] or "script").split()
        options = {name: value for name, _, value in (s.partition("=") for s in settings)}
        line = text.count("\n", 0, match.start("lang")) + 1
        examples.append(Example(line, match["lang"], match["code"], kind, options))
    return examples


EXAMPLES = readme_examples()


def by_kind(*kinds: str) -> list[Example]:
    return [example for example in EXAMPLES if example.kind in kinds]


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """The environment of an example: installed commands first on PATH, a fresh home."""
    (tmp_path / "work").mkdir()
    env = dict(os.environ)
    env.pop("PYOPENGL_PLATFORM", None)  # the suite's own choice, not a user's
    env |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "XDG_DATA_HOME": str(tmp_path / ".local" / "share"),
        "XDG_CACHE_HOME": str(tmp_path / ".cache"),
    }
    return env


def cwd_of(example: Example, tmp_path: Path) -> Path:
    return ROOT if example.options.get("cwd") == "checkout" else tmp_path / "work"


def start(example: Example, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*INTERPRETERS[example.lang], example.code],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopping it stops what it started
    )


def stop(process: subprocess.Popen[str]) -> str:
    """Stop the example and everything it started (SIGTERM, then SIGKILL); its output."""
    for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            return process.communicate(timeout=wait_s)[0]
        except subprocess.TimeoutExpired:
            continue
    return process.communicate()[0]


def run_script(example: Example, env: dict[str, str], cwd: Path) -> str:
    """Run `example` to its end; fails with its output when it exits non-zero."""
    process = start(example, env, cwd)
    try:
        output = process.communicate(timeout=DEFAULT_TIMEOUT_S)[0]
    except subprocess.TimeoutExpired:
        pytest.fail(f"README line {example.line} did not finish:\n{stop(process)}")
    assert process.returncode == 0, f"README line {example.line} failed:\n{output}"
    return output


@pytest.fixture
def motion_server(home: dict[str, str]) -> Iterator[None]:
    """`avatar-player-server` on its default ports, as the README's server example starts it."""
    server = subprocess.Popen(
        ["avatar-player-server"], env=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(8766, server)
        yield
    finally:
        stop(server)


def wait_for_port(port: int, process: subprocess.Popen[str], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{process.communicate()[0]}"
        if port_listens(port):
            return
        time.sleep(0.2)
    pytest.fail(f"nothing listens on port {port} after {timeout_s:g} s")


def may_install_system_packages() -> bool:
    if os.geteuid() == 0:
        return True
    probe = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def test_every_block_has_a_known_kind() -> None:
    kinds = {"script", "window", "service", "needs-server", "ci", "wheel-check"}
    assert EXAMPLES, "README.md has no examples"
    assert {example.kind for example in EXAMPLES} <= kinds


@pytest.mark.parametrize("example", by_kind("script"), ids=lambda e: e.id)
def test_script_examples_run(example: Example, home: dict[str, str], tmp_path: Path) -> None:
    run_script(example, home, cwd_of(example, tmp_path))


@pytest.mark.parametrize("example", by_kind("needs-server"), ids=lambda e: e.id)
def test_examples_against_a_running_server(
    example: Example, home: dict[str, str], tmp_path: Path, motion_server: None
) -> None:
    run_script(example, home, cwd_of(example, tmp_path))


def window_shown() -> bool:
    """Whether the main window is mapped on the test's X display."""
    command = ["xwininfo", "-root", "-tree"]
    tree = subprocess.run(command, capture_output=True, text=True, check=False)
    return f'"{WINDOW_TITLE}":' in tree.stdout


def port_listens(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("example", by_kind("window", "service"), ids=lambda e: e.id)
def test_long_running_examples_start_and_keep_running(
    example: Example, home: dict[str, str], tmp_path: Path
) -> None:
    if "root" in example.options and not may_install_system_packages():
        pytest.skip("installs system packages: needs root or password-less sudo")
    if example.kind == "window":
        limit_s, ready = float(example.options.get("seconds", 60)), window_shown
    else:
        port = int(example.options["port"])
        limit_s, ready = float(example.options.get("seconds", 30)), lambda: port_listens(port)
    process = start(example, home, cwd_of(example, tmp_path))
    deadline = time.monotonic() + limit_s
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    shown = ready()
    time.sleep(SETTLE_S)  # and it keeps running
    running = process.poll() is None
    output = stop(process)
    assert shown and running, f"README line {example.line} ({process.returncode}):\n{output}"
    assert "Traceback" not in output, output


def test_the_test_command_is_what_ci_runs() -> None:
    (example,) = by_kind("ci")
    assert example.code.strip() in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.mark.parametrize("example", by_kind("wheel-check"), ids=lambda e: e.id)
def test_install_examples_are_run_by_the_wheel_check(example: Example) -> None:
    check = (ROOT / "tools" / "check_wheel.py").read_text()
    assert "tools/check_wheel.py" in (ROOT / ".ci" / "run").read_text()
    for line in example.code.splitlines():
        command = line.split("#")[0].strip()
        if command:
            assert repr(command) in check or f'"{command}"' in check, command

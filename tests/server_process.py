"""`python -m avatar_player.server` as a child process, for tests that need a real one
(killed, restarted, or used by another process such as the QA command)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

STDERR = subprocess.DEVNULL


def start_server_process(
    *args: str, stderr: int = STDERR
) -> tuple[subprocess.Popen[str], str, str]:
    """`python -m avatar_player.server ARGS`: the process, its ingress and console URLs.
    `stderr=subprocess.PIPE` keeps its log for `communicate()`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "avatar_player.server", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    return (process, *_urls(process))


def prepare_server_process(*args: str) -> subprocess.Popen[str]:
    """A server process with everything imported, binding once `bind()` is called: a restart
    that is back within milliseconds (a cold start takes ~1 s)."""
    code = (
        "import sys; from avatar_player.server.__main__ import main; sys.stdin.readline(); main()"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=STDERR,
        text=True,
    )


def bind(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Let a prepared server bind; its ingress and console URLs."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("\n")
    process.stdin.flush()
    return _urls(process)


def port(url: str) -> str:
    """The port of a ws:// or http:// URL."""
    return url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]


def stop(process: subprocess.Popen[str]) -> None:
    """Kill the process and reap it."""
    process.kill()
    process.wait()


def _urls(process: subprocess.Popen[str]) -> tuple[str, str]:
    assert process.stdout is not None
    ingress = process.stdout.readline().split()
    console = process.stdout.readline().split()
    assert ingress[0] == "ingress" and console[0] == "console", (ingress, console)
    return ingress[1], console[1]

"""`python -m avatar_player.qa` as a real process, without a display: the embedded Motion
Server over real WebSockets, the paced null sink, offscreen EGL rendering, the JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY, CLIPS, ROOT
from server_process import start_server_process, stop

from avatar_player.player.metrics import ATSC_MS
from avatar_player.qa.options import Budgets

CLIP = CLIPS / "hello_16k.wav"
LIGHT_RENDERING = ("--tier", "minimal", "--size", "160x90")
"""About 12 ms per frame on llvmpipe: the test measures the player, not the rasteriser."""
HEADLESS_ENV = {
    key: value for key, value in os.environ.items() if key not in ("DISPLAY", "PYOPENGL_PLATFORM")
}


def qa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "avatar_player.qa", *args],
        check=False,
        cwd=ROOT,
        env=HEADLESS_ENV,
        capture_output=True,
        text=True,
        timeout=90,
    )


def qa_report(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """Run on the bundled clip; the process and its report."""
    report = tmp_path / "report.json"
    process = qa(str(CLIP), "--report", str(report), *LIGHT_RENDERING, *args)
    if process.returncode == 2 and "offscreenUnavailable" in process.stderr:
        pytest.skip(f"no OpenGL context here: {process.stderr.strip()}")
    assert report.exists(), process.stderr
    return process, json.loads(report.read_text())


def test_a_clean_run_on_the_embedded_server_passes(tmp_path: Path) -> None:
    process, report = qa_report(tmp_path)
    assert (process.returncode, report["verdict"], report["reasons"]) == (0, "pass", []), (
        process.stderr
    )
    [response] = report["responses"]
    first_motion = response["time_to_first_motion_ms"]
    assert 0 < first_motion < Budgets().max_first_motion_ms
    assert first_motion <= response["time_to_playing_ms"]
    assert response["time_to_playing_ms"] <= response["time_to_first_rendered_frame_ms"]
    offset = response["av_offset"]
    assert ATSC_MS[0] <= offset["median_ms"] <= ATSC_MS[1]
    assert offset["window"] == "IS-191"
    assert offset["frames"] > report["clip"]["duration_s"] * 25 * 0.8
    assert (response["end_reason"], response["audio_only"], response["underruns"]) == (
        "playbackEnd",
        False,
        0,
    )
    conversation = [(s["state"], s["reason"]) for s in report["states"]["conversation"]]
    assert conversation == [
        ("active", "userAction"),
        ("playing", "userAction"),
        ("idle", "playbackEnd"),
    ]
    connection = [s["state"] for s in report["states"]["connection"]]
    assert connection == ["connecting", "connected", "disconnected"]
    assert report["log"] == {"errors_by_code": {}, "warnings_by_code": {}, "entries": []}
    rendering = report["rendering"]
    assert rendering["tier"] == "minimal"
    assert rendering["first_frame_ms"] > 0
    assert rendering["fps"]["actual"] > 25 * 0.9
    assert report["server"]["kind"] == "embedded"
    assert report["server"]["url"].startswith("ws://127.0.0.1:")
    assert "demo-key" not in json.dumps(report)
    assert "QA pass" in process.stderr


def test_an_injected_motion_delay_fails_on_first_motion_only(tmp_path: Path) -> None:
    process, report = qa_report(tmp_path, "--fault", "latencyMs=350")
    assert (process.returncode, report["verdict"]) == (1, "fail"), process.stderr
    assert report["options"]["faults"] == {"faultLatencyMs": "350"}
    assert [r["check"] for r in report["reasons"]] == ["firstMotion"], report["reasons"]
    assert "first motion" in report["reasons"][0]["message"]
    [response] = report["responses"]
    assert response["time_to_first_motion_ms"] >= 350
    # The jitter buffer absorbs the delay: the response still plays in sync, to its end.
    assert (response["end_reason"], response["audio_only"]) == ("playbackEnd", False)
    assert "firstMotion" in process.stderr


def test_a_run_against_a_server_url_passes(tmp_path: Path) -> None:
    """`--url`: a Motion Server in another process, reached with an API key for tokens."""
    server, ingress, console = start_server_process("--port", "0", "--http-port", "0")
    try:
        process, report = qa_report(
            tmp_path, "--url", ingress, "--console-url", console, "--api-key", API_KEY
        )
    finally:
        stop(server)
    assert (process.returncode, report["verdict"]) == (0, "pass"), process.stderr
    assert report["server"] == {"kind": "remote", "url": ingress, "console_url": console}
    assert report["options"]["credentials"] == "api-key"
    [response] = report["responses"]
    assert (response["end_reason"], response["audio_only"]) == ("playbackEnd", False)
    assert API_KEY not in json.dumps(report)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((str(CLIPS / "no-such-clip.wav"),), "error: clipUnreadable: "),
        ((str(ROOT / "README.md"),), "error: clipNotAudio: "),
        ((str(CLIP), "--fault", "latencyMS=200"), "expected NAME=VALUE with NAME one of"),
        ((str(CLIP), "--fault", "latencyMs=soon"), "must be a finite number"),
        ((str(CLIP), "--size", "0x90"), "expected WIDTHxHEIGHT"),
        ((str(CLIP), "--report", "/no/such/dir/r.json"), "error: reportUnwritable: "),
    ],
)
def test_bad_input_is_a_usage_error_without_a_traceback(
    args: tuple[str, ...], expected: str
) -> None:
    process = qa(*args)
    assert process.returncode == 2
    assert expected in process.stderr
    assert "Traceback" not in process.stderr
    assert process.stdout == ""


def test_help_names_the_options_and_exit_codes() -> None:
    process = qa("--help")
    assert process.returncode == 0
    for text in ("--fault NAME=VALUE", "--max-first-motion-ms", "--repeat N", "exit status"):
        assert text in process.stdout

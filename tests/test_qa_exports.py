"""The QA command's video, frames and HTML, end to end through the command line: what it
makes, and every output that cannot be made is a clear error with the JSON still written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import av
from conftest import speech_clip

FAST = ["--tier", "minimal", "--size", "320x180"]


def qa(*args: str | Path) -> tuple[int, dict[str, Any], str]:
    """Run the command; exit status, the JSON report it wrote, stderr."""
    report = Path(args[args.index("--report") + 1])
    process = subprocess.run(
        [sys.executable, "-m", "avatar_player.qa", *map(str, args), *FAST],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return process.returncode, json.loads(report.read_text()), process.stderr


def test_a_run_makes_a_video_with_frames_and_an_html_report(tmp_path: Path) -> None:
    clip = speech_clip(tmp_path, 1.5)
    video, html, frames = tmp_path / "run.mp4", tmp_path / "run.html", tmp_path / "frames"
    status, report, _ = qa(
        clip, "--video", video, "--overlay", "--frames", frames, "--html", html,
        "--report", tmp_path / "r.json",
    )  # fmt: skip
    assert report["verdict"] != "fail", report["reasons"]
    assert status == 0
    with av.open(str(video)) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
    assert len(list(frames.glob("frame_*.png"))) == report["rendering"]["frames"]
    page = html.read_text()
    assert report["verdict"] in page and page.count("data:image/png;base64,") == 6


def test_outputs_that_cannot_be_made_fail_clearly_and_the_report_is_still_written(
    tmp_path: Path,
) -> None:
    clip = speech_clip(tmp_path, 0.6)
    status, report, stderr = qa(
        clip, "--video", tmp_path / "no" / "run.mp4", "--html", tmp_path / "no" / "r.html",
        "--report", tmp_path / "r.json",
    )  # fmt: skip
    assert status == 2
    codes = [r["message"].split(":")[0] for r in report["reasons"] if r["check"] == "export"]
    assert sorted(codes) == ["htmlUnwritable", "videoUnwritable"]
    assert "error: videoUnwritable" in stderr and report["verdict"] == "fail"
    assert report["responses"], "the run itself took place"
    status, report, stderr = qa(
        clip, "--video", tmp_path / "x.mp4", "--video-codec", "nosuchcodec",
        "--report", tmp_path / "r2.json",
    )  # fmt: skip
    assert status == 2 and "videoCodecUnavailable" in stderr
    assert report["reasons"][-1]["message"].startswith("videoCodecUnavailable")


def test_a_recorded_run_becomes_a_video_and_a_report_and_a_truncated_one_an_error(
    tmp_path: Path,
) -> None:
    recording = tmp_path / "session.avrec"
    clip = speech_clip(tmp_path, 1.0)
    status, report, _ = qa(clip, "--record", recording, "--report", tmp_path / "run.json")
    assert status == 0 and report["options"]["record"] == str(recording)
    video, html = tmp_path / "rec.mp4", tmp_path / "rec.html"
    status, report, _ = qa(
        "--recording", recording, "--video", video, "--html", html, "--report", tmp_path / "r.json"
    )
    assert status == 0 and report["verdict"] == "n/a (recording)"
    with av.open(str(video)) as container:
        duration = float(container.duration) / av.time_base
    assert 1.0 <= duration < 1.6
    assert html.read_text().count("data:image/png;base64,") == 6
    truncated = tmp_path / "truncated.avrec"
    truncated.write_bytes(recording.read_bytes()[:2000])
    status, report, stderr = qa(
        "--recording", truncated, "--video", tmp_path / "t.mp4", "--report", tmp_path / "t.json"
    )
    assert status == 2 and "recordingUnreadable" in stderr
    assert report["verdict"] == "fail"

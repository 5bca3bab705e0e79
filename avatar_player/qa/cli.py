"""`python -m avatar_player.qa`: check the inputs, run, write the report, exit with the verdict.

Exit status: 0 pass or warn, 1 fail, 2 usage or setup error (bad option, unusable clip,
no OpenGL for offscreen rendering, report not writable, a video or HTML that could not be
made: the JSON report is then still written); setup errors print one line
`avatar_player.qa: error: CODE: message` and no traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from avatar_player.audio import ClipError
from avatar_player.qa.exports import Exports, export_a_recording
from avatar_player.qa.options import STDOUT, QaOptions, parse_options
from avatar_player.qa.report import build_report
from avatar_player.qa.run import ClipInfo, QaRun
from avatar_player.qa.verdict import Finding
from avatar_player.render.offscreen import OffscreenUnavailable

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_SETUP = 2


class SetupError(Exception):
    """The run cannot start or report; `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    options = parse_options(argv)
    logging.basicConfig(level=options.log_level)
    try:
        report, export_failures = _run(options)
    except SetupError as error:
        print(f"avatar_player.qa: error: {error}", file=sys.stderr)
        return EXIT_SETUP
    _print_summary(report, options.report)
    for failure in export_failures:
        print(f"avatar_player.qa: error: {failure.message}", file=sys.stderr)
    if export_failures:
        return EXIT_SETUP
    return EXIT_FAIL if report["verdict"] == "fail" else EXIT_PASS


def _run(options: QaOptions) -> tuple[dict[str, Any], list[Finding]]:
    """Run (or export a recording) and write the JSON report; the report and the outputs
    that could not be made."""
    _check_writable(options.report)
    if options.recording is not None:
        report, failures = _offscreen(lambda: export_a_recording(options))
        _write_report(report, options.report)
        return report, failures
    try:
        clip = (
            None
            if options.clip is None
            else ClipInfo.load(options.clip, options.session.sample_rate)
        )
    except ClipError as error:
        raise SetupError(str(error.code), error.message) from error
    exports = Exports(options)
    exports.open(options.session.sample_rate)
    run = QaRun(options, clip)
    if exports.video is not None:
        run.capture = True
        run.recorder.on_pixels = exports.video.frame_sink(run.recorder.timeline)
    _offscreen(lambda: asyncio.run(run.run()))
    exports.finish_video(run.recorder.timeline)
    run.findings += exports.findings
    report = build_report(run)
    exports.write_html(report, run.recorder.timeline)
    _write_report(report, options.report)
    return report, exports.findings


T = TypeVar("T")


def _offscreen(work: Callable[[], T]) -> T:
    """`work()`, with a missing OpenGL as a setup error."""
    try:
        return work()
    except OffscreenUnavailable as error:
        message = f"no OpenGL for offscreen rendering: {error}"
        raise SetupError("offscreenUnavailable", message) from error


def _write_report(report: dict[str, Any], destination: str) -> None:
    text = json.dumps(report, indent=2) + "\n"
    if destination == STDOUT:
        sys.stdout.write(text)
        return
    try:
        Path(destination).write_text(text)
    except OSError as error:
        raise SetupError("reportUnwritable", f"{destination}: {error}") from error


def _check_writable(report: str) -> None:
    """Fail before the run, not after it, when the report cannot be written."""
    if report == STDOUT:
        return
    path = Path(report)
    folder = path.parent
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise SetupError("reportUnwritable", f"{report}: not a writable file path")


def _print_summary(report: dict[str, Any], destination: str) -> None:
    """One line of figures, the reasons, and where the report went (on stderr)."""
    print(f"QA {report['verdict']}{_figures(report.get('overall'))}", file=sys.stderr)
    for reason in report["reasons"]:
        print(f"  {reason['level']} {reason['check']}: {reason['message']}", file=sys.stderr)
    if destination != STDOUT:
        print(f"report: {destination}", file=sys.stderr)


def _figures(overall: dict[str, Any] | None) -> str:
    """': N response(s), first motion ...' ('' when nothing was measured)."""
    if not overall:
        return ""
    offset = overall["av_offset"]
    sync = f"{offset['median_ms']:+.1f} ms ({offset['window']})" if offset else "-"
    first_motion = _ms(overall["time_to_first_motion_ms"]["max"])
    first_frame = _ms(overall["time_to_first_rendered_frame_ms"]["max"])
    underruns = "-" if overall["underruns"] is None else overall["underruns"]
    return (
        f": {overall['responses']} response(s), first motion {first_motion} and first "
        f"rendered frame {first_frame} (max), A/V offset median {sync}, underruns "
        f"{underruns}, rebuffers {overall['rebuffers']} ({overall['stall_s']:.2f} s stalled)"
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"

"""`python -m avatar_player.qa`: check the inputs, run, write the report, exit with the verdict.

Exit status: 0 pass or warn, 1 fail, 2 usage or setup error (bad option, unusable clip,
no OpenGL for offscreen rendering, report not writable); setup errors print one line
`avatar_player.qa: error: CODE: message` and no traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from avatar_player.audio import ClipError
from avatar_player.qa.options import STDOUT, QaOptions, parse_options
from avatar_player.qa.report import build_report
from avatar_player.qa.run import ClipInfo, QaRun
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
        report = _run(options)
    except SetupError as error:
        print(f"avatar_player.qa: error: {error}", file=sys.stderr)
        return EXIT_SETUP
    _print_summary(report, options.report)
    return EXIT_FAIL if report["verdict"] == "fail" else EXIT_PASS


def _run(options: QaOptions) -> dict[str, Any]:
    try:
        clip = (
            None
            if options.clip is None
            else ClipInfo.load(options.clip, options.session.sample_rate)
        )
    except ClipError as error:
        raise SetupError(str(error.code), error.message) from error
    _check_writable(options.report)
    run = QaRun(options, clip)
    try:
        asyncio.run(run.run())
    except OffscreenUnavailable as error:
        message = f"no OpenGL for offscreen rendering: {error}"
        raise SetupError("offscreenUnavailable", message) from error
    report = build_report(run)
    text = json.dumps(report, indent=2) + "\n"
    if options.report == STDOUT:
        sys.stdout.write(text)
    else:
        try:
            Path(options.report).write_text(text)
        except OSError as error:
            raise SetupError("reportUnwritable", f"{options.report}: {error}") from error
    return report


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
    overall = report["overall"]
    offset = overall["av_offset"]
    sync = f"{offset['median_ms']:+.1f} ms ({offset['window']})" if offset else "-"
    first_motion = _ms(overall["time_to_first_motion_ms"]["max"])
    first_frame = _ms(overall["time_to_first_rendered_frame_ms"]["max"])
    print(
        f"QA {report['verdict']}: {overall['responses']} response(s), first motion "
        f"{first_motion} and first rendered frame {first_frame} (max), "
        f"A/V offset median {sync}, underruns {overall['underruns']}, "
        f"rebuffers {overall['rebuffers']} ({overall['stall_s']:.2f} s stalled)",
        file=sys.stderr,
    )
    for reason in report["reasons"]:
        print(f"  {reason['level']} {reason['check']}: {reason['message']}", file=sys.stderr)
    if destination != STDOUT:
        print(f"report: {destination}", file=sys.stderr)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"

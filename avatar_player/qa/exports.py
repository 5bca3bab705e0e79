"""What a person watches of a QA run: the video (or PNG frames) and the HTML report.

Outputs are opened before the run, so a path that cannot be written or a codec that is
missing is known at once; the run still takes place (its JSON report is the result), the
output is skipped, and the problem is a `fail` reason of the report and exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from avatar_player.models.timeline import Timeline
from avatar_player.qa.options import QaOptions
from avatar_player.qa.recording_report import report_of_recording
from avatar_player.qa.verdict import Finding
from avatar_player.watch.html_report import HtmlReportError, check_writable, write_html
from avatar_player.watch.recording_export import (
    export_recording,
    read_recording,
)
from avatar_player.watch.video import ExportError, VideoWriter

CHECK = "export"
"""The report's check name for an output that could not be made."""


class Exports:
    """The video, frames and HTML a run was asked for."""

    def __init__(self, options: QaOptions) -> None:
        self.options = options
        self.video: VideoWriter | None = None
        self.html = options.html
        self.findings: list[Finding] = []
        """Outputs that could not be made (fail)."""

    @property
    def capturing(self) -> bool:
        """Whether the run must read its frames back."""
        return self.video is not None

    def open(self, sample_rate: int) -> None:
        """Check the HTML path and open the video writer (problems become findings)."""
        options = self.options
        if self.html is not None:
            try:
                check_writable(self.html)
            except HtmlReportError as error:
                self._failed(error.code, error.message)
                self.html = None
        if options.video is None and options.frames is None:
            return
        try:
            self.video = VideoWriter(
                options.video,
                options.size,
                options.fps,
                sample_rate,
                overlay=options.overlay,
                frames_dir=options.frames,
                codec=options.video_codec,
            )
        except ExportError as error:
            self._failed(error.code, error.message)

    def finish_video(self, timeline: Timeline) -> None:
        """Mux the played audio into the video and close it."""
        if self.video is not None:
            try:
                self.video.finish(timeline)
            except ExportError as error:
                self._failed(error.code, error.message)

    def write_html(self, report: dict[str, Any], timeline: Timeline) -> None:
        """Write the HTML report (a failure is added to `report` as a fail reason)."""
        if self.html is None:
            return
        try:
            write_html(self.html, report, timeline)
        except HtmlReportError as error:
            self._failed(error.code, error.message)
            report["reasons"].append(self.findings[-1].to_json())
            report["verdict"] = "fail"

    def _failed(self, code: str, message: str) -> None:
        self.findings.append(Finding("fail", CHECK, f"{code}: {message}"))


def export_a_recording(options: QaOptions) -> tuple[dict[str, Any], list[Finding]]:
    """The video, frames and HTML of `options.recording`; its report and any failures."""
    path = options.recording
    assert path is not None
    findings: list[Finding] = []
    try:
        recording = read_recording(path)
        timeline = export_recording(
            recording,
            video=options.video,
            frames_dir=options.frames,
            overlay=options.overlay,
            size=options.size,
            tier=options.tier,
            fps=options.fps,
        )
        report = report_of_recording(recording, timeline, path)
    except ExportError as error:
        findings.append(Finding("fail", CHECK, f"{error.code}: {error.message}"))
        return _failed_report(path, findings), findings
    if options.html is not None:
        try:
            write_html(options.html, report, timeline)
        except HtmlReportError as error:
            findings.append(Finding("fail", CHECK, f"{error.code}: {error.message}"))
    report["reasons"] = [finding.to_json() for finding in findings]
    return report, findings


def _failed_report(path: Path, findings: list[Finding]) -> dict[str, Any]:
    return {
        "verdict": "fail",
        "reasons": [finding.to_json() for finding in findings],
        "options": {"source": "recording", "path": str(path)},
    }

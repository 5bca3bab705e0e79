"""The HTML report of a QA run: real headless runs (the embedded Motion Server, offscreen EGL,
the paced null sink) and reduced reports, written as one self-contained page."""

from __future__ import annotations

import asyncio
import base64
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import API_KEY, speech_clip
from PIL import Image

from avatar_player.models.timeline import Timeline
from avatar_player.player import ConversationChange, ConversationState, StateChangeReason
from avatar_player.protocol.motion import LAYOUT, VECTOR_SIZE
from avatar_player.qa.options import parse_options
from avatar_player.qa.report import build_report
from avatar_player.qa.run import ClipInfo, QaRun
from avatar_player.render.offscreen import OffscreenUnavailable
from avatar_player.watch.html_report import HtmlReportError, check_writable, write_html

LIGHT_RUN = ("--tier", "minimal", "--size", "320x180", "--report", "-")
PLOTS = 6
TOKEN = "qa-html-token-4711"


class Resources(HTMLParser):
    """Every src/href of a page, and the tags that could load or run something."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.urls += [value or "" for name, value in attrs if name in ("src", "href")]


def qa_run(tmp_path: Path, *args: str) -> tuple[dict[str, Any], Timeline]:
    """A real headless run of a 2 s clip: its report and timeline."""
    clip = speech_clip(tmp_path, 2.0)
    options = parse_options([str(clip), *LIGHT_RUN, *args])
    run = QaRun(options, ClipInfo.load(clip, options.session.sample_rate))
    try:
        asyncio.run(run.run())
    except OffscreenUnavailable as error:
        pytest.skip(f"no OpenGL context here: {error}")
    return build_report(run), run.recorder.timeline


def page_of(tmp_path: Path, report: dict[str, Any], timeline: Timeline) -> str:
    path = tmp_path / "report.html"
    write_html(path, report, timeline)
    return path.read_text(encoding="utf-8")


def images(page: str) -> list[Image.Image]:
    """The page's inline PNG plots, decoded."""
    found = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    decoded = []
    for data in found:
        png = base64.b64decode(data, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png))
        image.load()
        decoded.append(image)
    return decoded


def assert_self_contained(page: str) -> None:
    parser = Resources()
    parser.feed(page)
    assert all(url.startswith("data:image/png;base64,") for url in parser.urls)
    assert not parser.tags & {"script", "link", "iframe", "object", "embed"}
    assert "url(" not in page and "@import" not in page
    assert "http://" not in page and "https://" not in page


def assert_shows_verdict(page: str, report: dict[str, Any]) -> None:
    assert f"Verdict: {html.escape(report['verdict'])}" in page
    for reason in report["reasons"]:
        assert html.escape(reason["message"]) in page


def test_a_run_s_page_has_every_plot_with_data_the_verdict_and_no_credential(
    tmp_path: Path,
) -> None:
    report, timeline = qa_run(tmp_path, "--pace", "0.8", "--api-key", API_KEY)
    assert report["responses"] and report["overall"]["rebuffers"] >= 1  # a slow producer
    page = page_of(tmp_path, report, timeline)
    plots = images(page)
    assert len(plots) == PLOTS
    assert all(image.width >= 800 and image.height >= 200 for image in plots)
    assert "no data" not in page
    assert_shows_verdict(page, report)
    assert_self_contained(page)
    assert API_KEY not in page
    for heading in ("Key figures", "Errors and warnings", "State changes", "Options"):
        assert f"<h2>{heading}</h2>" in page
    assert "No errors or warnings." in page  # the embedded server: a clean log
    median = report["overall"]["av_offset"]["median_ms"]
    assert f"median {median:+g} ms" in page
    assert "rebuffering" in page and "bufferRefilled" in page


def test_a_run_that_fails_early_still_gets_its_page_with_no_data_plots(tmp_path: Path) -> None:
    report, timeline = qa_run(
        tmp_path, "--url", "ws://127.0.0.1:9/websocket", "--token", TOKEN, "--timeout", "1.5"
    )
    assert report["verdict"] == "fail" and report["log"]["errors_by_code"]
    page = page_of(tmp_path, report, timeline)
    assert len(images(page)) == PLOTS
    assert page.count("(no data: ") >= 4  # frames were rendered, nothing else happened
    assert_shows_verdict(page, report)
    assert_self_contained(page)
    for code in report["log"]["errors_by_code"]:
        assert f"<td>{code}</td>" in page
    assert TOKEN not in page


def test_a_reduced_report_and_an_empty_timeline_give_a_page(tmp_path: Path) -> None:
    report = {
        "verdict": "n/a (recording)",
        "reasons": [],
        "options": {"app_id": "demo-app", "api_key": "k-1", "auth": {"token": "t-2"}},
        "log": {
            "errors_by_code": {"serverError": 2},
            "warnings_by_code": {},
            "entries": [{"severity": "error", "code": "serverError", "message": "<b>x</b>"}],
        },
    }
    page = page_of(tmp_path, report, Timeline(16000))
    assert len(images(page)) == PLOTS
    assert page.count("(no data: ") == PLOTS
    assert "Verdict: n/a (recording)" in page and "No findings." in page
    assert "This report has no measurements." in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page  # log text is escaped
    assert "k-1" not in page and "t-2" not in page
    assert "demo-app" in page


def test_plots_take_none_values_gaps_and_a_state_without_an_end(tmp_path: Path) -> None:
    timeline = Timeline(16000)
    pose = np.zeros(VECTOR_SIZE, np.float32)
    pose[LAYOUT["jaw_open"]] = 0.4
    for number in range(50):
        t = 10.0 + number * 0.04
        offset = None if number % 7 == 0 else float(number - 25)
        timeline.add_frame(t, pose, offset, None if number < 5 else 200.0 - number, 20.0)
    timeline.add_audio(10.2, np.full(1600, 3000, np.int16))
    timeline.add_audio(11.5, np.zeros(800, np.int16))
    for t, state, reason in (
        (10.1, ConversationState.ACTIVE, StateChangeReason.USER_ACTION),
        (10.3, ConversationState.PLAYING, StateChangeReason.USER_ACTION),
        (10.9, ConversationState.ACTIVE, StateChangeReason.REBUFFERING),
    ):
        timeline.add_state(t, ConversationChange(state, reason, "req"))
    page = page_of(tmp_path, {"verdict": "pass", "reasons": []}, timeline)
    assert len(images(page)) == PLOTS
    assert "no data" not in page


@pytest.mark.parametrize("where", ["missing/report.html", "."])
def test_an_unwritable_path_raises_html_unwritable(tmp_path: Path, where: str) -> None:
    with pytest.raises(HtmlReportError) as caught:
        write_html(tmp_path / where, {"verdict": "pass"}, Timeline(16000))
    assert caught.value.code == "htmlUnwritable"
    assert str(tmp_path) in caught.value.message
    with pytest.raises(HtmlReportError):
        check_writable(tmp_path / where)  # what a run checks before it starts

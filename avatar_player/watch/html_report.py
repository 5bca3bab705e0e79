"""The HTML report of a QA run: one self-contained page for a person (inline CSS and PNG
plots, no script, nothing loaded from the network).

It shows the verdict and its reasons, the key figures, the plots of the timeline, the
error log, the state changes and the run's options. It copes with partial data (a run that
failed early) and with reduced report dicts (a recording export has no measurements).
"""

from __future__ import annotations

import base64
import datetime
import html
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from avatar_player.models.timeline import Timeline
from avatar_player.watch.plots import Plot, render_plots

HTML_UNWRITABLE = "htmlUnwritable"
SECRET_KEY = re.compile(r"key|token|secret|password", re.IGNORECASE)
"""Report keys whose values are never shown."""
VERDICT_COLOURS = {"pass": "#1b7f3b", "warn": "#b26a00", "fail": "#b3261e"}
OTHER_COLOUR = "#546e7a"
MISSING = "-"
"""Shown for a value the report does not have."""
SPREADS = (
    ("first motion (from first audio sent)", "time_to_first_motion_ms"),
    ("playing (from first audio sent)", "time_to_playing_ms"),
    ("first rendered frame (from first audio sent)", "time_to_first_rendered_frame_ms"),
    ("first played sample (from the request)", "time_to_first_played_sample_ms"),
    ("first moving frame (from the request)", "time_to_first_moving_frame_ms"),
)
"""Key figures given as median and maximum over the responses."""
CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1040px;color:#212121}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.sub{color:#616161;margin:0 0 16px}
.verdict{color:#fff;padding:10px 16px;border-radius:6px;font-size:20px;font-weight:600}
ul.reasons{list-style:none;padding:0}ul.reasons li{margin:4px 0}
.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600;
margin-right:6px}
table{border-collapse:collapse;margin:4px 0 12px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
figure{margin:12px 0}figcaption{font-weight:600}img{max-width:100%}
.nodata{color:#777;font-weight:400}
"""


class HtmlReportError(Exception):
    """The HTML report could not be written; `code` is stable (`htmlUnwritable`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def write_html(path: str | os.PathLike[str], report: Mapping[str, Any], timeline: Timeline) -> None:
    """Write the page of `report` (build_report's dict, or a reduced one) and `timeline`.

    Raises HtmlReportError when `path` cannot be written (checked before plotting).
    """
    target = Path(path)
    check_writable(target)
    page = _page(report, timeline)
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as error:
        raise HtmlReportError(HTML_UNWRITABLE, f"{target}: {error}") from error


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise HtmlReportError unless `path` names a file in a writable folder (call it before
    a run to fail early)."""
    target = Path(path)
    folder = target.parent
    if target.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise HtmlReportError(HTML_UNWRITABLE, f"{target}: not a writable file path")


def _page(report: Mapping[str, Any], timeline: Timeline) -> str:
    overall = _mapping(report.get("overall"))
    fps = _mapping(report.get("options")).get("fps")
    plots = render_plots(timeline, overall.get("underruns"), fps)
    return "\n".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            "<title>Avatar Player QA report</title>",
            f"<style>{CSS}</style></head><body>",
            "<h1>Avatar Player QA report</h1>",
            f'<p class="sub">{_escape(_subtitle(report))}</p>',
            _verdict(report),
            "<h2>Key figures</h2>",
            _key_figures(report),
            *(_figure(plot) for plot in plots),
            "<h2>Errors and warnings</h2>",
            _log(_mapping(report.get("log"))),
            "<h2>State changes</h2>",
            _state_changes(_mapping(report.get("states"))),
            "<h2>Run</h2>",
            _table([(name, _value(report.get(name))) for name in ("server", "clip", "speech")]),
            "<h2>Options</h2>",
            _table([(name, _value(v)) for name, v in _public(report.get("options")).items()]),
            "</body></html>\n",
        ]
    )


def _subtitle(report: Mapping[str, Any]) -> str:
    tool = _mapping(report.get("tool"))
    parts = [f"{tool.get('name', 'avatar_player')} {tool.get('version', '')}".strip()]
    if (duration := report.get("duration_s")) is not None:
        parts.append(f"run of {_value(duration)} s")
    return " · ".join(parts)


def _verdict(report: Mapping[str, Any]) -> str:
    verdict = str(report.get("verdict", "unknown"))
    colour = VERDICT_COLOURS.get(verdict, OTHER_COLOUR)
    items = []
    for reason in report.get("reasons") or []:
        level = str(reason.get("level", ""))
        badge = VERDICT_COLOURS.get(level, OTHER_COLOUR)
        items.append(
            f'<li><span class="badge" style="background:{badge}">{_escape(level)}</span>'
            f"<b>{_escape(reason.get('check', ''))}</b>: {_escape(reason.get('message', ''))}</li>"
        )
    reasons = f'<ul class="reasons">{"".join(items)}</ul>' if items else "<p>No findings.</p>"
    return (
        f'<div class="verdict" style="background:{colour}">Verdict: {_escape(verdict)}</div>'
        + reasons
    )


def _key_figures(report: Mapping[str, Any]) -> str:
    overall = _mapping(report.get("overall"))
    rendering = _mapping(report.get("rendering"))
    if not overall and not rendering:
        return "<p>This report has no measurements.</p>"
    rows = [("responses", _value(overall.get("responses")))]
    rows += [(label, _spread(overall.get(key))) for label, key in SPREADS]
    rows += [
        ("A/V offset (+: audio early)", _offset(overall.get("av_offset"))),
        ("underruns", _value(overall.get("underruns"))),
        ("rebuffers", _value(overall.get("rebuffers"))),
        ("stall", _unit(overall.get("stall_s"), "s")),
        ("frame rate", _frame_rate(_mapping(rendering.get("fps")))),
        ("renderer", _value({k: rendering.get(k) for k in ("renderer", "tier", "splats")})),
        ("renderer's first frame", _unit(rendering.get("first_frame_ms"), "ms")),
    ]
    return _table(rows)


def _spread(value: Any) -> str:
    spread = _mapping(value)
    if spread.get("median") is None:
        return MISSING
    return f"median {_unit(spread['median'], 'ms')}, max {_unit(spread.get('max'), 'ms')}"


def _offset(stats: Any) -> str:
    stats = _mapping(stats)
    if not isinstance(stats.get("median_ms"), int | float):
        return MISSING
    return (
        f"median {stats['median_ms']:+g} ms ({stats.get('window', '?')}), "
        f"p95 |offset| {_unit(stats.get('p95_abs_ms'), 'ms')}, "
        f"max |offset| {_unit(stats.get('max_abs_ms'), 'ms')} over {stats.get('frames')} frames"
    )


def _frame_rate(fps: Mapping[str, Any]) -> str:
    if not fps:
        return MISSING
    return (
        f"{_value(fps.get('actual'))} fps of {_value(fps.get('expected'))} "
        f"(lowest {_value(fps.get('lowest'))}, dropped {_value(fps.get('dropped_frames'))})"
    )


def _figure(plot: Plot) -> str:
    data = base64.b64encode(plot.png).decode("ascii")
    empty = f' <span class="nodata">(no data: {_escape(plot.empty)})</span>' if plot.empty else ""
    return (
        f"<figure><figcaption>{_escape(plot.title)}{empty}</figcaption>"
        f'<img alt="{_escape(plot.title)}" src="data:image/png;base64,{data}"></figure>'
    )


def _log(log: Mapping[str, Any]) -> str:
    counts = [
        (str(code), severity, count)
        for severity, key in (("error", "errors_by_code"), ("warning", "warnings_by_code"))
        for code, count in _mapping(log.get(key)).items()
    ]
    entries = [_public(entry) for entry in log.get("entries") or []]
    if not counts and not entries:
        return "<p>No errors or warnings.</p>"
    by_code = _grid(("code", "severity", "count"), counts)
    columns = ("time", "severity", "code", "phase", "count", "message", "req_id")
    rows = [(_clock(e.get("first_time")), *(e.get(c) for c in columns[1:])) for e in entries]
    return by_code + _grid(columns, rows)


def _state_changes(states: Mapping[str, Any]) -> str:
    rows = [
        (change.get("at_ms"), kind, change.get("state"), change.get("code") or change.get("reason"))
        for kind in ("connection", "relay_upstream", "conversation")
        for change in states.get(kind) or []
    ]
    if not rows:
        return "<p>No state changes.</p>"
    rows.sort(key=lambda row: row[0] if isinstance(row[0], int | float) else 0.0)
    return _grid(("at (ms since the run started)", "kind", "state", "code or reason"), rows)


def _table(rows: list[tuple[str, str]]) -> str:
    """A two-column table of names and already formatted values."""
    body = "".join(f"<tr><th>{_escape(name)}</th><td>{_escape(v)}</td></tr>" for name, v in rows)
    return f"<table>{body}</table>"


def _grid(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{_escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_escape(_value(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _public(value: Any) -> dict[str, Any]:
    """A mapping without the keys that could hold credentials (nested ones too)."""
    return {
        str(key): _public(item) if isinstance(item, Mapping) else item
        for key, item in _mapping(value).items()
        if not SECRET_KEY.search(str(key))
    }


def _value(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_value(v)}" for k, v in _public(value).items()) or MISSING
    if isinstance(value, list | tuple):
        return ", ".join(_value(item) for item in value) or MISSING
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _unit(value: Any, unit: str) -> str:
    return MISSING if value is None else f"{_value(value)} {unit}"


def _clock(timestamp: Any) -> str:
    """A log entry's wall-clock time (local), to the millisecond."""
    if not isinstance(timestamp, int | float):
        return MISSING
    return datetime.datetime.fromtimestamp(timestamp).strftime("%H:%M:%S.%f")[:-3]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _escape(value: Any) -> str:
    return html.escape(str(value))

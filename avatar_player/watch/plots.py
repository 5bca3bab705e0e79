"""The plots of the HTML report, as PNG images (matplotlib's object API on Agg: no pyplot,
no global state).

Every plot shares one time axis, seconds since the first frame or audio block, and draws
"no data" instead of failing when the run recorded nothing for it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from avatar_player.models.timeline import (
    CHANNEL_GROUPS,
    SILENCE_DB,
    FrameColumns,
    StateSpan,
    Timeline,
    channel_column,
    state_spans,
)
from avatar_player.player.metrics import ATSC_MS, BT1359_MS

ENVELOPE_WINDOW_S = 0.02
FLOOR_DB = -80.0
"""The bottom of the level axis (quieter is drawn as this)."""
STATE_COLOURS = {"idle": "#9e9e9e", "active": "#f0a030", "playing": "#3a9e4f", "paused": "#4a7fc1"}
CHANNEL_COLOURS = ("#c62828", "#6a1b9a", "#00838f", "#5d4037", "#f9a825", "#2e7d32")
"""Colours of the channels within a group, in order."""
WIDTH_IN, DPI = 10.0, 100
END_MARGIN = 0.04
"""The time axis goes this fraction beyond the last event."""


@dataclass(frozen=True)
class Plot:
    """One rendered plot."""

    title: str
    png: bytes
    empty: str | None
    """Why it shows no data (None: it does)."""


@dataclass(frozen=True)
class Series:
    """A timeline as arrays on the report's time axis (None values as NaN)."""

    frame_t: np.ndarray
    channels: np.ndarray
    """(frames, TIMELINE_CHANNELS)."""
    offset_ms: np.ndarray
    buffered_ms: np.ndarray
    frame_ms: np.ndarray
    level_t: np.ndarray
    level_db: np.ndarray
    spans: list[StateSpan]
    end: float
    """The end of the time axis."""

    @classmethod
    def of(cls, timeline: Timeline) -> Series:
        frames, states = list(timeline.frames), list(timeline.states)
        audio_t0, pcm = timeline.played_audio()
        firsts = [frames[0].t] if frames else []
        firsts += [audio_t0] if pcm.size else []
        firsts += [states[0].t] if states and not firsts else []
        origin = min(firsts, default=0.0)
        level_t, level_db = _envelope(pcm, timeline.sample_rate)
        level_t += audio_t0 - origin
        columns = FrameColumns.of(frames, origin)
        lasts = [columns.t[-1]] if frames else []
        lasts += [level_t[-1] + ENVELOPE_WINDOW_S] if level_t.size else []
        lasts += [states[-1].t - origin] if states else []
        end = max(lasts, default=0.0)
        end += max(END_MARGIN * end, 0.1)  # room for the last state's span and label
        return cls(
            columns.t,
            columns.channels,
            columns.offset_ms,
            columns.buffered_ms,
            columns.frame_ms,
            level_t,
            level_db,
            state_spans(states, end + origin, origin),
            end,
        )


def render_plots(timeline: Timeline, underruns: int | None, fps: float | None) -> list[Plot]:
    """The six plots: audio and mouth, lips and expressions, A/V offset, motion buffer,
    frame times, states."""
    series = Series.of(timeline)
    return [
        _plot("Audio level and mouth", 3.2, series, _audio),
        _plot("Lips, tongue and expressions", 3.0, series, _gestures),
        _plot("A/V offset of each presented frame", 3.2, series, _offset),
        _plot("Motion buffer", 3.0, series, lambda ax, s: _buffer(ax, s, underruns)),
        _plot("Frame times", 3.0, series, lambda ax, s: _frame_times(ax, s, fps)),
        _plot("Conversation states", 2.4, series, _states),
    ]


def _plot(
    title: str, height_in: float, series: Series, draw: Callable[[Axes, Series], str | None]
) -> Plot:
    """Draw on a fresh figure; `draw` returns why there is no data, or None."""
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.08, right=0.92, bottom=0.42 / height_in + 0.05, top=0.84)
    ax = figure.add_subplot()
    empty = draw(ax, series)
    if empty is None:
        ax.set_xlim(0.0, series.end)
        ax.set_xlabel("time (s) since the first frame or audio")
        ax.grid(True, alpha=0.3)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            f"no data: {empty}",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=13,
            color="#777777",
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return Plot(title, buffer.getvalue(), empty)


def _legend(ax: Axes, *more: Axes, rows: int = 1) -> None:
    """One legend above the plot for the artists of `ax` and `more`, in `rows` rows."""
    handles, labels = ax.get_legend_handles_labels()
    for other in more:
        extra = other.get_legend_handles_labels()
        handles, labels = handles + extra[0], labels + extra[1]
    ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=-(-len(labels) // rows),
        frameon=False,
        fontsize=9,
        borderaxespad=0.2,
    )


def _note(ax: Axes, text: str) -> None:
    """A remark above the plot's top right corner (the legend takes the left)."""
    ax.text(1.0, 1.02, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=9)


def _audio(ax: Axes, s: Series) -> str | None:
    if not s.level_t.size:
        return "no audio was played"
    level = np.maximum(s.level_db, FLOOR_DB)
    ax.fill_between(
        s.level_t,
        FLOOR_DB,
        level,
        step="post",
        color="#90a4ae",
        alpha=0.7,
        label="audio level (dBFS, 20 ms RMS)",
    )
    ax.set_ylim(FLOOR_DB, 0.0)
    ax.set_ylabel("level (dBFS)")
    mouth = ax.twinx()
    _channels(mouth, s, "mouth")
    mouth.set_ylim(0.0, 1.0)
    mouth.set_ylabel("mouth channel (0..1)")
    _legend(ax, mouth)
    return None


def _gestures(ax: Axes, s: Series) -> str | None:
    if not s.frame_t.size:
        return "no frame was presented"
    _channels(ax, s, "lips")
    _channels(ax, s, "face", linestyle="--")
    ax.set_ylim(min(-0.1, float(np.nanmin(s.channels)) - 0.05), 1.0)
    ax.set_ylabel("channel (0..1; brow_up -1..1)")
    _legend(ax, rows=2)
    return None


def _channels(ax: Axes, s: Series, group: str, linestyle: str = "-") -> None:
    """The channels of `group` as lines, the first one thicker."""
    for index, (name, colour) in enumerate(
        zip(CHANNEL_GROUPS[group], CHANNEL_COLOURS, strict=False)
    ):
        ax.plot(
            s.frame_t,
            channel_column(s.channels, name),
            color=colour,
            label=name,
            linestyle=linestyle,
            linewidth=1.6 if index == 0 else 0.9,
        )


def _offset(ax: Axes, s: Series) -> str | None:
    if np.isnan(s.offset_ms).all():
        return "no frame showed motion"
    ax.axhspan(*BT1359_MS, color="#ffe082", alpha=0.5, label="ITU-R BT.1359 (-125..+45 ms)")
    ax.axhspan(*ATSC_MS, color="#a5d6a7", alpha=0.7, label="ATSC IS-191 (-45..+15 ms)")
    ax.axhline(0.0, color="#555555", linewidth=0.6)
    ax.plot(
        s.frame_t,
        s.offset_ms,
        ".-",
        color="#1565c0",
        markersize=3,
        linewidth=0.7,
        label="A/V offset of the frame",
    )
    low, high = np.nanmin(s.offset_ms), np.nanmax(s.offset_ms)
    ax.set_ylim(min(BT1359_MS[0] - 15.0, low - 10.0), max(BT1359_MS[1] + 15.0, high + 10.0))
    ax.set_ylabel("ms (+: audio early)")
    _legend(ax)
    return None


def _buffer(ax: Axes, s: Series, underruns: int | None) -> str | None:
    if np.isnan(s.buffered_ms).all():
        return "nothing was played"
    ax.step(s.frame_t, s.buffered_ms, where="post", color="#2e7d32", label="motion buffered")
    rebuffers = [span for span in s.spans if span.rebuffering]
    for number, span in enumerate(rebuffers):
        ax.axvspan(
            span.start,
            span.end,
            color="#e53935",
            alpha=0.2,
            label="rebuffering" if number == 0 else None,
        )
    ax.set_ylim(bottom=0.0)
    ax.set_ylabel("motion ahead of audio (ms)")
    note = f"rebuffers: {len(rebuffers)}   underruns: {'?' if underruns is None else underruns}"
    _note(ax, note)
    _legend(ax)
    return None


def _frame_times(ax: Axes, s: Series, fps: float | None) -> str | None:
    if not s.frame_t.size:
        return "no frame was presented"
    ax.plot(s.frame_t, s.frame_ms, ".", color="#6a1b9a", markersize=3, label="pose to presentation")
    shown = [s.frame_ms]
    if s.frame_t.size > 1:
        interval_ms = np.diff(s.frame_t) * 1000.0
        ax.plot(
            s.frame_t[1:],
            interval_ms,
            color="#78909c",
            linewidth=0.8,
            label="interval between frames",
        )
        shown.append(interval_ms)
    top = float(np.percentile(np.concatenate(shown), 99)) * 1.2
    if fps:
        target_ms = 1000.0 / fps
        ax.axhline(
            target_ms,
            color="#c62828",
            linestyle="--",
            label=f"target {target_ms:.0f} ms ({fps:g} fps)",
        )
        top = max(top, target_ms * 1.5)
    clipped = int(sum((values > top).sum() for values in shown))
    if clipped:
        _note(ax, f"{clipped} value(s) above {top:.0f} ms not shown")
    ax.set_ylim(0.0, top)
    ax.set_ylabel("ms")
    _legend(ax)
    return None


def _states(ax: Axes, s: Series) -> str | None:
    if not s.spans:
        return "no conversation state changed"
    for number, span in enumerate(s.spans):
        colour = STATE_COLOURS.get(span.state, "#616161")
        ax.broken_barh(
            [(span.start, span.end - span.start)], (0.0, 1.0), facecolors=colour, edgecolor="white"
        )
        row = -0.45 - 0.5 * (number % 3)
        ax.plot([span.start, span.start], [row + 0.2, 0.0], color="#888888", linewidth=0.6)
        right = span.start > 0.8 * s.end  # label to the left of its tick near the end
        ax.text(
            span.start,
            row,
            f"{span.state} ({span.reason})",
            fontsize=8,
            va="center",
            ha="right" if right else "left",
        )
    for state, colour in STATE_COLOURS.items():
        if any(span.state == state for span in s.spans):
            ax.bar(0, 0, color=colour, label=state)
    ax.set_ylim(-1.6, 1.1)
    ax.set_yticks([])
    _legend(ax)
    return None


def _envelope(pcm: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Start times (s from the first sample) and dBFS RMS levels of 20 ms windows."""
    size = max(1, round(rate * ENVELOPE_WINDOW_S))
    count = -(-pcm.size // size)
    padded = np.zeros(count * size)
    padded[: pcm.size] = pcm / 32768.0
    rms = np.sqrt(np.mean(padded.reshape(count, size) ** 2, axis=1))
    with np.errstate(divide="ignore"):
        level = np.where(rms > 0, 20.0 * np.log10(rms), SILENCE_DB)
    return np.arange(count) * (size / rate), np.maximum(level, SILENCE_DB)

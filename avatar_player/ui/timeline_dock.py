"""The timeline dock: the last seconds of audio level, pose channels (mouth, lips,
expressions), A/V offset, motion buffer and frame time, live (pyqtgraph, one shared time axis).

The plots show the last `WINDOW_S` seconds, refreshed every `REFRESH_MS` while the dock is
visible; time runs to 0 (now) from the left, so the axes stay still and only the lines
move. Freeze stops them on everything kept so far (the feed keeps recording): drag or
wheel along the time axis to scroll and zoom; unfreeze to follow again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from avatar_player.models.timeline import CHANNEL_GROUPS, TIMELINE_CHANNELS
from avatar_player.models.timeline_feed import TimelineFeed, TimelineSeries
from avatar_player.player.metrics import ATSC_MS
from avatar_player.render.frame_pacing import FULL_FPS

WINDOW_S = 10.0
"""How much the plots show while following."""
REFRESH_MS = 100
AUDIO_GAP_S = 0.1
"""Audio blocks further apart than this are not joined (nothing was played between)."""
AUDIO_FLOOR_DB = -80.0
GROUP_COLOURS = ("#e6550d", "#3182bd", "#31a354", "#756bb1", "#636363", "#d6616b")
"""Colours of the channels within a group, in order."""
GROUP_RANGES = {"mouth": (0.0, 1.0), "lips": (0.0, 1.0), "face": (-0.5, 1.0)}
"""The least y range of each channel group (brow_up goes negative: a lowered brow)."""
REBUFFER_BRUSH = pg.mkBrush(230, 80, 80, 50)
BAND_BRUSH = pg.mkBrush(60, 170, 90, 60)
FRAME_BUDGET_MS = 1000.0 / FULL_FPS
OFFSET_RANGE_MS = (-60.0, 30.0)
"""The least A/V offset range shown: the ATSC band with some room outside it."""


def _curve(plot: pg.PlotItem, colour: str, name: str | None = None) -> pg.PlotCurveItem:
    """A line in `plot` (a bare curve: lighter than a PlotDataItem to update)."""
    curve = pg.PlotCurveItem(pen=colour, name=name)
    plot.addItem(curve)
    return curve


class TimelinePlots(pg.GraphicsLayoutWidget):
    """The plots, one above the other, with a shared time axis (seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.setBackground("w")
        self.ci.layout.setSpacing(2)
        self.audio = self._plot("audio dBFS", (AUDIO_FLOOR_DB, 0.0))
        self.groups = {name: self._plot(name, GROUP_RANGES[name]) for name in CHANNEL_GROUPS}
        self.offset = self._plot("A/V ms", OFFSET_RANGE_MS)
        self.buffer = self._plot("buffer ms", (0.0, 500.0))
        self.frame = self._plot("frame ms", (0.0, 2 * FRAME_BUDGET_MS))
        self.plots = (self.audio, *self.groups.values(), self.offset, self.buffer, self.frame)
        for plot in self.plots[:-1]:
            plot.hideAxis("bottom")
            plot.setXLink(self.frame)
        self.frame.getAxis("bottom").setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        band = pg.LinearRegionItem(ATSC_MS, "horizontal", brush=BAND_BRUSH, movable=False)
        band.setZValue(-10)
        self.offset.addItem(band)
        dashed = pg.mkPen("#888", style=Qt.PenStyle.DashLine)
        self.frame.addItem(pg.InfiniteLine(FRAME_BUDGET_MS, angle=0, pen=dashed))
        self.curves: dict[str, pg.PlotCurveItem] = {"audio": _curve(self.audio, "#444")}
        for group, names in CHANNEL_GROUPS.items():
            plot = self.groups[group]
            plot.addLegend(offset=(4, 2), colCount=len(names)).setLabelTextSize("7pt")
            for name, colour in zip(names, GROUP_COLOURS, strict=False):
                self.curves[name] = _curve(plot, colour, name)
        self.curves |= {
            "offset": _curve(self.offset, "#c51b8a"),
            "buffer": _curve(self.buffer, "#2171b5"),
            "frame": _curve(self.frame, "#444"),
        }
        self._spans: list[list[pg.LinearRegionItem]] = []
        self._y_shown: dict[pg.PlotItem, tuple[float, float]] = {}
        self.follow()

    def _plot(self, label: str, y_range: tuple[float, float]) -> pg.PlotItem:
        plot = self.addPlot(row=len(self.ci.items), col=0)
        plot.setLabel("left", label)
        left = plot.getAxis("left")
        left.setWidth(48)
        left.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # mostly static
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setYRange(*y_range, padding=0.05)
        return plot

    def show_series(self, series: TimelineSeries) -> None:
        """Plot `series`."""
        curves, t = self.curves, series.frame_t
        joined = np.diff(series.audio_t, append=np.inf) < AUDIO_GAP_S
        level = np.maximum(series.level_db, AUDIO_FLOOR_DB)
        curves["audio"].setData(series.audio_t, level, connect=joined)
        for index, name in enumerate(TIMELINE_CHANNELS):
            curves[name].setData(t, series.channels[:, index])
        curves["offset"].setData(t, series.offset_ms, connect="finite")
        curves["buffer"].setData(t, series.buffered_ms, connect="finite")
        curves["frame"].setData(t, series.frame_ms)
        self._fit_y(self.offset, series.offset_ms, OFFSET_RANGE_MS)
        self._fit_y(self.buffer, series.buffered_ms, (0.0, 500.0))
        self._fit_y(self.frame, series.frame_ms, (0.0, 2 * FRAME_BUDGET_MS))
        self._show_rebuffers(series.rebuffering)

    def _fit_y(self, plot: pg.PlotItem, values: np.ndarray, least: tuple[float, float]) -> None:
        """Show at least `least`, and all of `values`."""
        finite = values[np.isfinite(values)]
        low = min(least[0], float(finite.min())) if finite.size else least[0]
        high = max(least[1], float(finite.max())) if finite.size else least[1]
        if self._y_shown.get(plot) != (low, high):
            self._y_shown[plot] = (low, high)
            plot.setYRange(low, high, padding=0.05)

    def _show_rebuffers(self, spans: list[tuple[float, float]]) -> None:
        """Shade the rebuffering spans in every plot (regions are reused)."""
        while len(self._spans) < len(spans):
            regions = [
                pg.LinearRegionItem(brush=REBUFFER_BRUSH, pen=pg.mkPen(None), movable=False)
                for _ in self.plots
            ]
            for plot, region in zip(self.plots, regions, strict=True):
                region.setZValue(-20)
                plot.addItem(region)
            self._spans.append(regions)
        for index, regions in enumerate(self._spans):
            for region in regions:
                region.setVisible(index < len(spans))
                if index < len(spans):
                    region.setRegion(spans[index])

    def x_range(self) -> tuple[float, float]:
        """The times shown."""
        start, end = self.frame.viewRange()[0]
        return start, end

    def follow(self) -> None:
        """Show the `WINDOW_S` seconds before now, fixed."""
        self._scrollable(None)
        self.frame.setXRange(-WINDOW_S, 0, padding=0)
        self.frame.setLabel("bottom", "seconds before now")

    def hold(self, kept_s: float) -> None:
        """Let the user drag and zoom along the `kept_s` seconds before the freeze."""
        self._scrollable(-kept_s)
        self.frame.setLabel("bottom", "seconds before the freeze")

    def _scrollable(self, start: float | None) -> None:
        for plot in self.plots:
            plot.setMouseEnabled(x=start is not None, y=False)
            plot.setLimits(xMin=start, xMax=None if start is None else 0.0)


class TimelineDock(QDockWidget):
    """The live timeline of one window's session."""

    def __init__(self, feed: TimelineFeed, parent: QWidget | None = None) -> None:
        super().__init__("Timeline", parent)
        self.setObjectName("timeline")
        self.feed = feed
        self.plots = TimelinePlots()
        self.freeze_button = QPushButton("Freeze")
        self.freeze_button.setCheckable(True)
        self.freeze_button.setToolTip("Stop following; drag or wheel along time to scroll")
        self.freeze_button.toggled.connect(self._frozen_changed)
        self.export_button = QPushButton("Export PNG…")
        self.export_button.clicked.connect(self._export_dialog)
        self.hint = QLabel(f"last {WINDOW_S:g} s")
        controls = QHBoxLayout()
        for widget in (self.freeze_button, self.export_button, self.hint):
            controls.addWidget(widget)
        controls.addStretch()
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 2, 4, 4)
        column.addLayout(controls)
        column.addWidget(self.plots)
        self.setWidget(body)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    @property
    def frozen(self) -> bool:
        """Whether the plots stopped following the clock."""
        return self.freeze_button.isChecked()

    def refresh(self) -> None:
        """Show the last `WINDOW_S` seconds (nothing to do when hidden or frozen)."""
        if self.frozen or not self.isVisible():
            return
        self.plots.show_series(self.feed.series(WINDOW_S))

    def set_frozen(self, frozen: bool) -> None:
        """Freeze on everything kept so far, scrollable; or follow the clock again."""
        self.freeze_button.setChecked(frozen)

    def _frozen_changed(self, frozen: bool) -> None:
        if not frozen:
            self.plots.follow()
            self.hint.setText(f"last {WINDOW_S:g} s")
            self.refresh()
            return
        series = self.feed.series()
        kept_s = -min(-WINDOW_S, *series.frame_t[:1], *series.audio_t[:1])
        self.plots.show_series(series)
        self.plots.hold(kept_s)
        self.hint.setText(f"frozen: {kept_s:.0f} s kept; drag to scroll, wheel to zoom")

    def export_png(self, path: str | Path) -> bool:
        """Save the plots as they are shown as a PNG."""
        return self.plots.grab().save(str(path), "PNG")

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export timeline", "timeline.png", "PNG (*.png)"
        )
        if path:
            self.export_png(path)

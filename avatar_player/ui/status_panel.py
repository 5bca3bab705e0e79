"""Live status: connection (and the relay's upstream), conversation, frame rate, first
frame, sync and buffers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QProgressBar

from avatar_player.player import (
    ConnectionChange,
    ConnectionState,
    ConversationChange,
    ConversationState,
    PlaybackMetrics,
)
from avatar_player.player.metrics import sync_verdict
from avatar_player.player.relay_upstream import RelayUpstreamChange
from avatar_player.render.fps import FpsReport
from avatar_player.ui.badge import Badge

BUFFER_GAUGE_MS = 1000


class StatusPanel(QGroupBox):
    """Badges and gauges, updated from the session's signals."""

    def __init__(self) -> None:
        super().__init__("Status")
        self.connection = Badge("disconnected")
        self.conversation = Badge("idle")
        self.reason = QLabel("-")
        self.fps = QLabel("-")
        self.first_frame = Badge("pending")
        self.offset = QLabel("-")
        self.buffered = QProgressBar()
        self.buffered.setRange(0, BUFFER_GAUGE_MS)
        self.buffered.setFormat("%v ms")
        self.underruns = QLabel("0")
        self.underruns.setToolTip("Audio glitches nobody announced (device underflows)")
        self.rebuffers = QLabel("0")
        self.rebuffers.setToolTip(
            "Times live speech ran out and waited for the jitter buffer to refill"
        )
        self._failure = ""
        self.audio_output = QLabel("-")
        self.connection_id = QLabel("-")
        self.relay_upstream = Badge("unknown")
        self.relay_upstream.setToolTip("Custom Mode: the relay's own Motion Server session")
        self.relay_detail = QLabel("-")
        self.relay_detail.setWordWrap(True)
        self.relay_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._form = form = QFormLayout(self)
        form.addRow("Connection", self.connection)
        form.addRow("Session", self.connection_id)
        form.addRow("Relay upstream", self.relay_upstream)
        form.addRow("", self.relay_detail)
        self.show_relay_upstream(RelayUpstreamChange(None))
        form.addRow("Conversation", self.conversation)
        form.addRow("Reason", self.reason)
        form.addRow("Frame rate", self.fps)
        form.addRow("First frame", self.first_frame)
        form.addRow("A/V offset", self.offset)
        form.addRow("Motion buffer", self.buffered)
        form.addRow("Rebuffers", self.rebuffers)
        form.addRow("Underruns", self.underruns)
        form.addRow("Audio output", self.audio_output)

    def show_connection(self, change: ConnectionChange, connection_id: str = "") -> None:
        """Connection badge, with the error code when failed and what a reconnect follows."""
        detail = str(change.error.code) if change.error else ""
        if change.state is ConnectionState.FAILED:
            self._failure = detail
        elif change.state is ConnectionState.CONNECTING and self._failure:
            detail = f"reconnecting after {self._failure}"
        elif change.state is ConnectionState.CONNECTED:
            detail, self._failure = ("reconnected" if self._failure else ""), ""
        self.connection.set_state(change.state.value, detail)
        self.connection_id.setText(connection_id or "-")

    def show_relay_upstream(self, change: RelayUpstreamChange) -> None:
        """Custom Mode: the relay's upstream state, its error code and what happened (rows
        hidden while nothing is known, e.g. in Basic Mode)."""
        known = change.state is not None
        for widget in (self.relay_upstream, self.relay_detail):
            self._form.setRowVisible(widget, known)
        if not known:
            return
        self.relay_upstream.set_state(
            str(change.state), str(change.error.code) if change.error else ""
        )
        self.relay_detail.setText(f"relay: {change.describe()}")

    def show_conversation(self, change: ConversationChange) -> None:
        """Conversation badge and the reason of its last change; a new response starts with
        no figures (the last ones were the previous response's)."""
        self.conversation.set_state(change.state.value)
        self.reason.setText(change.reason.value)
        if change.state is ConversationState.ACTIVE:
            self.offset.setText("-")
            self.buffered.setValue(0)

    def show_frame_rate(self, info: FpsReport) -> None:
        """Actual vs expected fps; how many frames were dropped, and how many repeated the
        last picture because the idle avatar would have looked the same."""
        unchanged = f", unchanged {info.unchanged}" if info.unchanged else ""
        self.fps.setText(
            f"{info.actual_fps:.1f} / {info.expected_fps:.0f} fps  "
            f"(dropped {info.dropped_frames}{unchanged})"
        )

    def show_first_frame(self, seconds: float) -> None:
        """The first frame was rendered after `seconds`."""
        self.first_frame.set_state("rendered", f"{seconds * 1000:.0f} ms")

    def show_metrics(self, metrics: PlaybackMetrics) -> None:
        """A/V offset, buffered motion, rebuffers and underruns."""
        if metrics.av_offset_ms is not None:
            verdict = sync_verdict(metrics.av_offset_ms)
            self.offset.setText(f"{metrics.av_offset_ms:+.1f} ms ({verdict})")
        self.buffered.setValue(int(min(metrics.buffered_motion_ms, BUFFER_GAUGE_MS)))
        self.underruns.setText(str(metrics.underruns))
        self.rebuffers.setText(f"{metrics.rebuffers}  (stalled {metrics.stall_s:.1f} s)")

"""Connection settings and the connect / disconnect / refresh-token buttons."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
)

from avatar_player.models.player_session import SessionOptions
from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES

SERVERS = (
    ("Embedded server", "embedded"),
    ("Remote URL (Basic Mode)", "remote"),
    ("Relay (Custom Mode)", "relay"),
)
URL_HINTS = {"remote": "ws://host:port/websocket", "relay": "ws://host:port/ (the app's relay)"}


class ConnectionPanel(QGroupBox):
    """Embedded server, a Motion Server URL or a relay; app id, avatar id, API key or token;
    sample rate."""

    def __init__(self, options: SessionOptions) -> None:
        super().__init__("Motion Server")
        self.server = QComboBox()
        for label, kind in SERVERS:
            self.server.addItem(label, kind)
        self.url = QLineEdit(options.url)
        self.console_url = QLineEdit(options.console_url)
        self.console_url.setPlaceholderText("http://host:port (token endpoint, optional)")
        self.app_id = QLineEdit(options.app_id)
        self.avatar_id = QLineEdit(options.avatar_id)
        self.api_key = QLineEdit(options.api_key)
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.token = QLineEdit(options.token)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("session token (when there is no token endpoint)")
        self.sample_rate = QComboBox()
        for rate in SUPPORTED_SAMPLE_RATES:
            self.sample_rate.addItem(f"{rate} Hz", rate)
        self.sample_rate.setCurrentIndex(SUPPORTED_SAMPLE_RATES.index(options.sample_rate))
        self.server.setCurrentIndex(max(0, self.server.findData(options.server)))
        self.connect_button = QPushButton("Connect")
        self.disconnect_button = QPushButton("Disconnect")
        self.refresh_button = QPushButton("Refresh token")
        buttons = QHBoxLayout()
        for button in (self.connect_button, self.disconnect_button, self.refresh_button):
            buttons.addWidget(button)
        form = QFormLayout(self)
        form.addRow("Server", self.server)
        form.addRow("URL", self.url)
        form.addRow("Token endpoint", self.console_url)
        form.addRow("App ID", self.app_id)
        form.addRow("Avatar ID", self.avatar_id)
        form.addRow("API key", self.api_key)
        form.addRow("Session token", self.token)
        form.addRow("Sample rate", self.sample_rate)
        form.addRow(buttons)
        self.server.currentIndexChanged.connect(self._server_changed)
        self._server_changed()

    def options(self, base: SessionOptions) -> SessionOptions:
        """`base` with what the user entered."""
        return SessionOptions(
            server=self.server.currentData(),
            url=self.url.text().strip(),
            console_url=self.console_url.text().strip(),
            app_id=self.app_id.text().strip(),
            api_key=self.api_key.text(),
            token=self.token.text().strip(),
            avatar_id=self.avatar_id.text().strip(),
            sample_rate=int(self.sample_rate.currentData()),
            audio=base.audio,
            fault_query=base.fault_query,
        )

    def _server_changed(self) -> None:
        kind = self.server.currentData()
        self.url.setEnabled(kind != "embedded")
        self.url.setPlaceholderText(URL_HINTS.get(kind, ""))
        self.console_url.setEnabled(kind == "remote")
        self.token.setEnabled(kind == "remote")
        self.api_key.setEnabled(kind != "relay")  # the relay holds its own credentials

"""Help > About: the version, and the licenses of what the player bundles and runs."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from avatar_player import __version__
from avatar_player.desktop import NOTICES, Notice
from avatar_player.identity import APP_NAME
from avatar_player.ui.app_icon import app_icon

ICON_SIZE = 72


def notices_html() -> str:
    """The license list as an HTML table: component and license, what it is, its source."""
    return f"<table cellspacing='0' cellpadding='6'>{''.join(map(_row, NOTICES))}</table>"


def _row(notice: Notice) -> str:
    source = escape(notice.source)
    link = f"<a href='{source}'>{source}</a>" if notice.source.startswith("http") else source
    return (
        f"<tr><td width='32%'><b>{escape(notice.component)}</b><br>"
        f"<i>{escape(notice.license)}</i></td>"
        f"<td>{escape(notice.use)}<br>{link}</td></tr>"
    )


class AboutDialog(QDialog):
    """Icon, name and version on top; the licenses below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.resize(640, 520)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(ICON_SIZE, ICON_SIZE))
        self.title = QLabel(
            f"<h2>{APP_NAME} {__version__}</h2>"
            "Plays and inspects talking avatars driven by a Motion Server.<br>"
            f"Qt {qVersion()} · MIT License"
        )
        self.title.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(self.title, 1)
        self.licenses = QTextBrowser()
        self.licenses.setOpenExternalLinks(True)
        self.licenses.setHtml(f"<h3>Bundled assets, voices and engines</h3>{notices_html()}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.licenses)
        layout.addWidget(buttons)

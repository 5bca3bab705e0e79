"""The error log panel: a table over ErrorLog, filters by code and severity, export."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from avatar_player.models.error_log import ErrorLog, LogEntry, Severity, to_json_lines

COLUMNS = ("Time", "Severity", "Code", "Phase", "Count", "Message")
Index = QModelIndex | QPersistentModelIndex


class ErrorLogModel(QAbstractTableModel):
    """The filtered entries of an ErrorLog, newest first."""

    def __init__(self, log: ErrorLog) -> None:
        super().__init__()
        self.log = log
        self.codes: set[str] | None = None
        self.severities: set[Severity] = set(Severity)
        self.rows: list[LogEntry] = log.filtered(self.codes, self.severities)[::-1]
        log.changed.connect(lambda _: self.refresh())

    def refresh(self) -> None:
        """Re-apply the filters."""
        self.beginResetModel()
        self.rows = self.log.filtered(self.codes, self.severities)[::-1]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = 0) -> object:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        entry = self.rows[index.row()]
        return (
            time.strftime("%H:%M:%S", time.localtime(entry.last_time)),
            entry.severity.value,
            entry.code,
            entry.phase,
            str(entry.count),
            entry.message,
        )[index.column()]


class ErrorLogPanel(QGroupBox):
    """Table, code filter (multi-select), severity filter, clear / copy / export."""

    def __init__(self, log: ErrorLog) -> None:
        super().__init__("Error log")
        self.log = log
        self.model = ErrorLogModel(log)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.code_filter = QListWidget()
        self.code_filter.setMaximumHeight(90)
        self.code_filter.itemChanged.connect(self._codes_changed)
        self.severity_boxes = {severity: QCheckBox(severity.value) for severity in Severity}
        filters = QHBoxLayout()
        for box in self.severity_boxes.values():
            box.setChecked(True)
            box.toggled.connect(self._severities_changed)
            filters.addWidget(box)
        filters.addStretch()
        self.clear_button = QPushButton("Clear")
        self.copy_button = QPushButton("Copy")
        self.export_button = QPushButton("Export…")
        for button in (self.clear_button, self.copy_button, self.export_button):
            filters.addWidget(button)
        self.clear_button.clicked.connect(log.clear)
        self.copy_button.clicked.connect(self.copy)
        self.export_button.clicked.connect(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.code_filter)
        layout.addWidget(self.table)
        log.changed.connect(lambda _: self._sync_codes())
        self._sync_codes()  # entries logged before the window opened (audio fallback, settings)

    def visible_entries(self) -> list[LogEntry]:
        """The rows the table shows, newest first."""
        return list(self.model.rows)

    def set_code_filter(self, codes: set[str] | None) -> None:
        """Show only `codes` (None: every code)."""
        for row in range(self.code_filter.count()):
            item = self.code_filter.item(row)
            shown = codes is None or item.text() in codes
            item.setCheckState(Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked)
        self._codes_changed()

    def copy(self) -> None:
        """Visible rows to the clipboard as JSON lines."""
        QGuiApplication.clipboard().setText(to_json_lines(self.visible_entries()))

    def export(self) -> None:
        """Visible rows to a .jsonl file the user picks (a plain slot: no coroutine)."""
        path, _ = QFileDialog.getSaveFileName(self, "Export error log", "errors.jsonl")
        if path:
            Path(path).write_text(to_json_lines(self.visible_entries()))

    def _sync_codes(self) -> None:
        present = {self.code_filter.item(row).text() for row in range(self.code_filter.count())}
        for code in self.log.codes():
            if code not in present:
                item = QListWidgetItem(code)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = self.model.codes is None or code in self.model.codes
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.code_filter.addItem(item)

    def _codes_changed(self, _item: QListWidgetItem | None = None) -> None:
        items = [self.code_filter.item(row) for row in range(self.code_filter.count())]
        unchecked = [i for i in items if i.checkState() != Qt.CheckState.Checked]
        self.model.codes = (
            None if not unchecked else {i.text() for i in items if i not in unchecked}
        )
        self.model.refresh()

    def _severities_changed(self) -> None:
        self.model.severities = {s for s, box in self.severity_boxes.items() if box.isChecked()}
        self.model.refresh()

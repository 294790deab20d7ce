"""A searchable, checkable list of the tag catalogue, grouped by category.

With several regions selected a tag on some but not all of them shows partially checked;
clicking it adds it to all. Conflicting tags (negative relations in the catalogue) are
warned about under the list and marked in it; the edit is still allowed, as the API
accepts them, but the user knows the result may be muddled.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue

ROLE_ID = Qt.ItemDataRole.UserRole
VISIBLE_ROWS = 9
ROOM_SHARE = 0.4  # of the inspector's height, for the tag list on a tall screen
WARN = "#ffb020"


class TagPicker(QWidget):
    tagToggled = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalogue = TagCatalogue()
        self.search = QLineEdit(placeholderText="Search tags...")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(
            "Filter the tag list by name or category; Enter adds the first tag listed"
        )
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setToolTip("The tags of the selected region(s), in order")
        self.list = QListWidget()
        self.list.setToolTip("Tick tags to add them to the selected region(s)")
        # Room for about VISIBLE_ROWS rows in the current font (a fixed pixel height
        # squeezed the list to a row or two with larger fonts); more when there is space.
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._room = 0
        self._fit_rows()
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {WARN};")
        self.warning.setToolTip("These tags pull the music in opposite directions")
        self.warning.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        layout.addWidget(self.warning)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self.add_first_match)
        self.list.itemChanged.connect(self._on_item_changed)
        self.items_by_tag: dict[int, QListWidgetItem] = {}  # the rows, by tag id (read by tests)
        self._state: list[list[int]] = []

    def _fit_rows(self) -> None:
        row = max(self.list.sizeHintForRow(0), self.list.fontMetrics().height() + 4)
        frame = 2 * self.list.frameWidth()
        rows = max(VISIBLE_ROWS, int(self._room * ROOM_SHARE) // max(1, row))
        self.list.setMinimumHeight(rows * row + frame)

    def set_room(self, height: int) -> None:
        """The panel holding the picker is *height* px tall: a tall one lists more tags
        (a share of it), a short one keeps VISIBLE_ROWS and scrolls."""
        if height != self._room:
            self._room = height
            self._fit_rows()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_rows()

    def set_catalogue(self, catalogue: TagCatalogue) -> None:
        self.catalogue = catalogue
        blocker = QSignalBlocker(self.list)
        self.list.clear()
        self.items_by_tag.clear()
        by_cat: dict[str, list[int]] = {}
        for tid in sorted(catalogue.names):
            by_cat.setdefault(catalogue.category_of.get(tid, ""), []).append(tid)
        bold = QFont(self.font())
        bold.setBold(True)
        for cat, ids in by_cat.items():
            if cat:
                head = QListWidgetItem(cat.upper())
                head.setFlags(Qt.ItemFlag.NoItemFlags)
                head.setFont(bold)
                self.list.addItem(head)
            for tid in ids:
                item = QListWidgetItem(catalogue.name(tid))
                item.setData(ROLE_ID, tid)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.list.addItem(item)
                self.items_by_tag[tid] = item
        del blocker
        self._fit_rows()
        self.set_state(self._state)

    def set_state(self, tag_lists: list[list[int]]) -> None:
        """Show the tags of the selected regions (one list per region)."""
        self._state = [list(t) for t in tag_lists]
        blocker = QSignalBlocker(self.list)
        n = len(tag_lists)
        for tid, item in self.items_by_tag.items():
            count = sum(tid in tags for tags in tag_lists)
            state = (Qt.CheckState.Checked if n and count == n
                     else Qt.CheckState.PartiallyChecked if count else Qt.CheckState.Unchecked)  # fmt: skip
            item.setCheckState(state)
            others = self.catalogue.conflicts_with.get(tid, set())
            item.setToolTip(
                "Conflicts with " + ", ".join(self.catalogue.name(o) for o in sorted(others))
                if others
                else self.catalogue.category_of.get(tid, "")
            )
        union: list[int] = []
        for tags in tag_lists:
            union += [t for t in tags if t not in union]
        names = ", ".join(self.catalogue.name(t) for t in union)
        self.summary.setText(
            f"<b>Tags:</b> {names}" if names else "<i>No tags: the music uses only the params</i>"
        )
        problems = [self.catalogue.describe_conflicts(tags) for tags in tag_lists]
        problems = list(dict.fromkeys(p for p in problems if p))
        conflicting = {
            t for tags in tag_lists for pair in self.catalogue.conflicts(tags) for t in pair
        }
        for tid, item in self.items_by_tag.items():
            item.setForeground(QColor(WARN) if tid in conflicting else self.palette().text())
        # Blocked until here: a colour change emits itemChanged too, which read as a click
        # on every tag (a half-checked one then added to all the selected regions).
        del blocker
        self.warning.setText("⚠ " + "; ".join(problems) if problems else "")
        self.warning.setVisible(bool(problems))

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            tid = item.data(ROLE_ID)
            if tid is None:  # a category header: shown when any of its tags is
                item.setHidden(bool(needle))
                continue
            hay = f"{item.text()} {self.catalogue.category_of.get(tid, '')}".lower()
            item.setHidden(bool(needle) and needle not in hay)

    def add_first_match(self) -> None:
        """Enter in the search field: tick the first tag listed and clear the search, so
        the next tag can be typed at once (typing "jazz", Enter, "sad", Enter)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ROLE_ID) is not None and not item.isHidden():
                if item.checkState() != Qt.CheckState.Checked:
                    item.setCheckState(Qt.CheckState.Checked)  # emits tagToggled
                self.search.clear()
                return

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        tid = item.data(ROLE_ID)
        if tid is None:
            return
        # PartiallyChecked -> (click) Checked: adding it to all is what a user means.
        self.tagToggled.emit(int(tid), item.checkState() != Qt.CheckState.Unchecked)

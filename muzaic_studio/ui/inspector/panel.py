"""The inspector: edit the selected region(s): action, method, tags, params, keyframes, source.

Two-way binding without feedback loops (as napari's sliders do): the model is the truth;
`refresh()` copies it into the controls with their signals blocked, and a control's own
signal turns into one `ProjectDocument.edit` applied to every selected region. A slider
drag merges into one undo step (merge_key, closed by end_merge on release); so does a
keyframe drag. A refused edit (an overlap from a new start or duration) puts the control
back and says why.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio.model import validate_request
from muzaic_studio.model.copy_source import UnknownSource, resolve_copy_source
from muzaic_studio.model.region import (
    ACTIONS,
    DEFAULT_PARAM,
    PARAM_NAMES,
    Region,
    param_at,
)
from muzaic_studio.model.tag_names import (
    set_tag,
    sync_tag_ids,
    tag_bonus,
    tag_label,
    value_with_bonus,
)
from muzaic_studio.model.validation import field_label
from muzaic_studio.ui import editing
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.inspector.keyframe_editor import normalized
from muzaic_studio.ui.inspector.mix_panel import MixPanel
from muzaic_studio.ui.inspector.params import ParamRow
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from muzaic_studio.ui.inspector.tag_picker import TagPicker
from muzaic_studio.ui.timeline import geometry as geo

METHOD_ITEMS = (("Default", None), ("Strict", "strict"), ("Smart", "smart"))
MAX_VALIDATED = 50
MIXED = "mixed"
START_TIP = "Start of the region, in seconds"
MULTI_START_TIP = (
    "Several regions start at different times: move them together on the timeline"
    " (drag, or nudge with the arrow keys)"
)


def render_state(region: Region) -> str:
    """The subtitle's second line, on the region's music: never made, out of date, made.
    Always one line for every action, so the form below never moves by a line when the
    selection changes from one kind of region to another."""
    if region.action == "silence":
        return "silent: nothing to render"
    if not region.rendered:
        return "not rendered yet"
    return "● changed since render" if region.changed_since_render else "up to date"


class Inspector(QWidget):
    message = Signal(str, str)  # text, kind
    #: Hashes with music beyond the project's (the user's library); set by the window.
    known_hashes: Callable[[], Iterable[str]] = staticmethod(lambda: ())

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.doc = doc
        self.catalogue = TagCatalogue()
        self._connected: ProjectDocument | None = None  # the document whose signals refresh us
        self._build()
        self.set_document(doc)

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        self.pages = QStackedWidget()
        empty = QLabel("Select a region on the timeline to edit it.\n\n"
                       "Drag on empty space to draw one.")  # fmt: skip
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        empty.setEnabled(False)
        self.pages.addWidget(empty)

        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setEnabled(False)
        self.subtitle.setWordWrap(True)
        col.addWidget(self.title)
        col.addWidget(self.subtitle)

        region_box = QGroupBox("Region")
        form = QFormLayout(region_box)
        self.name_edit = QLineEdit(placeholderText="(tags are shown)")
        self.name_edit.setToolTip(
            "A name shown on the timeline instead of the tags (not sent to the API)"
        )
        self.action_combo = QComboBox()
        self.action_combo.addItems([a.capitalize() for a in ACTIONS])
        self.action_combo.setToolTip(
            "Generate new music, copy music rendered before (by hash), or silence"
        )
        self.method_combo = QComboBox()
        for text, _value in METHOD_ITEMS:
            self.method_combo.addItem(text)
        self.method_combo.setToolTip(
            "How the server fits music to the region: strict length or smart (musical) edges"
        )
        self.start_spin = self._time_spin(START_TIP)
        self.duration_spin = self._time_spin("Length of the region, in seconds")
        self.duration_spin.setMinimum(geo.MIN_DURATION)
        form.addRow("Name", self.name_edit)
        form.addRow("Action", self.action_combo)
        form.addRow("Method", self.method_combo)
        form.addRow("Start", self.start_spin)
        form.addRow("Duration", self.duration_spin)
        self.take_button = QPushButton("Another take")
        self.take_button.setToolTip(
            "New music for the same tags and params at the next render (costs its tokens "
            "again); undo returns to the take before"
        )
        form.addRow("Take", self.take_button)
        col.addWidget(region_box)

        self.source_box = QGroupBox("Source (copy)")
        src = QVBoxLayout(self.source_box)
        self.source_combo = QComboBox()
        self.source_combo.setEditable(True)
        self.source_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.source_combo.setToolTip(
            "The hash of earlier music to reuse: pick one from the library or paste a hash"
        )
        source_edit = self.source_combo.lineEdit()
        assert source_edit is not None  # the combo is editable
        source_edit.setPlaceholderText("Pick from the library or paste a hash")
        src.addWidget(self.source_combo)
        col.addWidget(self.source_box)

        self.params_box = QGroupBox("Params")
        grid = QGridLayout(self.params_box)
        grid.setColumnStretch(1, 1)
        self.rows: dict[str, ParamRow] = {}
        for i, name in enumerate(PARAM_NAMES):
            row = ParamRow(name)
            self.rows[name] = row
            grid.addWidget(row.label, 2 * i, 0)
            grid.addWidget(row.slider, 2 * i, 1)
            grid.addWidget(row.value, 2 * i, 2)
            grid.addWidget(row.toggle, 2 * i, 3)
            if row.curve:
                grid.addWidget(row.curve, 2 * i + 1, 0, 1, 4)
        col.addWidget(self.params_box)
        self.mix_box = MixPanel(self.doc)
        col.addWidget(self.mix_box)

        self.tags_box = QGroupBox("Tags")
        tags_layout = QVBoxLayout(self.tags_box)
        self.tag_picker = TagPicker()
        tags_layout.addWidget(self.tag_picker)
        col.addWidget(self.tags_box, 1)  # a tall window lists more tags

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #ff8c96;")
        self.problems.setToolTip("What the API would refuse in the selected region(s)")
        col.addWidget(self.problems)
        col.addStretch(0)  # takes the room only when the tags are hidden
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.pages.addWidget(scroll)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)
        self.setMinimumWidth(300)
        self._wire()

    def _time_spin(self, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(0.0, 1200.0)
        spin.setDecimals(3)
        spin.setSingleStep(0.1)
        spin.setSuffix(" s")
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        return spin

    def _wire(self) -> None:
        self.name_edit.editingFinished.connect(self._on_name)
        self.take_button.clicked.connect(self._on_another_take)
        self.action_combo.activated.connect(self._on_action)
        self.method_combo.activated.connect(self._on_method)
        self.start_spin.valueChanged.connect(self._on_start)
        self.duration_spin.valueChanged.connect(self._on_duration)
        self.source_combo.activated.connect(self._on_source_picked)
        source_edit = self.source_combo.lineEdit()
        assert source_edit is not None  # the combo is editable
        source_edit.editingFinished.connect(self._on_source_typed)
        self.tag_picker.tagToggled.connect(self._on_tag)
        for name, row in self.rows.items():
            row.slider.valueChanged.connect(lambda v, n=name: self._on_slider(n, v))
            row.slider.sliderReleased.connect(self.doc_end_merge)
            row.slider.sliderPressed.connect(self.doc_end_merge)
            row.toggle.toggled.connect(lambda on, n=name: self._on_keyframes_toggled(n, on))
            if row.curve:
                row.curve.pointsChanged.connect(
                    lambda pts, final, n=name: self._on_curve(n, pts, final)
                )

    # -- document --------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        old = self._connected
        if old is not None:
            for signal in (old.regionsChanged, old.selectionChanged):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(self.refresh)
        self.doc = doc
        sync_tag_ids(doc.project.regions, self.catalogue.index)
        self.mix_box.set_document(doc)
        doc.regionsChanged.connect(self.refresh)
        doc.selectionChanged.connect(self.refresh)
        self._connected = doc
        self.refresh()

    def set_catalogue(self, catalogue: TagCatalogue) -> None:
        self.catalogue = catalogue
        sync_tag_ids(self.doc.project.regions, catalogue.index)  # names -> this catalogue's ids
        self.tag_picker.set_catalogue(catalogue)
        self.refresh()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.tag_picker.set_room(self.height())

    def doc_end_merge(self) -> None:
        self.doc.end_merge()

    # -- model -> controls -----------------------------------------------------------
    def refresh(self) -> None:
        regions = self.doc.selected_regions()
        if not regions:
            self.pages.setCurrentIndex(0)
            return
        self.pages.setCurrentIndex(1)
        first = regions[0]
        controls = [self.name_edit, self.action_combo, self.method_combo, self.start_spin,
                    self.duration_spin, self.source_combo, self.tag_picker]  # fmt: skip
        for row in self.rows.values():
            controls += [row.slider, row.toggle] + ([row.curve] if row.curve else [])
        blockers = [QSignalBlocker(c) for c in controls]
        n = len(regions)
        if n == 1:
            self.title.setText(first.label(self.catalogue.names))
            self.subtitle.setText(
                f"{first.action} · {geo.format_precise(first.time)} - {geo.format_precise(first.end)}"
                f" · {first.tokens} tokens\n" + render_state(first)
            )
        else:
            self.title.setText(f"{n} regions selected")
            self.subtitle.setText(
                f"Changes apply to all of them\n{sum(r.tokens for r in regions)} tokens"
            )
        self.take_button.setEnabled(any(r.action == "generate" for r in regions))
        same = lambda get: all(get(r) == get(first) for r in regions)  # noqa: E731
        if not self.name_edit.hasFocus():
            self.name_edit.setText(first.name if same(lambda r: r.name) else "")
            self.name_edit.setPlaceholderText("(tags are shown)" if n == 1 else "(several names)")
        # An action the app does not know (a newer file, a typo) shows as itself, not
        # as Generate: the empty choice carries it as placeholder text.
        self.action_combo.setPlaceholderText(f"Unknown: {first.action}")
        self.action_combo.setCurrentIndex(
            ACTIONS.index(first.action) if first.action in ACTIONS else -1
        )
        self.action_combo.setToolTip(
            self.action_combo.toolTip()
            if same(lambda r: r.action)
            else "The selection mixes actions"
        )
        methods = [v for _t, v in METHOD_ITEMS]
        self.method_combo.setCurrentIndex(
            methods.index(first.method) if first.method in methods else 0
        )
        # One start can't be shared by several regions: typing it would stack them all
        # at the same time, so it is read-only for a selection (move them on the timeline).
        self.start_spin.setEnabled(n == 1)
        self.start_spin.setToolTip(START_TIP if n == 1 else MULTI_START_TIP)
        self._show_time(self.start_spin, [r.time for r in regions], 0.0)
        # A typed duration is a clear intent: it applies to every selected region.
        self._show_time(self.duration_spin, [r.duration for r in regions], geo.MIN_DURATION)
        actions = {r.action for r in regions}
        self.source_box.setVisible(actions == {"copy"})
        self.tags_box.setVisible("generate" in actions)
        self.params_box.setVisible("generate" in actions)
        self._fill_sources(first.source_hash if same(lambda r: r.source_hash) else None)
        self.tag_picker.set_state([list(r.tags) for r in regions if r.action == "generate"])
        gens = [r for r in regions if r.action == "generate"] or regions
        bonuses = self.catalogue.index.bonuses
        for name, row in self.rows.items():
            shifts = {tag_bonus(r.tags, bonuses, name) for r in gens if r.action == "generate"}
            row.bonus = shifts.pop() if len(shifts) == 1 else 0
            row.show([r.params.get(name, DEFAULT_PARAM) for r in gens])
        del blockers
        self._show_problems(regions)

    @staticmethod
    def _show_time(spin: QDoubleSpinBox, values: list[float], minimum: float) -> None:
        """The shared value, or an empty field reading "mixed" when the regions differ."""
        if len(set(values)) == 1:
            spin.setSpecialValueText("")
            spin.setMinimum(minimum)
            spin.setValue(values[0])
        else:
            # The special value text shows at the minimum, so park one step below the
            # smallest real value; _on_start/_on_duration ignore it.
            spin.setMinimum(minimum - spin.singleStep() if minimum > 0 else 0.0)
            spin.setSpecialValueText(MIXED)
            spin.setValue(spin.minimum())

    def _fill_sources(self, current: str | None) -> None:
        combo = self.source_combo
        combo.clear()
        for entry in self.doc.project.library.entries():
            tags = tag_label(entry.tag_names, entry.tags, self.catalogue.names)
            label = entry.name or tags or entry.action
            combo.addItem(f"{entry.hash[:10]}  ·  {entry.duration:.1f} s  ·  {label}", entry.hash)
        index = combo.findData(current) if current else -1
        if index >= 0:
            combo.setCurrentIndex(index)
        else:
            combo.setCurrentIndex(-1)
            combo.setEditText(current or "")

    def _show_problems(self, regions: list[Region]) -> None:
        lines = []
        for r in regions[:MAX_VALIDATED]:
            body = {"regions": [r.to_request()], "normalize": True}
            for problem in validate_request(body):
                if r.source_region and not r.source_hash and problem.field == "sourceHash":
                    continue  # a copy of a region: its hash is found at render time
                where = r.label(self.catalogue.names)
                field = field_label(problem.field)
                lines.append(f"⚠ {where} at {r.time:.2f} s: {field}: {problem.message}")
        conflicts = [
            self.catalogue.describe_conflicts(r.tags) for r in regions if r.action == "generate"
        ]
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(bool(lines))
        self.tags_box.setTitle("Tags ⚠" if any(conflicts) else "Tags")

    # -- controls -> model -----------------------------------------------------------
    def _apply(self, text: str, fn: Callable[[Region], None], merge_key: object = None) -> bool:
        uids = self.doc.selection
        if not uids:
            return False

        def change(regions: list[Region]) -> None:
            for r in regions:
                if r.uid in uids:
                    fn(r)

        n = len(uids)
        try:
            self.doc.edit(text if n == 1 else f"{text} ({n} regions)", change, merge_key=merge_key)
        except EditError as exc:
            self.message.emit(f"Refused: {exc}", "warning")
            self.refresh()
            return False
        return True

    def _on_another_take(self) -> None:
        try:
            self.message.emit(editing.another_take(self.doc), "info")
        except EditError as exc:
            self.message.emit(str(exc), "warning")

    def _on_name(self) -> None:
        name = self.name_edit.text().strip()
        if not name and len(self.doc.selection) > 1:
            return  # an empty field over several names means "leave them"
        self._apply("Rename region", lambda r: setattr(r, "name", name))

    def _on_action(self, index: int) -> None:
        action = ACTIONS[index]
        entries = self.doc.project.library.entries()
        default_source = entries[0].hash if entries else None

        def set_action(r: Region) -> None:
            r.action = action
            if action == "copy" and not r.source_hash:
                r.source_hash = default_source

        self._apply(f"Set action to {action}", set_action)

    def _on_method(self, index: int) -> None:
        method = METHOD_ITEMS[index][1]
        self._apply(
            f"Set method to {METHOD_ITEMS[index][0].lower()}",
            lambda r: setattr(r, "method", method),
        )

    def _on_start(self, value: float) -> None:
        if len(self.doc.selection) != 1 or self.start_spin.specialValueText():
            return  # read-only for several regions (see refresh)
        self._apply("Set start", lambda r: setattr(r, "time", round(max(0.0, value), 6)))

    def _on_duration(self, value: float) -> None:
        if value < geo.MIN_DURATION:
            self.refresh()  # the "mixed" placeholder (or below it), not a length
            return
        self._apply("Set duration", lambda r: setattr(r, "duration", round(value, 6)))

    def _on_source_picked(self, index: int) -> None:
        value = self.source_combo.itemData(index)
        if value:
            self._apply("Set source hash", lambda r: setattr(r, "source_hash", value))

    def _on_source_typed(self) -> None:
        text = self.source_combo.currentText().strip()
        index = self.source_combo.findText(text)
        if index >= 0:
            value = self.source_combo.itemData(index)
        else:
            try:  # checked now, not at render time: a typo names nothing
                value = resolve_copy_source(text, self.doc.project, self.known_hashes())
            except UnknownSource as exc:
                if text:
                    self.message.emit(str(exc), "warning")
                self.refresh()
                return
        if value and any(r.source_hash != value for r in self.doc.selected_regions()):
            self._apply("Set source hash", lambda r: setattr(r, "source_hash", value))

    def _on_tag(self, tag_id: int, on: bool) -> None:
        name = self.catalogue.name(tag_id)

        def change(r: Region) -> None:
            if r.action == "generate":
                set_tag(r, tag_id, name, on)  # by name too: ids differ between backends

        if self._apply(f"{'Add' if on else 'Remove'} tag {name}", change) and on:
            clash = [r for r in self.doc.selected_regions() if self.catalogue.conflicts(r.tags)]
            if clash:
                self.message.emit(f"{self.catalogue.describe_conflicts(clash[0].tags)}: "
                                  "the music may sound muddled.", "warning")  # fmt: skip

    def _on_slider(self, name: str, value: int) -> None:
        row = self.rows[name]
        row.value.setText(value_with_bonus(value, row.bonus))

        def change(r: Region) -> None:
            if r.action == "generate" or len(self.doc.selection) == 1:
                r.params[name] = int(value)

        key = ("param", name, frozenset(self.doc.selection))
        # Arrow-key steps merge like a drag does; the next drag starts a step of its own.
        self._apply(f"Set {name} to {value}", change, merge_key=key)

    def _on_keyframes_toggled(self, name: str, on: bool) -> None:
        def change(r: Region) -> None:
            value = r.params.get(name, DEFAULT_PARAM)
            if on and not isinstance(value, list):
                r.params[name] = [[0.0, int(value)], [100.0, int(value)]]
            elif not on and isinstance(value, list):
                r.params[name] = round(param_at(value, 0.0))

        self._apply(f"{'Animate' if on else 'Stop animating'} {name}", change)

    def _on_curve(self, name: str, points: list, final: bool) -> None:
        pts = normalized(points)
        key = ("curve", name, frozenset(self.doc.selection))
        self._apply(f"Shape {name} curve", lambda r: r.params.__setitem__(name, [list(p) for p in pts]),
                    merge_key=key)  # fmt: skip
        if final:
            self.doc.end_merge()

"""The inspector: edit the selected region(s): action, method, tags, params, keyframes, source.

Two-way binding without feedback loops (as napari's sliders do): the model is the truth;
`refresh()` copies it into the controls with their signals blocked, and a control's own
signal turns into one `ProjectDocument.edit` applied to every selected region. A slider
drag merges into one undo step (merge_key, closed by end_merge on release); so does a
keyframe drag. A refused edit (an overlap from a new start or duration) puts the control
back and says why. The region form is built here; the Params, Tags and Source sections are
widgets of their own (sections.py) sharing one `SelectionEdits`.

The form (~60 controls and their modules) is not needed to show the window: it is built
the first time a region is selected or one of its parts is asked for, and the main window
asks right after its first paint (start-up, issue 17), so the first click finds it ready.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QPoint, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
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
from muzaic_studio.model.copy_names import copy_source_name, region_label
from muzaic_studio.model.project import MAX_END_SECONDS
from muzaic_studio.model.region import ACTIONS, Region
from muzaic_studio.model.tag_names import sync_tag_ids
from muzaic_studio.model.validation import field_label
from muzaic_studio.ui import editing
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from muzaic_studio.ui.timeline import geometry as geo

METHOD_ITEMS = (("Default", None), ("Strict", "strict"), ("Smart", "smart"))
MAX_VALIDATED = 50
#: The form's parts: asking for one builds the form (see Inspector.__getattr__).
FORM_PARTS = frozenset({
    "edits", "title", "subtitle", "name_edit", "action_combo", "method_combo", "start_spin",
    "duration_spin", "take_button", "source_box", "source_combo", "params_box", "rows",
    "mix_box", "tags_box", "tag_picker", "problems", "scroll_area", "wheel_guard",
})  # fmt: skip
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


def time_spin(tip: str) -> QDoubleSpinBox:
    """A seconds field that edits on Enter or focus-out, not on every typed digit."""
    spin = QDoubleSpinBox()
    # A project file may run to MAX_END_SECONDS (a render only to 20 min, which the banner
    # says): capped at 1200 the field showed a region at 25:00 as starting at 20:00.
    spin.setRange(0.0, MAX_END_SECONDS)
    spin.setDecimals(3)
    spin.setSingleStep(0.1)
    spin.setSuffix(" s")
    spin.setKeyboardTracking(False)
    spin.setToolTip(tip)
    return spin


def show_time(spin: QDoubleSpinBox, values: list[float], minimum: float) -> None:
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


class Inspector(QWidget):
    message = Signal(str, str)  # text, kind
    #: Hashes with music beyond the project's (the user's library); set by the window.
    known_hashes: Callable[[], Iterable[str]] = staticmethod(lambda: ())

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.doc = doc
        self.catalogue = TagCatalogue()
        self._catalogue_set = False  # set_catalogue called: the form's tag list shows it
        self._connected: ProjectDocument | None = None  # the document whose signals refresh us
        self.form_built = False
        self.pages = QStackedWidget()
        empty = QLabel("Select a region on the timeline to edit it.\n\n"
                       "Drag on empty space to draw one.")  # fmt: skip
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        empty.setEnabled(False)
        self.pages.addWidget(empty)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)
        self.setMinimumWidth(300)
        self.set_document(doc)

    def __getattr__(self, name: str) -> Any:
        """A part of the form asked for before the form exists: build it, then answer."""
        if name in FORM_PARTS and not self.__dict__.get("form_built", True):
            self.build_form()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- layout ----------------------------------------------------------------------
    def build_form(self) -> None:
        """Build the editing form (once): the page shown while regions are selected."""
        if self.form_built:
            return
        self.form_built = True
        from muzaic_studio.ui.inspector.mix_panel import MixPanel
        from muzaic_studio.ui.inspector.sections import (
            ParamsSection,
            SelectionEdits,
            SourceSection,
            TagsSection,
        )
        from muzaic_studio.ui.inspector.wheel_guard import guard_wheel

        self.edits = SelectionEdits(self.doc, self.message.emit, self.refresh)
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
        self.start_spin = time_spin(START_TIP)
        self.duration_spin = time_spin("Length of the region, in seconds")
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

        self.source_box = SourceSection(self.edits, lambda: self.known_hashes())
        self.source_combo = self.source_box.combo
        col.addWidget(self.source_box)
        self.params_box = ParamsSection(self.edits)
        self.rows = self.params_box.rows
        col.addWidget(self.params_box)
        self.mix_box = MixPanel(self.doc)
        col.addWidget(self.mix_box)
        self.tags_box = TagsSection(self.edits)
        self.tag_picker = self.tags_box.picker
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
        self.scroll_area = scroll
        self.pages.addWidget(scroll)
        self.wheel_guard = guard_wheel(body)
        self._wire()
        self.mix_box.set_document(self.doc)
        if self._catalogue_set:
            self.tags_box.set_catalogue(self.catalogue)
        self.tag_picker.set_room(self.height())

    def _wire(self) -> None:
        self.name_edit.editingFinished.connect(self._on_name)
        self.take_button.clicked.connect(self._on_another_take)
        self.action_combo.activated.connect(self._on_action)
        self.method_combo.activated.connect(self._on_method)
        self.start_spin.valueChanged.connect(self._on_start)
        self.duration_spin.valueChanged.connect(self._on_duration)
        self.tag_picker.search.textChanged.connect(self._show_tag_results)

    # -- document --------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        old = self._connected
        if old is not None:
            for signal in (old.regionsChanged, old.selectionChanged):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(self.refresh)
        self.doc = doc
        sync_tag_ids(doc.project.regions, self.catalogue.index)
        if self.form_built:
            self.edits.doc = doc
            self.mix_box.set_document(doc)
        doc.regionsChanged.connect(self.refresh)
        doc.selectionChanged.connect(self.refresh)
        self._connected = doc
        self.refresh()

    def set_catalogue(self, catalogue: TagCatalogue) -> None:
        self.catalogue, self._catalogue_set = catalogue, True
        sync_tag_ids(self.doc.project.regions, catalogue.index)  # names -> this catalogue's ids
        if self.form_built:
            self.tags_box.set_catalogue(catalogue)
        self.refresh()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.form_built:
            self.tag_picker.set_room(self.height())

    def _show_tag_results(self, text: str) -> None:
        """Scroll the tags found into view as the user types: the list sits at the bottom
        of the panel, below the fold on most screens, so a search seemed to do nothing."""
        body, tags = self.scroll_area.widget(), self.tag_picker.list
        if body is None or not text.strip():
            return
        rows = min(tags.height(), 6 * max(tags.sizeHintForRow(0), tags.fontMetrics().height()))
        self.scroll_area.ensureVisible(0, tags.mapTo(body, QPoint(0, rows)).y(), 0, 0)
        self.scroll_area.ensureVisible(
            0, self.tag_picker.search.mapTo(body, QPoint(0, 0)).y(), 0, 0
        )

    # -- model -> controls -----------------------------------------------------------
    def refresh(self) -> None:
        regions = self.doc.selected_regions()
        if not regions:
            self.pages.setCurrentIndex(0)
            return
        self.build_form()
        self.pages.setCurrentIndex(1)
        first = regions[0]
        controls = [self.name_edit, self.action_combo, self.method_combo, self.start_spin,
                    self.duration_spin, self.source_combo, self.tag_picker,
                    *self.params_box.controls()]  # fmt: skip
        blockers = [QSignalBlocker(c) for c in controls]
        n = len(regions)
        if n == 1:
            self.title.setText(region_label(first, self.doc.project, self.catalogue.names))
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
        show_time(self.start_spin, [r.time for r in regions], 0.0)
        # A typed duration is a clear intent: it applies to every selected region.
        show_time(self.duration_spin, [r.duration for r in regions], geo.MIN_DURATION)
        actions = {r.action for r in regions}
        self.source_box.setVisible(actions == {"copy"})
        self.tags_box.setVisible("generate" in actions)
        self.params_box.setVisible("generate" in actions)
        if actions == {"copy"}:  # the library's hashes: thousands in a big rendered project
            current_source = first.source_hash if same(lambda r: r.source_hash) else None
            copied = None
            if len(regions) == 1 and first.source_region and not first.source_hash:
                copied = copy_source_name(first, self.doc.project)
            self.source_box.fill(current_source, self.catalogue.names, copied)
        self.tags_box.show_regions(regions)
        self.params_box.show_regions(regions, self.catalogue.index.bonuses)
        del blockers
        self._show_problems(regions)

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
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(bool(lines))
        self.tags_box.show_conflicts(regions)

    # -- controls -> model -----------------------------------------------------------
    def _on_another_take(self) -> None:
        try:
            self.message.emit(editing.another_take(self.doc), "info")
        except EditError as exc:
            self.message.emit(str(exc), "warning")

    def _on_name(self) -> None:
        name = self.name_edit.text().strip()
        if not name and len(self.doc.selection) > 1:
            return  # an empty field over several names means "leave them"
        self.edits.apply("Rename region", lambda r: setattr(r, "name", name))

    def _on_action(self, index: int) -> None:
        action = ACTIONS[index]
        entries = self.doc.project.library.entries()
        default_source = entries[0].hash if entries else None

        def set_action(r: Region) -> None:
            r.action = action
            if action == "copy" and not r.source_hash:
                r.source_hash = default_source

        self.edits.apply(f"Set action to {action}", set_action)

    def _on_method(self, index: int) -> None:
        method = METHOD_ITEMS[index][1]
        self.edits.apply(
            f"Set method to {METHOD_ITEMS[index][0].lower()}",
            lambda r: setattr(r, "method", method),
        )

    def _on_start(self, value: float) -> None:
        if len(self.doc.selection) != 1 or self.start_spin.specialValueText():
            return  # read-only for several regions (see refresh)
        self.edits.apply("Set start", lambda r: setattr(r, "time", round(max(0.0, value), 6)))

    def _on_duration(self, value: float) -> None:
        if value < geo.MIN_DURATION:
            self.refresh()  # the "mixed" placeholder (or below it), not a length
            return
        self.edits.apply("Set duration", lambda r: setattr(r, "duration", round(value, 6)))

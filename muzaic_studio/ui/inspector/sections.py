"""The inspector's sections below the region form: Params, Tags, Source (copy).

Each section is a group box that shows the selection (`show`, with the inspector's
signal blockers around it) and turns its own controls' signals into one edit through the
shared `SelectionEdits`, so the inspector's binding rule (the model is the truth, one
control change = one undoable edit of every selected region) lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QVBoxLayout, QWidget

from muzaic_studio.model.copy_source import UnknownSource, resolve_copy_source
from muzaic_studio.model.region import DEFAULT_PARAM, PARAM_NAMES, Region, param_at
from muzaic_studio.model.tag_names import set_tag, tag_bonus, tag_label, value_with_bonus
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.inspector.keyframe_editor import normalized
from muzaic_studio.ui.inspector.params import ParamRow
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from muzaic_studio.ui.inspector.tag_picker import TagPicker


class SelectionEdits:
    """One undoable edit of every selected region; a refused one is said, and the
    controls are put back (*refresh*)."""

    def __init__(self, doc: ProjectDocument, say: Callable[[str, str], None],
                 refresh: Callable[[], None]) -> None:  # fmt: skip
        self.doc = doc
        self.say = say
        self.refresh = refresh

    def apply(self, text: str, fn: Callable[[Region], None], merge_key: object = None) -> bool:
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
            self.say(f"Refused: {exc}", "warning")
            self.refresh()
            return False
        return True

    def end_merge(self) -> None:
        """A slider released or pressed again: the next change is an undo step of its own."""
        self.doc.end_merge()


class ParamsSection(QGroupBox):
    """A slider per param, each with a keyframe toggle and (when keyed) its curve."""

    def __init__(self, edits: SelectionEdits) -> None:
        super().__init__("Params")
        self.edits = edits
        grid = QGridLayout(self)
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
            row.slider.valueChanged.connect(lambda v, n=name: self._on_slider(n, v))
            row.slider.sliderReleased.connect(edits.end_merge)
            row.slider.sliderPressed.connect(edits.end_merge)
            row.toggle.toggled.connect(lambda on, n=name: self._on_keyframes_toggled(n, on))
            if row.curve:
                row.curve.pointsChanged.connect(
                    lambda pts, final, n=name: self._on_curve(n, pts, final)
                )

    def controls(self) -> list[QWidget]:
        """The widgets whose signals are blocked while the selection is shown."""
        out: list[QWidget] = []
        for row in self.rows.values():
            out += [row.slider, row.toggle] + ([row.curve] if row.curve else [])
        return out

    def show_regions(self, regions: list[Region], bonuses: Any) -> None:
        """The generate regions' values (all regions' if none generates), tag bonus shown."""
        gens = [r for r in regions if r.action == "generate"] or regions
        for name, row in self.rows.items():
            shifts = {tag_bonus(r.tags, bonuses, name) for r in gens if r.action == "generate"}
            row.bonus = shifts.pop() if len(shifts) == 1 else 0
            row.show([r.params.get(name, DEFAULT_PARAM) for r in gens])

    def _on_slider(self, name: str, value: int) -> None:
        row = self.rows[name]
        row.value.setText(value_with_bonus(value, row.bonus))
        doc = self.edits.doc

        def change(r: Region) -> None:
            if r.action == "generate" or len(doc.selection) == 1:
                r.params[name] = int(value)

        key = ("param", name, frozenset(doc.selection))
        # Arrow-key steps merge like a drag does; the next drag starts a step of its own.
        self.edits.apply(f"Set {name} to {value}", change, merge_key=key)

    def _on_keyframes_toggled(self, name: str, on: bool) -> None:
        def change(r: Region) -> None:
            value = r.params.get(name, DEFAULT_PARAM)
            if on and not isinstance(value, list):
                r.params[name] = [[0.0, int(value)], [100.0, int(value)]]
            elif not on and isinstance(value, list):
                r.params[name] = round(param_at(value, 0.0))

        self.edits.apply(f"{'Animate' if on else 'Stop animating'} {name}", change)

    def _on_curve(self, name: str, points: list, final: bool) -> None:
        pts = normalized(points)
        key = ("curve", name, frozenset(self.edits.doc.selection))
        self.edits.apply(f"Shape {name} curve",
                         lambda r: r.params.__setitem__(name, [list(p) for p in pts]),
                         merge_key=key)  # fmt: skip
        if final:
            self.edits.end_merge()


class TagsSection(QGroupBox):
    """The tag picker of the active backend's catalogue; "Tags ⚠" when tags clash."""

    def __init__(self, edits: SelectionEdits) -> None:
        super().__init__("Tags")
        self.edits = edits
        self.catalogue = TagCatalogue()
        layout = QVBoxLayout(self)
        self.picker = TagPicker()
        layout.addWidget(self.picker)
        self.picker.tagToggled.connect(self._on_tag)

    def set_catalogue(self, catalogue: TagCatalogue) -> None:
        self.catalogue = catalogue
        self.picker.set_catalogue(catalogue)

    def show_regions(self, regions: list[Region]) -> None:
        self.picker.set_state([list(r.tags) for r in regions if r.action == "generate"])

    def show_conflicts(self, regions: list[Region]) -> None:
        conflicts = [
            self.catalogue.describe_conflicts(r.tags) for r in regions if r.action == "generate"
        ]
        self.setTitle("Tags ⚠" if any(conflicts) else "Tags")

    def _on_tag(self, tag_id: int, on: bool) -> None:
        name = self.catalogue.name(tag_id)

        def change(r: Region) -> None:
            if r.action == "generate":
                set_tag(r, tag_id, name, on)  # by name too: ids differ between backends

        if self.edits.apply(f"{'Add' if on else 'Remove'} tag {name}", change) and on:
            selected = self.edits.doc.selected_regions()
            clash = [r for r in selected if self.catalogue.conflicts(r.tags)]
            if clash:
                self.edits.say(f"{self.catalogue.describe_conflicts(clash[0].tags)}: "
                               "the music may sound muddled.", "warning")  # fmt: skip


PICK_SOURCE = "Pick from the library or paste a hash"


class SourceSection(QGroupBox):
    """The hash a copy region reuses: picked from the library, or typed and checked now."""

    def __init__(self, edits: SelectionEdits, known_hashes: Callable[[], Iterable[str]]) -> None:
        super().__init__("Source (copy)")
        self.edits = edits
        self.known_hashes = known_hashes
        self._hashes: list[str] = []  # the hash of each of the combo's items, in order
        layout = QVBoxLayout(self)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setToolTip(
            "The hash of earlier music to reuse: pick one from the library or paste a hash"
        )
        source_edit = self.combo.lineEdit()
        assert source_edit is not None  # the combo is editable
        source_edit.setPlaceholderText(PICK_SOURCE)
        layout.addWidget(self.combo)
        self.combo.activated.connect(self._on_picked)
        source_edit.editingFinished.connect(self._on_typed)

    def fill(self, current: str | None, tag_names: Any, copies_region: str | None = None) -> None:
        """The project library's hashes; *current* chosen (or typed in, if not listed).
        *copies_region*: the name of the project region copied instead of a hash (the
        demo's reprise), said in the empty field, which otherwise read as no source."""
        combo = self.combo
        combo.clear()
        edit = combo.lineEdit()
        if edit is not None:
            edit.setPlaceholderText(
                f"Copies region “{copies_region}” (or pick a hash)"
                if copies_region
                else PICK_SOURCE
            )
        entries = self.edits.doc.project.library.entries()
        labels = []
        for entry in entries:
            tags = tag_label(entry.tag_names, entry.tags, tag_names)
            label = entry.name or tags or entry.action
            labels.append(f"{entry.hash[:10]}  ·  {entry.duration:.1f} s  ·  {label}")
        # in one call, the hashes beside: a rendered 20,000-region project lists as many,
        # and one addItem each took ~50 ms of every selection of a copy region
        combo.addItems(labels)
        self._hashes = [entry.hash for entry in entries]
        index = self._hashes.index(current) if current in self._hashes else -1
        if index >= 0:
            combo.setCurrentIndex(index)
        else:
            combo.setCurrentIndex(-1)
            combo.setEditText(current or "")

    def _hash_at(self, index: int) -> str | None:
        return self._hashes[index] if 0 <= index < len(self._hashes) else None

    def _on_picked(self, index: int) -> None:
        value = self._hash_at(index)
        if value:
            self.edits.apply("Set source hash", lambda r: setattr(r, "source_hash", value))

    def _on_typed(self) -> None:
        doc = self.edits.doc
        text = self.combo.currentText().strip()
        index = self.combo.findText(text)
        if index >= 0:
            value = self._hash_at(index)
        else:
            try:  # checked now, not at render time: a typo names nothing
                value = resolve_copy_source(text, doc.project, self.known_hashes())
            except UnknownSource as exc:
                if text:
                    self.edits.say(str(exc), "warning")
                self.edits.refresh()
                return
        if value and any(r.source_hash != value for r in doc.selected_regions()):
            self.edits.apply("Set source hash", lambda r: setattr(r, "source_hash", value))

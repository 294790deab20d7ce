"""The Inspector's "Mix" group: gain and fades of the selected region(s).

Same binding rules as the rest of the Inspector: `refresh()` copies the model into the
controls with their signals blocked; a control's change is one undoable edit on every
selected region (spin-box arrows held down merge into one step). Several regions with
different values show the first one's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout

from muzaic_studio.model.mix import FADE_MAX, GAIN_MAX_DB, GAIN_MIN_DB, SHAPES, region_mix
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.mix_edits import set_fade, set_gain

SHAPE_NAMES = {"linear": "Linear", "equal-power": "Equal power", "log": "Logarithmic"}


class MixPanel(QGroupBox):
    """Gain (dB) and fade in/out (seconds, shape) of the selection; never needs a render."""

    def __init__(self, doc: ProjectDocument) -> None:
        super().__init__("Mix")
        self.setObjectName("mixPanel")
        self.setToolTip("Applied to the rendered audio in this app: no new render, no tokens")
        self.doc: ProjectDocument | None = None
        form = QFormLayout(self)
        self.gain_spin = self._spin(GAIN_MIN_DB, GAIN_MAX_DB, " dB", 0.5, "Region gain")
        form.addRow("Gain", self.gain_spin)
        self.fade_spins: dict[str, QDoubleSpinBox] = {}
        self.shape_combos: dict[str, QComboBox] = {}
        for side, label in (("in", "Fade in"), ("out", "Fade out")):
            spin = self._spin(0.0, FADE_MAX, " s", 0.1, f"{label} length")
            combo = QComboBox()
            combo.setObjectName(f"fade{side.title()}Shape")
            combo.setToolTip(
                f"{label} curve: linear, equal power (even loudness), logarithmic (even in dB)"
            )
            for shape in SHAPES:
                combo.addItem(SHAPE_NAMES[shape], shape)
            row = QHBoxLayout()
            row.addWidget(spin, 1)
            row.addWidget(combo)
            form.addRow(label, row)
            spin.valueChanged.connect(lambda v, s=side: self._on_fade(s, v))
            combo.activated.connect(lambda _i, s=side: self._on_shape(s))
            self.fade_spins[side], self.shape_combos[side] = spin, combo
        self.gain_spin.valueChanged.connect(self._on_gain)
        for spin in (self.gain_spin, *self.fade_spins.values()):
            # Held arrows merge into one step; a typed value or a new focus starts a new one.
            spin.editingFinished.connect(lambda: self.doc.end_merge() if self.doc else None)
        self.set_document(doc)

    @staticmethod
    def _spin(lo: float, hi: float, suffix: str, step: float, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(lo, hi)
        spin.setDecimals(2)
        spin.setSingleStep(step)
        spin.setSuffix(suffix)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        return spin

    def set_document(self, doc: ProjectDocument) -> None:
        if self.doc is not None:
            for signal in (self.doc.regionsChanged, self.doc.selectionChanged):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(self.refresh)
        self.doc = doc
        doc.regionsChanged.connect(self.refresh)
        doc.selectionChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        regions = self.doc.selected_regions() if self.doc else []
        self.setEnabled(bool(regions))
        if not regions:
            return
        mix = region_mix(regions[0])
        blockers = [QSignalBlocker(w) for w in (self.gain_spin, *self.fade_spins.values(),
                                                *self.shape_combos.values())]  # fmt: skip
        self.gain_spin.setValue(mix.gain_db)
        self.fade_spins["in"].setValue(mix.fade_in)
        self.fade_spins["out"].setValue(mix.fade_out)
        for side, shape in (("in", mix.fade_in_shape), ("out", mix.fade_out_shape)):
            combo = self.shape_combos[side]
            combo.setCurrentIndex(max(0, combo.findData(shape)))
        del blockers

    def _edit(self, fn: Callable[[], object]) -> None:
        with contextlib.suppress(EditError):  # fades are clamped: nothing to refuse
            fn()
        self.refresh()

    def _on_gain(self, value: float) -> None:
        assert self.doc is not None
        doc, uids = self.doc, self.doc.selection
        self._edit(lambda: set_gain(doc, uids, round(value, 2), merge=True))

    def _on_fade(self, side: str, value: float) -> None:
        assert self.doc is not None
        doc, uids = self.doc, self.doc.selection
        self._edit(lambda: set_fade(doc, uids, side, round(value, 3), merge=True))

    def _on_shape(self, side: str) -> None:
        assert self.doc is not None
        shape = str(self.shape_combos[side].currentData())
        doc, uids = self.doc, self.doc.selection
        self._edit(lambda: set_fade(doc, uids, side, shape=shape))
        doc.end_merge()

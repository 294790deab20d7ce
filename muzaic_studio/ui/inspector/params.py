"""One parameter row of the inspector: label, slider 1..10, value (with the tags' bonus),
keyframe toggle and curve editor, and how a selection's values show in it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSlider, QToolButton

from muzaic_studio.model.region import KEYFRAMABLE, param_at
from muzaic_studio.model.tag_names import value_with_bonus
from muzaic_studio.ui.inspector.keyframe_editor import KeyframeEditor
from muzaic_studio.ui.timeline.paint import PARAM_COLORS

PARAM_TIPS = {
    "intensity": "How much is going on: 1 sparse and soft, 10 full and loud",
    "tempo": "Speed: 1 slow, 10 fast (fixed for the whole region)",
    "tone": "Mood of the harmony: 1 dark, 10 bright",
    "variance": "How much the music changes over time: 1 steady, 10 restless",
    "rhythm": "Rhythmic density: 1 sparse, 10 busy",
}


def _value_tip(row: ParamRow) -> str:
    if not row.bonus:
        return f"Current {row.name}"
    return (f"Current {row.name}; the selected tags shift it by {row.bonus:+d} "
            "(the bonuses of all the region's tags, combined)")  # fmt: skip


class ParamRow:
    """Label, slider 1..10, value, keyframe toggle and (when keyed) a curve editor."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.label = QLabel(name.capitalize())
        self.label.setToolTip(PARAM_TIPS[name])
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, 10)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setToolTip(PARAM_TIPS[name])
        self.slider.setObjectName(f"slider_{name}")
        self.value = QLabel("5")
        self.value.setMinimumWidth(44)
        self.bonus = 0  # the selected tags' combined bonus on this param, shown beside the value
        self.value.setToolTip(f"Current {name}")
        self.toggle = QToolButton()
        self.toggle.setText("∿")
        self.toggle.setCheckable(True)
        self.toggle.setObjectName(f"keyframes_{name}")
        if name in KEYFRAMABLE:
            self.toggle.setToolTip(f"Animate {name} across the region with keyframes")
        else:
            self.toggle.setEnabled(False)
            self.toggle.setToolTip(
                "Tempo is fixed for a whole region (the API has no tempo keyframes)"
            )
        self.curve = KeyframeEditor(PARAM_COLORS[name]) if name in KEYFRAMABLE else None
        if self.curve:
            self.curve.hide()

    def show(self, values: list) -> None:
        """The selected regions' values: a curve when all are keyed, else the slider
        (marked * when they differ)."""
        keyed = [v for v in values if isinstance(v, list)]
        plain = [v for v in values if not isinstance(v, list)]
        first = values[0]
        self.toggle.setChecked(bool(keyed) and not plain)
        if keyed and not plain:
            self.slider.setEnabled(False)
            self.slider.setValue(round(param_at(first, 0.0)))
            self.value.setText("curve")
            if self.curve:
                self.curve.show()
                self.curve.set_points(first)
        else:
            self.slider.setEnabled(True)
            self.slider.setValue(int(plain[0]))
            mixed = len(set(plain)) > 1 or bool(keyed)
            shown = value_with_bonus(plain[0], self.bonus)
            self.value.setText(f"{shown}*" if mixed else shown)
            self.value.setToolTip("The selected regions differ; moving the slider sets them all"
                                 if mixed else _value_tip(self))  # fmt: skip
            if self.curve:
                self.curve.hide()

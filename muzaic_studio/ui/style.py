"""The app's look: Fusion with a dark palette (or light, MUZAIC_STUDIO_THEME=light)."""

from __future__ import annotations

import os
from importlib import resources

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_DARK = {
    QPalette.ColorRole.Window: "#22262e",
    QPalette.ColorRole.WindowText: "#dfe4ec",
    QPalette.ColorRole.Base: "#1a1d23",
    QPalette.ColorRole.AlternateBase: "#262b34",
    QPalette.ColorRole.ToolTipBase: "#2d333e",
    QPalette.ColorRole.ToolTipText: "#e8edf4",
    QPalette.ColorRole.PlaceholderText: "#7d8796",
    QPalette.ColorRole.Text: "#dfe4ec",
    QPalette.ColorRole.Button: "#2b3039",
    QPalette.ColorRole.ButtonText: "#dfe4ec",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#3a414d",
    QPalette.ColorRole.Midlight: "#323843",
    QPalette.ColorRole.Mid: "#2a2f38",
    QPalette.ColorRole.Dark: "#15181d",
    QPalette.ColorRole.Shadow: "#0b0c0f",
    QPalette.ColorRole.Highlight: "#3d7fe0",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6aa8ff",
}

_SHEET = """
QToolBar { border: none; spacing: 3px; padding: 3px 6px; }
QToolBar QToolButton { padding: 4px 6px; border-radius: 4px; }
QToolBar QToolButton:checked { background: palette(highlight); color: white; }
QToolBar QToolButton:hover:!checked { background: palette(light); }
QToolBar QToolButton#qt_toolbar_ext_button { padding: 0px; }
QGroupBox QToolButton:checked { background: palette(highlight); color: white;
                                border-radius: 3px; }
QDockWidget::title { padding: 6px 8px; background: palette(alternate-base); }
QStatusBar QLabel { color: palette(placeholder-text); }
QGroupBox { border: 1px solid palette(light); border-radius: 5px; margin-top: 14px;
            padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; font-weight: bold; }
QToolTip { border: 1px solid palette(light); padding: 4px; }
"""


_CHECKS = """
QListView::indicator, QCheckBox::indicator, QRadioButton::indicator {
    width: 13px; height: 13px; border: 1px solid #6b7482; background: #1a1d23; }
QListView::indicator, QCheckBox::indicator { border-radius: 3px; }
QRadioButton::indicator { border-radius: 7px; }
QListView::indicator:hover, QCheckBox::indicator:hover, QRadioButton::indicator:hover {
    border-color: #9aa4b2; }
QListView::indicator:checked, QCheckBox::indicator:checked {
    background: #3d7fe0; border-color: #3d7fe0; image: url(%(check)s); }
QRadioButton::indicator:checked { border-color: #3d7fe0; background: qradialgradient(
    cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5,
    stop: 0 #ffffff, stop: 0.38 #ffffff, stop: 0.48 #3d7fe0, stop: 1 #3d7fe0); }
QListView::indicator:indeterminate, QCheckBox::indicator:indeterminate {
    background: #34507a; border-color: #3d7fe0; image: url(%(partial)s); }
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {
    border-color: #3a414d; background: #22262e; }
QCheckBox::indicator:checked:disabled { background: #34507a; border-color: #34507a; }
QRadioButton::indicator:checked:disabled { border-color: #34507a; background: qradialgradient(
    cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5,
    stop: 0 #9aa4b2, stop: 0.38 #9aa4b2, stop: 0.48 #34507a, stop: 1 #34507a); }
"""


def _icon_path(name: str) -> str:
    path = resources.files("muzaic_studio.data").joinpath(f"icons/{name}.svg")
    return str(path).replace("\\", "/")


def apply_style(app: QApplication, *, set_style: bool = True) -> None:
    """Fusion (*set_style* False: the app was created with ``-style Fusion``), the
    palette and the style sheet."""
    if set_style:
        app.setStyle("Fusion")
    if os.environ.get("MUZAIC_STUDIO_THEME", "dark").lower() != "light":
        palette = QPalette()
        for role, color in _DARK.items():
            palette.setColor(role, QColor(color))
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                     QPalette.ColorRole.WindowText):  # fmt: skip
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7482"))
        app.setPalette(palette)
        # Fusion draws check boxes and radio buttons in the base colour: invisible on dark.
        checks = _CHECKS % {
            "check": _icon_path("check-white"),
            "partial": _icon_path("partial-white"),
        }
        app.setStyleSheet(_SHEET + checks)
        return
    app.setStyleSheet(_SHEET)

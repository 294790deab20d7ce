"""A dialog that opens at the size the user last gave it (app settings, per dialog).

A reference list such as Help > Keyboard Shortcuts is widened to read its descriptions;
opening it again at its small default every time was a papercut. The size is stored in
the app settings (not the project) and only if it is sane, so a dialog never opens
larger than the screen it is shown on.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog

from muzaic_studio.ui.settings import app_settings


def _key(name: str) -> str:
    return f"dialogs/{name}/size"


def remember_size(dialog: QDialog, name: str, default: QSize) -> None:
    """Resize *dialog* to its remembered size (else *default*); remember it when it closes."""
    size = app_settings().value(_key(name))
    size = size if isinstance(size, QSize) and size.isValid() else default
    screen = dialog.screen()
    if screen is not None:
        size = size.boundedTo(screen.availableGeometry().size())
    dialog.resize(size)
    dialog.finished.connect(lambda _result: app_settings().setValue(_key(name), dialog.size()))

"""The GUI's QSettings, an INI file in the config dir, for what only Qt reads: window
geometry, window state (toolbars, docks) and the video panel's layout per project.

Those are Qt blobs and view state, so they stay here. Everything a user or the CLI
chooses (backend, API address, origin, export defaults, autosave interval, scene
detection, recent files) is a declared setting in muzaic_studio.settings, read by the
GUI and the CLI alike; the values earlier versions kept in this file are migrated from
it once (settings/store.py). One factory, so tests (MUZAIC_STUDIO_HOME) never touch the
real user's settings.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from muzaic_studio.paths import config_dir
from muzaic_studio.settings.store import QT_INI_NAME

ORGANIZATION = "Muzaic"
APPLICATION = "Muzaic Studio"


def app_settings() -> QSettings:
    return QSettings(str(config_dir() / QT_INI_NAME), QSettings.Format.IniFormat)


def read_flag(key: str, settings: QSettings | None = None) -> bool:
    """A yes/no kept in the INI file (as the text "true"/"false"); False when absent."""
    return bool((settings or app_settings()).value(key, False, type=bool))

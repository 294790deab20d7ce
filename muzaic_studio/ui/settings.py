"""The app's QSettings, stored as an INI file in the config dir.

One factory so window geometry, dock layout, recent files and preferences all land in one
file, and so tests (MUZAIC_STUDIO_HOME) never touch the real user's settings.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from muzaic_studio.paths import config_dir

ORGANIZATION = "Muzaic"
APPLICATION = "Muzaic Studio"


def app_settings() -> QSettings:
    return QSettings(str(config_dir() / "studio.ini"), QSettings.Format.IniFormat)

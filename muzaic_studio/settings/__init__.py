"""Settings a user or a script chooses, declared once and shared by the GUI and the CLI.

  declared   every setting: name, type, default, environment variable (SETTINGS)
  store      settings.json in the config folder: atomic saves, the one-time migration
             of the old QSettings values (qt_ini reads that INI file without Qt)
  resolve    precedence: command-line flag > environment > saved setting > default
  backend    the backend settings (kind, address, origin): Preferences' and the CLI's

Plain Python (no Qt): the CLI reads the backend, address and origin the editor saved.
Window geometry, state and dock layout stay in the GUI's QSettings (ui/settings.py);
the API key stays in the system keyring, never in a settings file.
"""

from muzaic_studio.settings.declared import SETTINGS, Setting, SettingError
from muzaic_studio.settings.resolve import Resolved, resolve
from muzaic_studio.settings.store import Saved, load, save, settings_path

__all__ = [
    "SETTINGS",
    "Resolved",
    "Saved",
    "Setting",
    "SettingError",
    "load",
    "resolve",
    "save",
    "settings_path",
]

"""The saved settings: one JSON file in the user's config folder, shared by GUI and CLI.

`settings.json` maps a declared setting's name to its value. Reads never fail: a missing,
unreadable or hand-broken file, or a value of the wrong type, reads as the default (and
is logged). Every save re-reads the file and changes only the settings it was given, so
the GUI and a CLI command saving at the same time keep each other's values; the write is
atomic (atomic.py), so a crash never leaves half a file. Keys this version does not know
(written by a newer one) are kept.

The first read after an upgrade migrates the values earlier versions kept in the GUI's
QSettings file (`studio.ini`, read without Qt by qt_ini.py) and writes `settings.json`;
that file's existence marks the migration as done, so it happens once.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import atomic_write_text
from muzaic_studio.paths import config_dir
from muzaic_studio.settings.declared import (
    API_URL,
    BACKEND,
    MIN_SCENE_SECONDS,
    ORIGIN,
    RECENT_FILES,
    SCENE_THRESHOLD,
    Setting,
    SettingError,
)
from muzaic_studio.settings.qt_ini import read_qt_ini

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
QT_INI_NAME = "studio.ini"  # the GUI's QSettings file (ui/settings.py)

#: QSettings keys of earlier versions -> the setting that replaces them.
MIGRATED: dict[str, Setting] = {
    "backend/kind": BACKEND,
    "backend/api_url": API_URL,
    "backend/origin": ORIGIN,
    "recentFiles": RECENT_FILES,
    "video/scene_threshold": SCENE_THRESHOLD,
    "video/min_scene_seconds": MIN_SCENE_SECONDS,
}


def settings_path() -> Path:
    return config_dir() / FILE_NAME


@dataclass(frozen=True)
class Saved:
    """A snapshot of the settings file: what was saved, checked against the declarations."""

    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def has(self, setting: Setting) -> bool:
        return setting.name in self.values

    def get(self, setting: Setting) -> Any:
        """The saved value, or the default when none (or an invalid one) was saved."""
        value = self.values.get(setting.name, setting.default)
        return copy.copy(value)  # a list handed out is the caller's to change


def load(path: Path | None = None) -> Saved:
    """The saved settings (migrating the old QSettings values on the first read)."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Saved(_valid(migrate(path)), path)
    except OSError as exc:
        log.warning("cannot read %s (%s): using the defaults", path, exc)
        return Saved({}, path)
    try:
        data = json.loads(text)
    except ValueError as exc:
        log.warning("%s is not valid JSON (%s): using the defaults", path, exc)
        return Saved({}, path)
    if not isinstance(data, dict):
        log.warning("%s is not a JSON object: using the defaults", path)
        return Saved({}, path)
    return Saved(_valid(data), path)


def save(changes: Mapping[Setting, Any], path: Path | None = None) -> Saved:
    """Save *changes* (a value of None on a non-optional setting forgets it: back to the
    default), keeping every other saved value, also ones written meanwhile by another
    process. Raises SettingError for a value that does not fit, WriteError if the file
    cannot be written."""
    path = path or settings_path()
    checked = {s: (None if value is None and not s.optional else s.parse(value))
               for s, value in changes.items()}  # fmt: skip
    data = _raw(path)
    for setting, value in checked.items():
        if value is None and not setting.optional:
            data.pop(setting.name, None)
        else:
            data[setting.name] = value
    _write(path, data)
    return Saved(_valid(data), path)


def migrate(path: Path) -> dict[str, Any]:
    """The values of the old QSettings file next to *path*, written to *path* (once)."""
    ini = path.with_name(QT_INI_NAME)
    found: dict[str, Any] = {}
    if ini.is_file():
        try:
            old = read_qt_ini(ini)
        except OSError as exc:
            log.warning("cannot read %s to migrate its settings (%s)", ini, exc)
            return {}
        for key, setting in MIGRATED.items():
            if key in old and old[key] is not None:
                found[setting.name] = old[key]
        found = _valid(found)
        log.info("migrated %d settings from %s to %s", len(found), ini, path)
    try:
        _write(path, found)
    except OSError as exc:  # a read-only config folder: use the values, migrate next time
        log.warning("cannot write %s (%s)", path, exc)
    return found


def _raw(path: Path) -> dict[str, Any]:
    """The file as it is now (unknown keys included), for a save to change."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return migrate(path)
    except (OSError, ValueError):
        return {}  # a broken file is replaced (load() said so in the log)
    return data if isinstance(data, dict) else {}


def _valid(data: dict[str, Any]) -> dict[str, Any]:
    """The declared settings of *data* whose values fit; others are logged and dropped."""
    from muzaic_studio.settings.declared import SETTINGS

    out: dict[str, Any] = {}
    for name, raw in data.items():
        setting = SETTINGS.get(name)
        if setting is None:
            continue
        try:
            out[name] = setting.parse(raw)
        except SettingError as exc:
            log.warning("ignoring a saved setting: %s", exc)
    return out


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")

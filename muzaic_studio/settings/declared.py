"""Every setting a user or a script chooses, declared once: name, type, default, and the
environment variable that may override it.

The GUI (Preferences, the export dialog, autosave, scene detection) and the CLI read these
declarations; nothing else spells a setting's name, type or default. A value from a file,
the environment or an old QSettings INI goes through `Setting.parse`, so a hand-edited
file with a wrong type falls back to the default instead of breaking the app.

Not declared here: window geometry, window state and dock layout, which are Qt blobs and
stay in the GUI's QSettings file (ui/settings.py); and the API key, which lives in the
system keyring only (api/credentials.py), never in a settings file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from muzaic_studio.api.address import API_URL_ENV
from muzaic_studio.video.scenes import DEFAULT_THRESHOLD


class SettingError(ValueError):
    """A value that does not fit its setting; the message names the setting and the rule."""


@dataclass(frozen=True, eq=False)  # each setting is one object: hashed and compared by identity
class Setting:
    """One setting: `name` is its key in the settings file ("group.key")."""

    name: str
    type: type  # str, int, float, bool or list (of str)
    default: Any
    doc: str
    env: str | None = None  # an environment variable that wins over the saved value
    choices: tuple[Any, ...] | None = None
    optional: bool = False  # None is a value (e.g. "no loudness target")
    check: Callable[[Any], bool] | None = None
    rule: str = ""  # what `check` wants, in words, for the error message

    def parse(self, raw: Any) -> Any:
        """*raw* (JSON value, or text from the environment or an INI file) as this
        setting's type; SettingError when it does not fit."""
        if raw is None or (self.optional and raw == ""):
            if self.optional:
                return None
            raise SettingError(f"{self.name} needs a value")
        try:
            value = _coerce(self.type, raw)
        except (TypeError, ValueError):
            raise SettingError(
                f"{self.name} must be {_TYPE_WORDS[self.type]} (it is {raw!r})"
            ) from None
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join("none" if c is None else str(c) for c in self.choices)
            raise SettingError(f"{self.name} must be one of {allowed} (it is {raw!r})")
        if self.check is not None and not self.check(value):
            raise SettingError(f"{self.name} must be {self.rule} (it is {raw!r})")
        return value


_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list of text"}  # fmt: skip


def _coerce(kind: type, raw: Any) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValueError(raw)
    if kind is list:
        if isinstance(raw, str):  # QSettings writes a one-item list as the item
            return [raw] if raw else []
        if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
            raise TypeError(raw)
        return list(raw)
    if kind in (int, float) and isinstance(raw, bool):
        raise TypeError(raw)
    if kind is int and isinstance(raw, float) and not raw.is_integer():
        raise ValueError(raw)
    if kind is str:
        if not isinstance(raw, str):
            raise TypeError(raw)
        return raw.strip()
    value = kind(raw.strip() if isinstance(raw, str) else raw)
    if kind is float and not math.isfinite(value):
        raise ValueError(raw)
    return value


BACKEND_KINDS = ("auto", "offline", "cloud")

BACKEND = Setting(
    "backend.kind", str, "auto",
    "Which backend renders: auto (the cloud when an API key is set, else the offline "
    "engine), offline or cloud.",
    env="MUZAIC_BACKEND", choices=BACKEND_KINDS,
)  # fmt: skip
API_URL = Setting(
    "backend.api_url", str, "",
    "The Muzaic API address; empty: the public server.",
    env=API_URL_ENV,
)  # fmt: skip
ORIGIN = Setting(
    "backend.origin", str, "",
    "The origin renders are sent to (/soundtrack/ORIGIN); empty: none.",
    env="MUZAIC_ORIGIN",
)  # fmt: skip
EXPORT_FORMAT = Setting(
    "export.format", str, "mp3", "The audio export's format, as last chosen.",
    choices=("mp3", "wav"),
)  # fmt: skip
EXPORT_LOUDNESS = Setting(
    "export.loudness_target", float, None,
    "The audio export's master loudness in LUFS, as last chosen; none: as mixed.",
    optional=True, check=lambda v: v is None or -40.0 <= v <= -5.0,
    rule="between -40 and -5 LUFS",
)  # fmt: skip
AUTOSAVE_SECONDS = Setting(
    "autosave.interval_seconds", int, 30,
    "How often unsaved changes are written to the autosave file.",
    check=lambda v: 5 <= v <= 3600, rule="between 5 and 3600 seconds",
)  # fmt: skip
SCENE_THRESHOLD = Setting(
    "video.scene_threshold", float, DEFAULT_THRESHOLD,
    "Scene detection's sensitivity (ffmpeg scene score; lower finds more cuts).",
    check=lambda v: 0.0 < v < 1.0, rule="between 0 and 1",
)  # fmt: skip
MIN_SCENE_SECONDS = Setting(
    "video.min_scene_seconds", float, 2.0,
    "Regions from Scenes joins scenes shorter than this to the next one.",
    check=lambda v: 0.5 <= v <= 120.0, rule="between 0.5 and 120 seconds",
)  # fmt: skip
RECENT_FILES = Setting(
    "recent.files", list, [], "The projects opened last, newest first."
)  # fmt: skip

SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        BACKEND,
        API_URL,
        ORIGIN,
        EXPORT_FORMAT,
        EXPORT_LOUDNESS,
        AUTOSAVE_SECONDS,
        SCENE_THRESHOLD,
        MIN_SCENE_SECONDS,
        RECENT_FILES,
    )
}

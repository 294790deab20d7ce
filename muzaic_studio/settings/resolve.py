"""Which value of a setting wins, and why: flag > environment > saved setting > default.

The same order for the GUI and the CLI, so `muzaic-studio render` on a machine where the
editor chose the cloud renders there too, an environment variable (CI, one shell) wins
over what was saved, and a command-line flag wins over everything. The answer keeps its
source, so a command can say why it uses what it uses.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from muzaic_studio.settings.declared import Setting
from muzaic_studio.settings.store import Saved

SOURCES = ("flag", "env", "saved", "default")


@dataclass(frozen=True)
class Resolved:
    """A setting's value in effect, where it came from (one of SOURCES) and the detail:
    the flag's or the variable's name, or the settings file."""

    setting: Setting
    value: Any
    source: str
    detail: str = ""

    def describe(self) -> str:
        """Where the value comes from, for a message: "--offline", "MUZAIC_BACKEND", ..."""
        if self.source == "flag":
            return self.detail
        if self.source == "env":
            return f"${self.detail}"
        if self.source == "saved":
            return f"saved in {self.detail}" if self.detail else "saved"
        return "the default"


def resolve(
    setting: Setting,
    saved: Saved,
    *,
    flag: Any = None,
    flag_name: str = "",
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    """*setting*'s value in effect. *flag* is the command line's value (None: not given).
    A flag or variable that does not fit raises SettingError (naming it); a bad saved
    value was already dropped by the store."""
    if flag is not None:
        return Resolved(setting, setting.parse(flag), "flag", flag_name)
    env = os.environ if environ is None else environ
    raw = env.get(setting.env, "").strip() if setting.env else ""
    if setting.env and raw:
        return Resolved(setting, setting.parse(raw), "env", setting.env)
    if saved.has(setting):
        return Resolved(setting, saved.get(setting), "saved", str(saved.path or ""))
    return Resolved(setting, copy.copy(setting.default), "default")

"""The backend settings (kind, API address, origin): what Preferences edits and what the
CLI reads, resolved by the same precedence (resolve.py).

`BackendSettings` is the saved choice, as the Preferences dialog shows and edits it.
`EffectiveBackend` is what is in effect once flags and the environment are applied,
with the source of each value, so `muzaic-studio render` and Preferences can say why.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from muzaic_studio.settings import store
from muzaic_studio.settings.declared import API_URL, BACKEND, BACKEND_KINDS, ORIGIN, SettingError
from muzaic_studio.settings.resolve import Resolved, resolve

log = logging.getLogger(__name__)

KINDS = BACKEND_KINDS
OFFLINE_FOR_KIND: dict[str, bool | None] = {"auto": None, "offline": True, "cloud": False}


@dataclass(frozen=True)
class EffectiveBackend:
    """The backend settings in effect, each with its source."""

    kind: Resolved
    api_url: Resolved
    origin: Resolved

    @property
    def offline(self) -> bool | None:
        """backends.choose_backend's `offline`: True, False (cloud) or None (automatic)."""
        return OFFLINE_FOR_KIND[self.kind.value]

    def from_environment(self) -> list[str]:
        """The environment variables that win over the saved settings here."""
        return [r.detail for r in (self.kind, self.api_url, self.origin) if r.source == "env"]

    def why(self) -> str:
        """Where the choice comes from, e.g. "cloud: saved in ~/.config/...; address: $MUZAIC_API_URL"."""
        kind = self.kind
        parts = [f"{'automatic' if kind.value == 'auto' else kind.value}: {kind.describe()}"]
        if kind.value != "offline":
            parts += [f"{name}: {r.describe()}" for name, r in
                      (("address", self.api_url), ("origin", self.origin)) if r.value]  # fmt: skip
        return "; ".join(parts)


def resolve_backend(
    saved: store.Saved,
    *,
    offline: bool = False,
    api_url: str | None = None,
    origin: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> EffectiveBackend:
    """The backend settings in effect. The flags: --offline means the offline engine; an
    explicit --api-url or --origin means the cloud (no silent fallback to the engine)."""
    if offline:
        kind = resolve(BACKEND, saved, flag="offline", flag_name="--offline", environ=environ)
    elif api_url or origin:
        name = "--api-url" if api_url else "--origin"
        kind = resolve(BACKEND, saved, flag="cloud", flag_name=name, environ=environ)
    else:
        kind = resolve(BACKEND, saved, environ=environ)
    return EffectiveBackend(
        kind,
        resolve(API_URL, saved, flag=api_url or None, flag_name="--api-url", environ=environ),
        resolve(ORIGIN, saved, flag=origin or None, flag_name="--origin", environ=environ),
    )


@dataclass
class BackendSettings:
    """The saved backend choice, as Preferences shows and edits it."""

    kind: str = "auto"  # "auto" until the user chooses: cloud with a key, else offline
    api_url: str = ""  # empty: the public server (unless MUZAIC_API_URL says otherwise)
    origin: str = ""

    @classmethod
    def load(cls) -> BackendSettings:
        saved = store.load()
        return cls(saved.get(BACKEND), saved.get(API_URL), saved.get(ORIGIN))

    def save(self) -> None:
        store.save({BACKEND: self.kind, API_URL: self.api_url, ORIGIN: self.origin})

    def in_effect(self, environ: Mapping[str, str] | None = None) -> EffectiveBackend:
        """These settings as the saved layer, with the environment applied over them."""
        values = {BACKEND.name: self.kind, API_URL.name: self.api_url, ORIGIN.name: self.origin}
        defaults = {s.name: s.default for s in (BACKEND, API_URL, ORIGIN)}
        saved = store.Saved({k: v for k, v in values.items() if v != defaults[k]})
        return resolve_backend(saved, environ=usable_environ(environ))

    def resolved_url(self) -> str:
        """The address renders go to: $MUZAIC_API_URL, else the saved one, else the public server."""
        from muzaic_studio.api.address import api_url

        return api_url(self.in_effect().api_url.value or None)

    def resolved_origin(self) -> str | None:
        return self.in_effect().origin.value or None


def usable_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without backend variables whose values do not fit (logged): the
    editor has no command line to refuse them on, so it falls back to the saved choice."""
    env = dict(os.environ if environ is None else environ)
    for setting in (BACKEND, API_URL, ORIGIN):
        raw = env.get(setting.env or "", "").strip()
        if raw:
            try:
                setting.parse(raw)
            except SettingError as exc:
                log.warning("ignoring $%s: %s", setting.env, exc)
                env.pop(setting.env or "")
    return env

"""What a bug report needs: versions, platform, folders and the end of the log.

`versions()` feeds Help > About; `collect_report()` is the text Help > Report a problem
shows and copies. Plain Python: Qt's version is read from the already loaded Qt (never
imported here), the engine version only if the engine defines one, ffmpeg is asked for
its version with a short timeout, and the log tail goes through the same redaction as
the log itself, so the report never carries an API key.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import os
import platform
import subprocess
import sys

import muzaic_studio
from muzaic_studio import logging_setup, paths

UNKNOWN = "not available"
PENDING = "checking…"
LOG_LINES = 40


def _qt_versions() -> tuple[str, str]:
    """(Qt runtime version, PySide6 version) of the Qt this process has loaded.

    Qt is never imported here (only muzaic_studio/ui imports it): in the GUI it is
    already loaded and read from ``sys.modules``; in a CLI process the installed PySide6
    is named from its package metadata, and the Qt runtime is "not loaded".
    """
    qtcore = sys.modules.get("PySide6.QtCore")
    pyside = sys.modules.get("PySide6")
    if qtcore is not None and pyside is not None:
        return qtcore.qVersion(), getattr(pyside, "__version__", UNKNOWN)
    try:
        installed = importlib.metadata.version("PySide6")
    except importlib.metadata.PackageNotFoundError:
        return "not loaded", UNKNOWN
    return "not loaded", f"{installed} (installed)"


def _engine_version() -> str:
    try:
        engine = importlib.import_module("muzaic_studio.engine")
    except Exception as exc:
        return f"{UNKNOWN} ({type(exc).__name__})"
    return str(getattr(engine, "ENGINE_VERSION", UNKNOWN))


@functools.cache
def ffmpeg_version() -> str:
    """First line of ``ffmpeg -version`` for the binary the app uses, e.g. 'ffmpeg version 7.1'."""
    try:
        from muzaic_studio.audio.ffmpeg import ffmpeg_exe

        exe = ffmpeg_exe()
        out = subprocess.run(
            [exe, "-hide_banner", "-version"], capture_output=True, timeout=10, check=False
        )
    except Exception as exc:
        return f"{UNKNOWN} ({type(exc).__name__}: {exc})"
    first = out.stdout.decode("utf-8", "replace").splitlines()[:1]
    if not first:
        return f"{UNKNOWN} (exit {out.returncode})"
    # "ffmpeg version 7.1-static https://... Copyright ..." -> keep up to the copyright.
    return first[0].split(" Copyright")[0].strip()


def os_name() -> str:
    if sys.platform.startswith("linux"):
        try:
            release = platform.freedesktop_os_release()
            name = release.get("PRETTY_NAME") or release.get("NAME", "Linux")
        except OSError:
            name = "Linux"
        return f"{name} (kernel {platform.release()}, {platform.machine()})"
    return f"{platform.system()} {platform.release()} ({platform.machine()})"


def versions(quick: bool = False) -> dict[str, str]:
    """Name -> version of everything that decides how the app behaves, in display order.

    *quick* skips the two slow ones (importing the engine, running ffmpeg), which then
    read PENDING: for a dialog that shows the rest at once and fills those in later.
    """
    qt, pyside = _qt_versions()
    return {
        "Muzaic Studio": muzaic_studio.__version__,
        "API contract": getattr(muzaic_studio, "API_VERSION", UNKNOWN),
        "Offline engine": PENDING if quick else _engine_version(),
        "Qt": qt,
        "PySide6": pyside,
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "ffmpeg": PENDING if quick else ffmpeg_version(),
        "OS": os_name(),
    }


def folders() -> dict[str, str]:
    return {
        "Log file": str(logging_setup.log_path()),
        "Cache": str(paths.cache_dir()),
        "Data": str(paths.data_dir()),
        "Config": str(paths.config_dir()),
    }


def _environment() -> dict[str, str]:
    """Facts that change behaviour, never values that could be secret."""
    frozen = bool(getattr(sys, "frozen", False))
    return {
        "Build": "packaged app" if frozen else f"from source ({sys.prefix})",
        "API key in environment": "yes" if os.environ.get(logging_setup.KEY_ENV) else "no",
        "Qt platform": os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("XDG_SESSION_TYPE")
        or "default",
    }


def _settings() -> dict[str, str]:
    """The choices in effect and where each comes from (recent files left out: they name
    the user's projects)."""
    from muzaic_studio import settings

    saved = settings.load()
    out: dict[str, str] = {}
    for name, setting in settings.SETTINGS.items():
        if setting.type is list:
            continue
        try:
            got = settings.resolve(setting, saved)
        except settings.SettingError as exc:
            out[name] = str(exc)
            continue
        source = f"${got.detail}" if got.source == "env" else got.source
        out[name] = f"{got.value!r} ({source})"
    return out


def collect_report(log_lines: int = LOG_LINES) -> str:
    """A plain-text report to paste into an issue: versions, folders, the log's last lines."""
    sections = [
        ("Versions", versions()),
        ("Environment", _environment()),
        ("Settings", _settings()),
        ("Folders", folders()),
    ]
    out = ["Muzaic Studio problem report", ""]
    for title, items in sections:
        out.append(f"== {title}")
        width = max(len(k) for k in items)
        out += [f"{k.ljust(width)} : {v}" for k, v in items.items()]
        out.append("")
    tail = logging_setup.tail(log_lines)
    out.append(f"== Log (last {len(tail)} lines)")
    out += tail or ["(the log is empty)"]
    return logging_setup.redact("\n".join(out)) + "\n"

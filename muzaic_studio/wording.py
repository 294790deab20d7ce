"""How the app words counts and lengths: one spelling for the CLI, the GUI and the engine.

Plain functions without Qt, so a message reads the same wherever it is shown.
"""

from __future__ import annotations


def plural(n: int, noun: str, *, bare_one: bool = False) -> str:
    """ "1 region" / "3 regions"; with *bare_one*, "region" for one (undo labels:
    "Delete region", "Delete 3 regions")."""
    if n == 1:
        return noun if bare_one else f"1 {noun}"
    return f"{n} {noun}s"


def clock(seconds: float) -> str:
    """A length on a clock, to the second: 0:05, 1:15, 1:02:03."""
    hours, rest = divmod(round(max(0.0, seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_seconds(seconds: float) -> str:
    """A short wait or a sound: "4.2 s" under a minute (tenths matter), else the clock."""
    return f"{seconds:.1f} s" if seconds < 60 else clock(seconds)


def file_stem(title: str, fallback: str = "soundtrack") -> str:
    """A project's title as a file name that every disk takes: "Demo: a score" becomes
    "Demo - a score" (a colon, slash or `<>"|?*` breaks FAT, SMB and Windows disks)."""
    stem = title.replace(": ", " - ")
    stem = "".join("_" if c in '<>:"/\\|?*' or ord(c) < 32 else c for c in stem)
    return stem.strip(" .") or fallback

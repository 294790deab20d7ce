"""Child processes as the tests see them (Linux /proc, POSIX signals): whether one still
exists or runs, and which a process started; for the tests that check a kill."""

from __future__ import annotations

import os


def exists(pid: int) -> bool:
    """True while the process exists, a zombie included: a killed child counts as gone
    only once its parent has reaped it (waited for it), which is what the app promises."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def running(pid: int) -> bool:
    """Running, not a zombie: an orphan's zombie stays in /proc until an init reaps it,
    and a container's PID 1 may never do that."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def children(pid: int, program: str | None = None) -> list[int]:
    """The processes whose parent is *pid*; with *program*, only those started as it
    (their argv[0])."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and int(fields[1]) == pid:
                out.append(int(entry))
    if program is not None:
        out = [p for p in out if _argv0(p) == program]
    return out


def _argv0(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0", 1)[0].decode()
    except OSError:
        return None

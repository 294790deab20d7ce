"""Whether a child process still exists, for tests that check a kill (POSIX)."""

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

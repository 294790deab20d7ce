"""glibc malloc settings for a long-running GUI that streams big buffers through threads.

Why: glibc raises its mmap threshold every time a large block is freed (up to 32 MB).
Once the body of a render response (29 MB for 20 minutes) has been freed, every later
buffer below that size - the decoder's 512 KiB chunks, numpy temporaries on worker
threads - comes from the heap arenas instead of mmap, and the arenas keep those pages:
+30 MB of RSS with a 20-minute soundtrack shown (bench/bench_app_memory.py, issue 17).
A fixed threshold keeps big buffers in mmap, given back to the system when freed.
Small allocations (Python objects) are untouched. Elsewhere (macOS, Windows, musl)
this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any

#: mallopt's parameter number for the mmap threshold (malloc.h).
M_MMAP_THRESHOLD = -3
#: glibc's own initial threshold; setting it explicitly turns off the dynamic raise.
THRESHOLD = 128 * 1024


@functools.cache
def _libc() -> Any:
    """glibc's malloc controls, or None where there are none (macOS, Windows, musl).
    The one place that reaches them: the GUI here, the engine in engine/heap.py."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc
        return None


def set_mmap_threshold(size: int) -> bool:
    """Blocks of *size* bytes and more get mappings of their own; True when it was set."""
    libc = _libc()
    return libc is not None and bool(libc.mallopt(M_MMAP_THRESHOLD, size))


def tune_malloc() -> bool:
    """Fix glibc's mmap threshold; True when it was set."""
    return set_mmap_threshold(THRESHOLD)


def release_free_memory() -> bool:
    """Hand the pages malloc keeps free back to the system (glibc's malloc_trim); True
    when some were released.

    Why: a render's worker threads free their many mid-sized buffers (decode chunks,
    request and response copies) into their own malloc arenas, which keep those pages
    resident: ~5 MB of RSS with a 20-minute soundtrack shown (issue 17). Called once a
    render is over, it takes a few milliseconds. Elsewhere (macOS, Windows, musl) this
    does nothing.
    """
    libc = _libc()
    return libc is not None and bool(libc.malloc_trim(0))

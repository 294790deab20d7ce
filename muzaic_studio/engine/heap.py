"""glibc heap settings for a long-lived engine process (`serve`, the GUI's engine child).

A render allocates ~100 MB of short-lived buffers per 30 s segment (layer buses, reverb,
FluidSynth output). glibc's mmap threshold is dynamic: once a freed mmapped block was
that big, later blocks up to 32 MB come from the threads' malloc arenas instead, and a
freed arena block is rarely given back. A server process then sat at 300-500 MB after a
few ordinary renders (measured: 54 MB idle, 507 MB after five renders, of which
malloc_trim returned 250 MB). A fixed 1 MB threshold sends every large buffer to its own
mapping, returned to the system when freed (measured: 262 MB after the same renders, for
~0.1 s more CPU per minute of music in page faults); a trim after each render returns
what small blocks left. A one-shot `render` sets it only for a long soundtrack (the core's
in-place size, ~6 minutes): a 1200 s render then peaked at ~350 MB instead of ~425 MB (and
at ~170 MB since the mix itself lives in a file mapping, engine/pages.py).
"""

from __future__ import annotations

import ctypes
import functools
import logging
from typing import Any

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt parameter numbers (malloc.h)
MMAP_THRESHOLD = 1 << 20


@functools.cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return None


def long_lived() -> None:
    """Large buffers in mappings of their own, for a process that renders many times."""
    libc = _libc()
    if libc is not None and not libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        log.info("mallopt(M_MMAP_THRESHOLD) refused")


def trim() -> None:
    """Give freed heap memory back to the system (after a render)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)

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

import logging

from muzaic_studio.malloc_tune import release_free_memory, set_mmap_threshold

log = logging.getLogger(__name__)

MMAP_THRESHOLD = 1 << 20


def long_lived() -> None:
    """Large buffers in mappings of their own, for a process that renders many times."""
    if not set_mmap_threshold(MMAP_THRESHOLD):
        log.info("mallopt(M_MMAP_THRESHOLD) not set (refused, or not glibc)")


def trim() -> None:
    """Give freed heap memory back to the system (after a render)."""
    release_free_memory()

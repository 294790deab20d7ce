"""A long soundtrack's buffer in a file mapping, whose finished pages leave the process.

Why: a 20-minute mix is 212 MB of int16, written segment by segment, then stored, (maybe)
normalised and encoded 30 s at a time; held in anonymous memory, all of it stays resident
until the encoder is done, on top of the render's working set (a 1200 s render peaked at
350-490 MB). In a shared mapping of an unlinked file, a page that is done for now can be
dropped from this process (MADV_DONTNEED): its contents stay in the file (the kernel's
page cache, written back and reclaimable), and touching it again reads it back. So
`release` is always safe, only a hint; it does nothing to an ordinary array.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import tempfile
import threading
import weakref
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_maps: dict[int, tuple[int, mmap.mmap]] = {}  # start address -> (length, mapping)
_lock = threading.Lock()


def zeros(shape: tuple[int, ...], dtype: type, folder: Path) -> np.ndarray:
    """np.zeros(shape, dtype), backed by an unlinked file in `folder` (falls back to
    np.zeros where no file can be made). The file goes when the array does."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    try:
        with tempfile.TemporaryFile(dir=folder) as f:  # unlinked: nothing left behind
            # blocks reserved now (read as zeros): a full disk fails here, not as a SIGBUS
            # when a page of the mapping is first written
            os.posix_fallocate(f.fileno(), 0, nbytes)
            mm = mmap.mmap(f.fileno(), nbytes)  # shared: a dropped page keeps its data
    except (OSError, ValueError):
        log.info("no file mapping in %s: the mix stays in memory", folder, exc_info=True)
        return np.zeros(shape, dtype)
    arr: np.ndarray = np.frombuffer(mm, dtype=dtype).reshape(shape)
    start = arr.__array_interface__["data"][0]
    with _lock:
        _maps[start] = (nbytes, mm)
    # forgotten when the array goes (the mapping itself closes with its last view)
    weakref.finalize(arr, _forget, start)
    return arr


def _forget(start: int) -> None:
    with _lock:
        _maps.pop(start, None)


def release(view: np.ndarray) -> None:
    """Drop the whole pages of `view` (part of a `zeros` array) from this process's
    resident memory; their contents stay. No-op for any other array."""
    if not _maps or view.size == 0:
        return
    lo = view.__array_interface__["data"][0]
    span = sum((n - 1) * abs(s) for n, s in zip(view.shape, view.strides, strict=True))
    hi = lo + span + view.itemsize
    with _lock:
        for start, (length, mm) in _maps.items():
            if start <= lo and hi <= start + length:
                page = mmap.PAGESIZE
                a = -(-(lo - start) // page) * page
                b = (hi - start) // page * page
                if b > a:
                    with contextlib.suppress(OSError, ValueError):
                        mm.madvise(mmap.MADV_DONTNEED, a, b - a)
                return

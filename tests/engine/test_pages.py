"""engine/pages.py: a long mix's finished pages leave the process and keep their data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from muzaic_studio.engine import pages


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_released_pages_leave_the_process_and_keep_their_samples(tmp_path):
    x = pages.zeros((8 << 20, 2), np.int16, tmp_path)  # 32 MB
    assert x[:: 1 << 16].sum() == 0 and x.flags.writeable
    x[:] = (np.arange(len(x), dtype=np.int32) % 30011)[:, None]
    filled = _rss_mb()
    pages.release(x[: len(x) // 2])
    pages.release(x[len(x) // 2 :])
    assert filled - _rss_mb() > 24  # released: gone from this process
    assert list(tmp_path.iterdir()) == []  # an unlinked file: nothing left behind
    assert np.array_equal(x[:, 1], np.arange(len(x)) % 30011)  # read back from the file


def test_release_of_a_part_keeps_the_pages_it_shares_with_its_neighbours(tmp_path):
    x = pages.zeros((100_000, 2), np.int16, tmp_path)
    x[:] = 7
    pages.release(x[1:99_999])  # partial pages at both ends stay as they are
    x[0] = 1
    x[-1] = 2
    assert x[0, 0] == 1 and x[-1, 1] == 2 and (x[1:-1] == 7).all()


def test_release_ignores_ordinary_arrays():
    y = np.ones((100_000, 2), np.int16)
    pages.release(y)
    assert (y == 1).all()

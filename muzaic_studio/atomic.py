"""Atomic file writes shared by project saves and audio exports.

A crash, a full disk or a read-only folder must never leave a half-written file where the
user's work was: write a temp file in the same folder, fsync it, then os.replace it.

The replaced file should otherwise look as if it had been written in place:
* a symlink is followed, so the file it points to is replaced and the link stays;
* an existing file keeps its permission bits (set on the temp file before the rename);
  a new one gets 0666 minus the user's umask, like any file a program creates;
* temp files of this name left by a crash (kill -9 mid-save) are removed at the next save
  once they are an hour old (a younger one may be another process's save in progress).
The rename gives the file a new inode, so a hard link to the old file keeps the old
content: that is the price of never showing a half-written file (see the README).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

STALE_TEMP_SECONDS = 3600.0


class WriteError(OSError):
    """A save that failed; the message says why in words a user understands."""


def describe_os_error(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ENOSPC:
        return f"Not enough disk space to write {path}. Free some space and try again."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write {path}: the folder is read-only or you lack permission."
    if exc.errno == errno.ENOENT:
        return f"Cannot write {path}: the folder does not exist."
    return f"Cannot write {path}: {exc.strerror or exc}"


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file; on success it replaces *path*, on any error nothing changes."""
    target = Path(os.path.realpath(path))  # through symlinks: replace what they point to
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise WriteError(exc.errno, describe_os_error(exc, target)) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):  # POSIX; Windows has no mode bits to keep
                os.fchmod(fh.fileno(), mode)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        remove_stale_temps(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(exc.errno, describe_os_error(exc, target)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux /proc);
    os.umask() must set a value to read one, which races with other threads."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def remove_stale_temps(target: Path, older_than: float = STALE_TEMP_SECONDS) -> int:
    """Remove this file's temp files (`.NAME.XXXXXXXX.tmp`) older than *older_than* s."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")
    limit = time.time() - older_than
    removed = 0
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
                    removed += 1
    return removed


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_writer(path) as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))

"""Run a command with a tiny, full filesystem mounted on one folder (a real ENOSPC).

The mount lives in a private mount namespace (`unshare --user --map-root-user --mount`),
so no root is needed and nothing outside the command sees it; the network is shared, so
the command reaches servers on 127.0.0.1. Tests skip where user namespaces are off.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

SIZE_KB = 64


def on_full_disk(
    folder: Path, command: list[str], env: dict[str, str], setup: str = "", after: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run *command* with a 64 KiB tmpfs on *folder*, filled up after *setup* (shell
    commands run on the fresh mount, e.g. to put a previous file there); *after* runs
    while the mount is still there (e.g. `cat` what is left); the exit code is command's."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) on this machine")
    folder.mkdir(parents=True, exist_ok=True)
    d = shlex.quote(str(folder))
    script = (
        f"mount -t tmpfs -o size={SIZE_KB}k tmpfs {d} || exit 97\n{setup}\n"
        f"cat /dev/zero > {d}/filler 2>/dev/null\n"  # stops at the first byte that won't fit
        f"{shlex.join(command)}\nrc=$?\n{after}\nexit $rc"
    )
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user namespaces are off: no private tmpfs to fill")
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    if proc.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    return proc

"""Helpers for the packaging tests: the desktop tools they need, never skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
DESKTOP = LINUX / "muzaic-studio.desktop"
METAINFO = LINUX / "ai.muzaic.studio.metainfo.xml"
MIME_XML = LINUX / "muzaic-studio-mime.xml"

# Debian package of each tool (scripts/debian-deps.sh installs them for `make test`).
TOOLS = {
    "desktop-file-validate": "desktop-file-utils",
    "appstreamcli": "appstream",
    "update-mime-database": "shared-mime-info",
}


def require_tool(name: str) -> str:
    """The tool's path; a failure (not a skip) with the install line when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed; these tests validate the desktop files with it. "
            f"Install it: sudo apt-get update && sudo apt-get install -y {TOOLS[name]} "
            "(or run `bash scripts/debian-deps.sh`)."
        )
    return path

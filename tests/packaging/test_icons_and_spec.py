"""The application icon set, and the PyInstaller spec's exclusions against real imports."""

from __future__ import annotations

import ast
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.packaging.conftest import PACKAGING, ROOT

ICONS = ROOT / "resources" / "icons"
EXPECTED_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_icons_exist_at_every_declared_size():
    for size in EXPECTED_SIZES:
        path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "muzaic-studio.png"
        assert path.is_file(), path
        assert png_size(path) == (size, size)
    declared = ast.literal_eval(
        re.search(r"^SIZES = (\(.*\))$", (PACKAGING / "render_icons.py").read_text(), re.M)[1]
    )
    assert tuple(declared) == EXPECTED_SIZES


def test_svg_icon_is_valid_and_shipped_as_package_data():
    svg = ICONS / "muzaic-studio.svg"
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 128 128"
    assert (ROOT / "muzaic_studio" / "data" / "muzaic-studio.svg").read_bytes() == svg.read_bytes()


def excluded_qt_modules() -> list[str]:
    tree = ast.parse((PACKAGING / "muzaic-studio.spec").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "UNUSED_QT":
            return ast.literal_eval(node.value)
    raise AssertionError("UNUSED_QT not found in the spec")


def test_spec_excludes_no_qt_module_the_app_imports():
    """Using a new Qt module (say QtCharts) must come with removing it from the excludes."""
    imported = set()
    for path in (ROOT / "muzaic_studio").rglob("*.py"):
        imported |= set(
            re.findall(r"PySide6\.(Qt\w+)|from PySide6 import (Qt\w+)", path.read_text())
        )
    used = {name for pair in imported for name in pair if name}
    assert {"QtCore", "QtWidgets", "QtMultimedia"} <= used
    clash = used & set(excluded_qt_modules())
    assert not clash, f"remove {sorted(clash)} from UNUSED_QT in packaging/muzaic-studio.spec"

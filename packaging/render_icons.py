"""Render the application icon PNGs from resources/icons/muzaic-studio.svg.

Run from the repository root after editing the SVG:

    .venv/bin/python packaging/render_icons.py

Writes resources/icons/hicolor/<N>x<N>/apps/muzaic-studio.png for every size in SIZES
(the freedesktop hicolor layout, so install-local.sh copies the tree as it is) and copies
the SVG to muzaic_studio/data/muzaic-studio.svg, the running app's window icon. Uses
QSvgRenderer from the PySide6 the app already depends on, so no extra tool is needed;
the PNGs are committed, so building the app does not need to run this.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "muzaic-studio.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
APP_ICON = ROOT / "muzaic_studio" / "data" / "muzaic-studio.svg"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
NAME = "muzaic-studio.png"


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / NAME


def render(svg: Path = SVG, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        out = png_path(size)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            raise SystemExit(f"could not write {out}")
        written.append(out)
    return written


def main() -> int:
    for path in render():
        print(path.relative_to(ROOT))
    shutil.copyfile(SVG, APP_ICON)
    print(APP_ICON.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

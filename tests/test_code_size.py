"""Size limits of the code (issue 12 item 5): no module in muzaic_studio/ over 500 lines,
no class over 300. A class past the limit does more than one job; split it along its
seams into objects it owns (see ui/render/workflow.py), not at a line count.

Read with `ast` only: no import of the package, so this runs without Qt.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "muzaic_studio"
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 300

#: Classes still over the limit, being split on other branches of issue 12. Delete an
#: entry when its class is split: the test fails while an entry is no longer needed.
KNOWN_LARGE_CLASSES: set[tuple[str, str]] = set()


def module_lines() -> dict[str, int]:
    return {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def class_lines() -> dict[tuple[str, str], int]:
    """(module, class name) -> lines from `class` to its last statement, nested included."""
    sizes = {}
    for p in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                where = (p.relative_to(PACKAGE).as_posix(), node.name)
                sizes[where] = node.end_lineno - node.lineno + 1
    return sizes


def test_the_measure_sees_the_package():
    """Guards the guard: an empty or wrong folder would pass everything below."""
    modules = module_lines()
    assert "ui/window/main_window.py" in modules and len(modules) > 100
    assert class_lines()[("ui/window/main_window.py", "MainWindow")] > 100


def test_no_module_over_500_lines():
    over = {name: n for name, n in module_lines().items() if n > MAX_MODULE_LINES}
    assert not over, f"modules over {MAX_MODULE_LINES} lines (split by job): {over}"


def test_no_class_over_300_lines():
    sizes = class_lines()
    over = {k: n for k, n in sizes.items() if n > MAX_CLASS_LINES and k not in KNOWN_LARGE_CLASSES}
    assert not over, f"classes over {MAX_CLASS_LINES} lines (split along their seams): {over}"
    fixed = {k for k in KNOWN_LARGE_CLASSES if sizes.get(k, 0) <= MAX_CLASS_LINES}
    assert not fixed, f"no longer over {MAX_CLASS_LINES} lines: delete from the list: {fixed}"

"""pytest plugin: run the Qt-free layers with PySide6 made unimportable.

`make test` runs the suite once more without Qt (`-p tests.without_qt`, tests/ui left
out): the model, contract, api, engine, audio, video, render and CLI must work where no Qt
is installed (a server, CI, the `serve` container). import-linter proves no module
imports Qt by name; this proves none does so at run time either (lazily, through a
plugin, or through a library that pulls it in).
"""

from __future__ import annotations

import importlib.abc
import sys

BLOCKED = ("PySide6", "shiboken6", "pytestqt")


class _NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked: this run proves the core needs no Qt")
        return None


def pytest_configure(config) -> None:
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
    if loaded:
        raise RuntimeError(f"Qt was imported before the block was installed: {loaded[:3]}")
    sys.meta_path.insert(0, _NoQt())

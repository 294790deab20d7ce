"""PySide6: the only layer that imports Qt.

One process-wide Qt setting lives here because it must precede every other import of the
GUI: PySide6 (shibokensupport's feature.py) looks for `from __feature__ import ...` in each
module imported after Qt by reading that module's whole source with inspect.getsource,
which keeps every line in linecache for the life of the process: ~15 MB of strings for
the app's imports (numpy, requests, jsonschema ...), and more time per import. The app
uses no __feature__ (snake_case / true_property), so the scan is switched off: every
module is treated as one without features, which is what it would have found.
"""

from __future__ import annotations

from typing import Any


def _skip_feature_source_scan() -> None:
    import sys

    import PySide6.QtCore  # noqa: F401  (loads shibokensupport)

    # a module found at run time: its attributes are unknown to the type checker
    feature: Any = sys.modules.get("PySide6.support.feature") or sys.modules.get(
        "shibokensupport.feature"
    )
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = lambda _module: False


_skip_feature_source_scan()

"""Suite-wide setup: headless Qt, and every user folder redirected into a temp dir.

Set before anything imports Qt or resolves paths, so no test touches the real user's
cache, autosave, hash library or keyring.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MUZAIC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="muzaic-test-home-")
os.environ.pop("MUZAIC_API_KEY", None)
os.environ.pop("MUZAIC_API_URL", None)
# A real desktop keyring must never be read or written by tests.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

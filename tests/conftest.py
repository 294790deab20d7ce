"""Suite-wide setup: headless Qt, and every user folder redirected into a temp dir.

Set before anything imports Qt or resolves paths, so no test touches the real user's
cache, autosave, hash library or keyring.
"""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MUZAIC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="muzaic-test-home-")
os.environ.pop("MUZAIC_API_KEY", None)
os.environ.pop("MUZAIC_API_URL", None)
# A real desktop keyring must never be read or written by tests.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"


@pytest.fixture
def memory_keyring():
    """An in-memory keyring in place of the suite's failing one, for one test."""
    import keyring

    from tests.fake_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)

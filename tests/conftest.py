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
# Nor the environment's backend choice (they win over saved settings, as in the app).
for _name in ("MUZAIC_API_URL", "MUZAIC_BACKEND", "MUZAIC_ORIGIN"):
    os.environ.pop(_name, None)
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


@pytest.fixture(autouse=True)
def fresh_saved_settings():
    """Every test starts without saved settings (settings.json), in the test home: a
    backend or address saved by an earlier test never chooses the next one's backend."""
    from muzaic_studio.paths import config_dir
    from muzaic_studio.settings import settings_path

    home = os.environ["MUZAIC_STUDIO_HOME"]
    assert config_dir().is_relative_to(home), "tests must not touch the user's config"
    settings_path().unlink(missing_ok=True)
    yield


@pytest.fixture(autouse=True)
def no_session_key():
    """A key typed "for this session" lives in the process: never let it reach the next test."""
    yield
    from muzaic_studio.api import credentials

    credentials.forget_session_key()

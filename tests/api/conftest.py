from __future__ import annotations

import keyring
import pytest

from tests.api.recording_server import RecordingServer
from tests.fake_keyring import MemoryKeyring


@pytest.fixture
def server():
    with RecordingServer() as srv:
        yield srv


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)

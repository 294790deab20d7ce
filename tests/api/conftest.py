from __future__ import annotations

import pytest

from tests.api.recording_server import RecordingServer


@pytest.fixture
def server():
    with RecordingServer() as srv:
        yield srv

"""Fixtures shared by the UI tests."""

from __future__ import annotations

import pytest

from tests.ui.render_support import EngineServer


@pytest.fixture(scope="module")
def engine_url():
    """The offline engine's loopback server, one per test module, unlimited tokens."""
    with EngineServer(tokens=None) as server:
        yield server.url

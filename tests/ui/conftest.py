"""Fixtures shared by the UI tests."""

from __future__ import annotations

import pytest

from tests.ui.render_support import EngineServer


@pytest.fixture(scope="module")
def engine_url():
    """The offline engine's loopback server, one per test module, unlimited tokens."""
    with EngineServer(tokens=None) as server:
        yield server.url


@pytest.fixture
def app_style(qapp):
    """The app's own style for pictures and style checks; the test app's look is restored after."""
    from muzaic_studio.ui.style import apply_style

    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    apply_style(qapp)
    yield
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


@pytest.fixture
def saved_settings():
    """For tests that choose a backend (a saved setting): the suite's choice is restored
    after, so later windows do not start on the cloud without a key."""
    from muzaic_studio.ui.preferences import BackendSettings

    before = BackendSettings.load()
    yield
    before.save()


@pytest.fixture(autouse=True)
def fresh_settings(fresh_saved_settings):
    """Every UI test starts with the app's settings as on a first start: a window state,
    dock size or backend saved by an earlier test never shapes the next one. The declared
    settings (settings.json) are removed by tests/conftest.py's fresh_saved_settings, the
    Qt-only ones (window geometry and state, in QSettings) here; both live in the test
    home (MUZAIC_STUDIO_HOME), never in the user's config folder."""
    from muzaic_studio.settings.store import QT_INI_NAME
    from muzaic_studio.ui.settings import app_settings

    settings = app_settings()
    assert settings.fileName().endswith(QT_INI_NAME)
    settings.clear()
    settings.sync()
    yield

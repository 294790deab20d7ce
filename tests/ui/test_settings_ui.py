"""The declared settings through the GUI: the old QSettings values migrated into the
window (and the CLI), and Preferences saving what the CLI then uses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QDialog

from muzaic_studio import settings
from muzaic_studio.cli import main
from muzaic_studio.settings.declared import MIN_SCENE_SECONDS, SCENE_THRESHOLD
from muzaic_studio.ui.dialogs.preferences import BackendSettings, PreferencesDialog
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.settings import app_settings
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.render_support import KEY, EngineServer

RECENT = ["/home/u/a b.muzaic", "/home/u/c,d.muzaic", '/home/ü/"e".muzaic']


@pytest.fixture
def server():
    with EngineServer(tokens=500) as srv:
        yield srv


def test_values_an_earlier_version_kept_in_qsettings_are_migrated(qtbot, capsys, memory_keyring):
    old = app_settings()  # written as the previous version wrote them
    old.setValue("backend/kind", "offline")
    old.setValue("backend/api_url", "http://127.0.0.1:9/api?x=1;y")
    old.setValue("backend/origin", 'web, "beta"')
    old.setValue("recentFiles", RECENT)
    old.setValue("video/scene_threshold", 0.18)
    old.setValue("video/min_scene_seconds", 2.5)
    old.setValue("window/geometry", QByteArray(b"\x01\x02blob"))
    old.sync()
    assert not settings.settings_path().exists()

    w = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(w)
    assert [a.toolTip() for a in w.menus["recent"].actions()][:3] == RECENT
    assert w.render_workflow.backends.settings == BackendSettings(
        "offline", "http://127.0.0.1:9/api?x=1;y", 'web, "beta"'
    )
    saved = settings.load()
    assert (saved.get(SCENE_THRESHOLD), saved.get(MIN_SCENE_SECONDS)) == (0.18, 2.5)
    w.render_workflow.shutdown()
    # The CLI sees the migrated choice too (the offline engine, as the editor chose).
    assert main(["account", "--json"]) == 0
    assert f"(offline: saved in {settings.settings_path()})" in capsys.readouterr().err


def test_preferences_save_what_the_cli_then_uses(qtbot, server, monkeypatch, capsys):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    w = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(w)
    wf = w.render_workflow

    def choose_cloud(dialog: PreferencesDialog) -> int:
        assert dialog.offline_radio.isChecked()  # a first start: nothing saved yet
        dialog.cloud_radio.setChecked(True)
        dialog.url_edit.setText(server.url)
        dialog.origin_edit.setText("studio")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PreferencesDialog, "exec", choose_cloud)
    with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
        wf.backend_choice.open_preferences()
    assert wf.controller.backend.name == "cloud" and wf.controller.backend.origin == "studio"
    assert BackendSettings.load() == BackendSettings("cloud", server.url, "studio")
    again = PreferencesDialog(BackendSettings.load())  # the next time it opens
    qtbot.addWidget(again)
    assert again.cloud_radio.isChecked() and again.url_edit.text() == server.url
    assert again.origin_edit.text() == "studio" and not again.env_label.isVisibleTo(again)
    wf.shutdown()

    assert main(["account"]) == 0
    out, err = capsys.readouterr()
    assert "Balance: 500 tokens" in out
    assert f"Muzaic cloud at {server.url} (origin studio) (cloud: saved in" in err


def test_preferences_say_when_the_environment_wins(qtbot, monkeypatch):
    monkeypatch.setenv("MUZAIC_API_URL", "http://127.0.0.1:9")
    dialog = PreferencesDialog(BackendSettings(kind="cloud", api_url="https://saved.example"))
    qtbot.addWidget(dialog)
    assert dialog.env_label.isVisibleTo(dialog)
    assert "$MUZAIC_API_URL" in dialog.env_label.text()
    assert dialog.url_edit.text() == "https://saved.example"  # the saved value, still editable

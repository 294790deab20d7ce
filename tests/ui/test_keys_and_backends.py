"""API key dialog and backend preferences: keyring, test against the server, fallbacks."""

from __future__ import annotations

import pytest

from muzaic_studio.api import credentials
from muzaic_studio.ui.dialogs.key import KeyDialog
from muzaic_studio.ui.dialogs.preferences import BackendManager, BackendSettings, PreferencesDialog
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.editor_helpers import wait_for_backend
from tests.ui.render_support import KEY, EngineServer


@pytest.fixture
def server():
    with EngineServer(tokens=500) as srv:
        yield srv


def test_without_a_keyring_the_dialog_says_how_to_fix_it(qtbot):
    # the suite runs with keyring's "fail" backend: no usable system keyring
    dialog = KeyDialog(BackendSettings())
    qtbot.addWidget(dialog)
    assert "Checking" in dialog.status_label.text()  # the keyring is asked off the GUI thread
    qtbot.waitSignal(dialog.statusShown, timeout=5000).wait()
    text = dialog.status_label.text()
    assert "No usable system keyring" in text and "keyrings.alt" in text
    assert credentials.ENV_VAR in text
    assert not dialog.save_button.isEnabled()
    dialog.key_edit.setText(KEY)
    dialog.save_key()  # even if forced, it reports instead of crashing
    qtbot.waitUntil(lambda: "keyring" in dialog.result_label.text().lower(), timeout=5000)


def test_store_test_and_clear_a_key(qtbot, memory_keyring, server):
    dialog = KeyDialog(BackendSettings(kind="cloud", api_url=server.url))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.status is not None, timeout=5000)
    assert dialog.save_button.isEnabled() and not dialog.clear_button.isEnabled()
    dialog.key_edit.setText(KEY)
    with qtbot.waitSignal(dialog.keyChanged):
        dialog.save_button.click()
    assert memory_keyring.store[(credentials.SERVICE, credentials.ACCOUNT)] == KEY
    assert dialog.key_edit.text() == ""  # the key does not linger in the widget
    qtbot.waitUntil(lambda: KEY[-4:] in dialog.status_label.text(), timeout=5000)
    assert KEY not in dialog.status_label.text()
    assert dialog.clear_button.isEnabled()
    with qtbot.waitSignal(dialog.tested, timeout=10_000) as blocker:
        dialog.test_button.click()  # the stored key, off the GUI thread
    ok, text = blocker.args
    assert ok and "500 tokens" in text
    assert "500 tokens" in dialog.result_label.text()
    with qtbot.waitSignal(dialog.keyChanged):
        dialog.clear_button.click()
    assert (credentials.SERVICE, credentials.ACCOUNT) not in memory_keyring.store
    qtbot.waitUntil(lambda: "No API key" in dialog.status_label.text(), timeout=5000)


def test_a_wrong_key_fails_its_test_with_the_servers_reason(qtbot, server):
    dialog = KeyDialog(BackendSettings(kind="cloud", api_url=server.url))
    qtbot.addWidget(dialog)
    dialog.key_edit.setText("not-the-right-key-123")
    # nothing typed and nothing stored would say so; a typed key is what gets tested
    with qtbot.waitSignal(dialog.tested, timeout=10_000) as blocker:
        dialog.test_button.click()
    ok, text = blocker.args
    assert not ok and "key" in text.lower()
    assert "failed" in dialog.result_label.text()


def test_cloud_without_a_key_waits_for_one_and_says_why(qtbot):
    manager = BackendManager(settings=BackendSettings(kind="cloud"))
    problems = []
    manager.problem.connect(problems.append)
    with qtbot.waitSignal(manager.backendChanged, timeout=20_000) as blocker:
        manager.rebuild()
    backend, label = blocker.args
    # no silent switch to the offline engine: the cloud stays chosen, without a backend
    assert backend is None and label == "Muzaic cloud · no API key" and manager.needs_key
    # no key can be read here (no keyring): the reason says how to fix that
    assert problems and "keyring" in problems[0].message.lower()
    manager.shutdown()


def test_cloud_with_a_key_names_the_server_and_shows_the_balance(qtbot, memory_keyring, server):
    credentials.set_key(KEY)
    manager = BackendManager(settings=BackendSettings(kind="cloud", api_url=server.url))
    with qtbot.waitSignal(manager.balanceChanged, timeout=20_000,
                          check_params_cb=lambda b: b is not None):  # fmt: skip
        manager.rebuild()
    assert manager.backend.name == "cloud"
    assert manager.label.startswith("Muzaic cloud") and "127.0.0.1" in manager.label
    assert manager.balance == 500
    manager.shutdown()


def test_toolbar_choice_switches_backend_and_status_bar(
    qtbot, memory_keyring, server, saved_settings
):
    w = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(w)
    wf = w.render_workflow
    wait_for_backend(qtbot, wf)
    assert w.status.backend.text() == "Offline engine"  # no key: offline by default
    BackendSettings(kind="offline", api_url=server.url).save()
    wf.backends.settings = BackendSettings.load()
    credentials.set_key(KEY)
    combo = wf.backend_choice.combo
    with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
        combo.setCurrentIndex(1)
        combo.activated.emit(1)
    assert wf.controller.backend.name == "cloud"
    assert "Muzaic cloud" in w.status.backend.text()
    assert BackendSettings.load().kind == "cloud"
    qtbot.waitUntil(lambda: "tokens left" in wf.balance_label.text(), timeout=10_000)
    wf.shutdown()


def test_preferences_dialog_round_trip(qtbot):
    dialog = PreferencesDialog(BackendSettings(kind="offline"))
    qtbot.addWidget(dialog)
    assert dialog.key_label.text() == "Checking the system keyring..."  # asked off-thread
    qtbot.waitUntil(lambda: "No usable system keyring" in dialog.key_label.text(), timeout=5000)
    assert dialog.offline_radio.isChecked() and not dialog.url_edit.isEnabled()
    dialog.cloud_radio.setChecked(True)
    assert dialog.url_edit.isEnabled()
    dialog.url_edit.setText("https://example.test")
    dialog.origin_edit.setText("studio")
    assert dialog.result_settings() == BackendSettings("cloud", "https://example.test", "studio")


def test_test_without_any_key_says_paste_one(qtbot):
    dialog = KeyDialog(BackendSettings(kind="cloud"))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.tested, timeout=5000) as blocker:
        dialog.test_button.click()
    assert blocker.args[0] is False
    assert dialog.result_label.text() == "Paste a key first (or store one) to test it."


def test_status_bar_shows_free_tokens_from_the_prose_account_shape(qtbot):
    from tests.ui.render_support import render_window

    # the docs dialect answers /accountDetails with freeTokensAvailable (and echoes the key)
    with EngineServer(tokens=750, dialect="docs") as docs:
        w = render_window(qtbot, docs.url)
        wf = w.render_workflow
        qtbot.waitUntil(lambda: "free tokens" in wf.balance_label.text(), timeout=10_000)
        assert wf.balance_label.text().replace("\u2009", ",") == "750 free tokens"
        assert wf.controller.balance is None  # free tokens alone never refuse a render
        assert KEY not in repr(wf.backends.account)
        wf.shutdown()


def test_test_key_reads_the_prose_account_shape_without_showing_the_echoed_key(qtbot):
    with EngineServer(tokens=320, dialect="docs") as docs:
        dialog = KeyDialog(BackendSettings(kind="cloud", api_url=docs.url))
        qtbot.addWidget(dialog)
        dialog.key_edit.setText(KEY)
        with qtbot.waitSignal(dialog.tested, timeout=10_000) as blocker:
            dialog.test_button.click()
        ok, text = blocker.args
        assert ok and "320 free tokens" in text and KEY not in text


@pytest.mark.parametrize("dialect", ["docs", "mcp"])
def test_the_gui_renders_against_each_documented_answer_shape(qtbot, dialect):
    from tests.ui.render_support import render_and_wait, render_window

    with EngineServer(tokens=500, dialect=dialect) as srv:
        w = render_window(qtbot, srv.url)
        wf = render_and_wait(w, qtbot)
        doc = w.doc
        assert doc.waveform is not None and doc.waveform.duration == pytest.approx(14.0, abs=0.5)
        assert doc.audio_path.is_file()
        hashes = [r.last_hash for r in doc.project.sorted_regions()]
        if dialect == "docs":  # per-region hashes from regions[{number, hash}]
            assert all(hashes)
        else:  # the MCP shape has only a soundtrack hash: nothing per region to keep
            assert hashes == [None, None]
        wf.shutdown()

"""With no system keyring a typed key can still be used for this session: held in memory,
never written, and the dialog says it will not be remembered (new-user trial)."""

from __future__ import annotations

import os

from muzaic_studio.api import credentials
from muzaic_studio.ui.dialogs.key import KeyDialog
from muzaic_studio.ui.dialogs.preferences import BackendSettings
from tests.ui.render_support import KEY, EngineServer


def files_under(root: str) -> dict[str, bytes]:
    out = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    out[path] = f.read()
            except OSError:
                pass
    return out


def test_a_typed_key_is_used_for_the_session_without_a_keyring(qtbot):
    with EngineServer(tokens=500) as server:
        dialog = KeyDialog(BackendSettings(kind="cloud", api_url=server.url))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitSignal(dialog.statusShown, timeout=5000).wait()
        assert not dialog.save_button.isEnabled()  # the suite has no usable keyring
        assert dialog.session_button.isVisible() and dialog.session_button.isEnabled()
        dialog.key_edit.setText(KEY)
        with qtbot.waitSignal(dialog.keyChanged):
            dialog.session_button.click()
        assert credentials.get_key() == KEY  # what the cloud backend is built with
        assert dialog.key_edit.text() == ""
        said = dialog.result_label.text()
        assert "this session only" in said and "not be remembered" in said and KEY not in said
        qtbot.waitUntil(lambda: "session only" in dialog.status_label.text(), timeout=5000)
        assert dialog.clear_button.isEnabled()
        home = os.environ["MUZAIC_STUDIO_HOME"]
        assert not any(KEY.encode() in data for data in files_under(home).values())
        with qtbot.waitSignal(dialog.tested, timeout=10_000) as blocker:
            dialog.test_button.click()  # nothing typed: the session key is tested
        assert blocker.args[0] is True
        with qtbot.waitSignal(dialog.keyChanged):
            dialog.clear_button.click()
        assert credentials.session_key() is None


def test_no_button_is_squeezed_when_the_session_button_appears(qtbot):
    """ "Use for This Session" shows only once the keyring is found missing, after the
    dialog was sized: it read "se for This Sessio" (new-user trial at 1920x1080)."""
    dialog = KeyDialog(BackendSettings(kind="cloud", api_url="https://example.invalid"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitSignal(dialog.statusShown, timeout=5000).wait()
    assert dialog.session_button.isVisible()  # the suite has no usable keyring
    buttons = (dialog.save_button, dialog.session_button, dialog.test_button,
               dialog.clear_button, dialog.close_button)  # fmt: skip
    for button in buttons:
        assert button.width() >= button.sizeHint().width(), button.text()

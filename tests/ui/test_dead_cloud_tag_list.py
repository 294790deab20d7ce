"""A cloud that cannot be reached before the render even starts (its tag list) offers the
offline engine too, as a failed render does.

Found by a new user with a key but no connection: Ctrl+R said "Cannot read the tag list
of cloud: Cannot find the server ...: check the API address and your connection." with
only Retry; the failed render's own message offers "Use offline engine".
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from muzaic_studio.ui.dialogs.preferences import BackendSettings
from tests.ui.render_support import cloud, refused_url, render_window


def test_an_unreachable_tag_list_offers_the_offline_engine(qtbot):
    saved = BackendSettings.load()
    w = render_window(qtbot)
    wf, bar = w.render_workflow, w.message_bar
    try:
        # Regions with tag names: the cloud's catalogue is needed before anything is sent.
        w.doc.edit("names", lambda rs: [setattr(r, "tag_names", ["Ambient"]) for r in rs])
        wf.use_backend(cloud(refused_url()))
        assert wf.render(False)
        qtbot.waitUntil(lambda: "tag list" in bar.text, timeout=20_000)
        assert bar.kind == "error" and bar.action_button.text() == "Retry"
        assert bar.second_button.isVisible() and bar.second_button.text() == "Use offline engine"
        with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
            qtbot.mouseClick(bar.second_button, Qt.MouseButton.LeftButton)
        assert wf.controller.backend.name == "offline"
    finally:
        wf.shutdown()
        saved.save()

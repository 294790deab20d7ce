"""The message after Render Changes counts what was reused in words a user reads right.

Found by a new user on the offline engine: "Rendered 1:11 in 3.5 s: nothing charged
(offline engine), 48 saved by reusing 3 unchanged regions." 48 what, when nothing is
charged? Offline it now says which regions were reused; on the cloud, the unit.
"""

from __future__ import annotations

from muzaic_studio.ui.dialogs.preferences import BackendSettings
from tests.ui.editor_helpers import wait_for_backend
from tests.ui.render_support import render_and_wait, render_window


def test_render_changes_offline_says_what_was_reused(qtbot, saved_settings):
    BackendSettings(kind="offline").save()
    w = render_window(qtbot)
    wf = w.render_workflow
    wait_for_backend(qtbot, wf)
    assert wf.controller.backend.name == "offline"
    render_and_wait(w, qtbot)
    doc = w.doc
    last = doc.project.sorted_regions()[-1]
    doc.edit("tone", lambda rs: next(r for r in rs if r.uid == last.uid).params.update(tone=2))
    with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
        assert wf.render(True)
    text = w.message_bar.text
    assert "nothing charged (offline engine), 1 unchanged region reused." in text
    assert " saved" not in text
    wf.shutdown()

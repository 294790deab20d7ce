"""The export dialog's "out of date" line names a region as the timeline does: a copy
of 'Intro' dropped from the Hash library after the render read "'copy 35f80be3' changed"
while its card said "copy of Intro" (new-user trial)."""

from __future__ import annotations

from muzaic_studio.model import Region
from tests.ui.render_support import render_and_wait, render_window


def test_a_new_copy_is_named_after_its_source_in_the_stale_warning(qtbot, engine_url):
    w = render_window(qtbot, engine_url)
    wf = render_and_wait(w, qtbot)
    try:
        doc = w.doc
        intro = doc.project.sorted_regions()[0]
        assert intro.name == "Intro" and intro.last_hash
        copy = Region(doc.project.duration + 2.0, 4.0, "copy", source_hash=intro.last_hash)
        doc.edit("add", lambda rs: rs.append(copy))
        dialog = wf.open_export()
        said = dialog.stale_label.text()
        assert "'copy of Intro' changed" in said, said
        assert intro.last_hash[:8] not in said
        dialog.reject()
    finally:
        wf.shutdown()

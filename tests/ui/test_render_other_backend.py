"""The window renders a project made offline on another backend (the real loopback server
with its own region store, through the real cloud client): an offline hash is caught before
the request, and the offered fix renders its source there first, then the soundtrack."""

from __future__ import annotations

import pytest

from muzaic_studio.engine.backend import OfflineEngine
from muzaic_studio.engine.server import stop_server
from muzaic_studio.engine.store import RegionStore
from muzaic_studio.model import Region
from muzaic_studio.model.hash_origin import OFFLINE
from tests.api.helpers import stand_in_cloud
from tests.ui.editor_helpers import open_and_wait
from tests.ui.render_support import KEY, cloud, render_window


@pytest.fixture
def window(qtbot):
    w = render_window(qtbot)
    yield w
    w.render_workflow.shutdown()


@pytest.fixture
def other_cloud(tmp_path, monkeypatch):
    server = stand_in_cloud(tmp_path / "cloud-store", monkeypatch, key=KEY)
    yield server
    stop_server(server, server.thread)


def finish(qtbot, wf, start) -> bool:
    with qtbot.waitSignal(wf.controller.finished, timeout=60_000) as blocker:
        start()
    return blocker.args[0]


def test_an_offline_copy_is_caught_then_its_source_is_rendered_there_first(
    window, other_cloud, qtbot, tmp_path
):
    wf = window.render_workflow
    doc = window.doc
    wf.use_backend(OfflineEngine(store=RegionStore(tmp_path / "offline-store")))
    assert finish(qtbot, wf, lambda: wf.render(False))
    intro = doc.project.sorted_regions()[0]
    assert intro.rendered["backend"] == OFFLINE
    doc.edit("Add a copy", lambda rs: rs.append(
        Region(20.0, 6.0, action="copy", source_hash=intro.last_hash, name="Reprise")))  # fmt: skip
    # An edit (and its undo) keeps which backend made each hash.
    doc.undo_stack.undo()
    doc.undo_stack.redo()
    intro = next(r for r in doc.project.regions if r.name == "Intro")
    assert intro.rendered["backend"] == OFFLINE

    wf.use_backend(cloud(other_cloud.url))
    assert not wf.render(False)
    bar = window.message_bar
    assert "Nothing was sent." in bar.text and "which the offline engine made" in bar.text
    assert "Render its source, Region 1 'Intro'" in bar.text
    assert other_cloud.bodies == []
    assert [r.name for r in doc.selected_regions()] == ["Reprise"]
    assert bar.action_button.text() == "Render its source first"

    finished: list[bool] = []
    wf.controller.finished.connect(finished.append)
    bar.action_button.click()  # links the copy to Intro, renders Intro, then the soundtrack
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=60_000)
    assert finished == [True, True]
    first, soundtrack = other_cloud.bodies
    assert [r["action"] for r in first["regions"]] == ["generate"]
    intro = next(r for r in doc.project.regions if r.name == "Intro")  # edits replace regions
    reprise = next(r for r in doc.project.regions if r.name == "Reprise")
    assert reprise.source_region == intro.region_id and reprise.source_hash is None
    sent = soundtrack["regions"]
    assert sent[0]["action"] == "copy" and sent[-1]["sourceHash"] == sent[0]["sourceHash"]
    assert {r.rendered["backend"] for r in doc.project.regions if r.rendered} == {other_cloud.url}
    assert doc.waveform is not None and doc.waveform.duration == pytest.approx(26.0, abs=0.1)


def test_the_demo_renders_on_another_backend_after_reading_its_tag_names(
    window, other_cloud, qtbot
):
    from pathlib import Path

    from muzaic_studio.model import Project
    from muzaic_studio.ui.document import ProjectDocument

    demo = Project.load(
        Path(__file__).resolve().parents[2] / "muzaic_studio" / "data" / "demo.muzaic"
    )
    window.set_document(ProjectDocument(demo))
    wf = window.render_workflow
    wf.use_backend(cloud(other_cloud.url))
    wf.controller.tag_catalogue = None  # not loaded yet: fetched before anything is planned
    summaries: list[str] = []
    wf.controller.started.connect(lambda s: summaries.append(s.text()))
    finished: list[bool] = []
    wf.controller.finished.connect(finished.append)
    assert wf.render(False)
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=90_000)
    assert finished == [True, True]
    assert "first 12 tokens to render the copy source" in summaries[0]
    first, soundtrack = other_cloud.bodies
    names = {t["id"]: t["name"] for t in other_cloud.engine.tags()["tags"]}
    assert [names[t].lower() for t in first["regions"][0]["tags"]] == [
        "cinematic", "mysterious", "strings"]  # fmt: skip
    assert [r["action"] for r in soundtrack["regions"]] == [
        "copy", "generate", "silence", "generate", "copy"]  # fmt: skip
    assert other_cloud.engine.account().used == 48


def test_opening_the_demo_warns_about_nothing(window, tmp_path, qtbot):
    """A copy of a region has no hash until render time: that is not a problem on open."""
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "muzaic_studio" / "data" / "demo.muzaic"
    assert open_and_wait(qtbot, window, demo)
    assert "can't be rendered" not in window.message_bar.text


def test_the_cost_asked_before_copy_sources_are_rendered_first_is_both_requests(
    window, other_cloud, qtbot
):
    """The demo's reprise copies a region with no hash yet: its source is rendered in a
    request of its own first. The question before spending named only that request's
    cost as the estimate ("estimate 12 tokens ... then 36 tokens"), and a balance of 20
    passed the check although the render needs 48."""
    from pathlib import Path

    from muzaic_studio.model import Project
    from muzaic_studio.ui.document import ProjectDocument

    demo = Project.load(
        Path(__file__).resolve().parents[2] / "muzaic_studio" / "data" / "demo.muzaic"
    )
    window.set_document(ProjectDocument(demo))
    wf = window.render_workflow
    wf.use_backend(cloud(other_cloud.url))
    asked = []

    def confirm(summary) -> bool:
        asked.append(summary)
        return False  # the user says No: nothing is sent

    wf.controller.confirm = confirm
    wf.render(False)
    qtbot.waitUntil(lambda: bool(asked), timeout=30_000)
    (summary,) = asked
    assert summary.text().startswith("1:00 of music, estimate 48 tokens")
    assert "first 12 tokens to render the copy source" in summary.text()
    summary.balance = 20
    assert summary.over_balance
    assert other_cloud.bodies == []

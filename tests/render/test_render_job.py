"""The render use case without Qt: the same functions the CLI calls and the GUI's worker runs.

The backend is the real cloud client against the offline engine's loopback server, or the
real in-process engine behind `AnswerShape`, which stands in for a server that answers in
another documented shape (one soundtrack hash, or copies charged).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from muzaic_studio.model import Project
from muzaic_studio.model.region import tokens_for
from muzaic_studio.render import RenderHistory, execute, prepare, record
from muzaic_studio.render import job as job_module
from muzaic_studio.render.job import copies_charged
from muzaic_studio.render.summary import (
    NO_REGION_HASHES,
    RenderSummary,
    charge_text,
    last_copies_charged,
    render_tips,
)
from tests.ui.render_support import EngineServer, cloud, two_regions


class AnswerShape:
    """The real offline engine, answering as another documented server shape would."""

    name = "cloud"

    def __init__(self, *, region_hashes: bool = True, charge_copies: bool = False) -> None:
        from muzaic_studio.engine import OfflineEngine

        self.engine = OfflineEngine()
        self.region_hashes = region_hashes
        self.charge_copies = charge_copies

    def render(self, body: dict[str, Any], cancel: Any = None) -> Any:
        result = self.engine.render(body, cancel)
        changes: dict[str, Any] = {}
        if not self.region_hashes:  # the MCP shape: only a soundtrack hash
            changes["region_hashes"] = []
        if self.charge_copies:
            changes["tokens_used"] = sum(
                tokens_for(r["duration"]) for r in body["regions"] if r["action"] != "silence"
            )
        return dataclasses.replace(result, **changes)


def render_once(project: Project, backend: Any, history: RenderHistory, *, only_changes=False):
    job = prepare(project, only_changes=only_changes)
    outcome = execute(job, backend, history)
    record(project.apply_render, project.library, history, job, outcome, backend="test")
    return job, outcome


def test_the_use_case_renders_keeps_the_answer_and_applies_it(tmp_path, monkeypatch):
    calls = []
    real = job_module.validate_request
    monkeypatch.setattr(
        job_module, "validate_request", lambda body: calls.append(body) or real(body)
    )
    project = two_regions()
    history = RenderHistory(tmp_path / "history")
    with EngineServer(tokens=None) as server:
        _job, outcome = render_once(project, cloud(server.url), history)
    assert len(calls) == 1  # validated once; the cloud client does not validate again
    assert outcome.audio_duration == pytest.approx(14.0, abs=0.1)
    assert outcome.audio_path.parent == history.folder and outcome.audio_path.is_file()
    (answer,) = history.folder.glob("*.answer.json")
    kept = json.loads(answer.read_text())
    assert kept["regionHashes"] == outcome.hashes and kept["tokensUsed"] == 14
    hashes = [r.last_hash for r in project.sorted_regions()]
    assert hashes == outcome.hashes and all(hashes)
    assert not any(r.changed_since_render for r in project.regions)
    assert project.last_render["tokensUsed"] == 14 == project.last_render["tokensEstimated"]
    (entry,) = history.records()
    assert entry.tokens == 14 and entry.estimate == 14 and "14 tokens" in entry.label()
    assert all(len(project.library.get(h).thumbnail) == 64 for h in hashes)


def test_an_answer_without_region_hashes_makes_render_changes_render_everything(tmp_path):
    project = two_regions()
    history = RenderHistory(tmp_path / "history")
    backend = AnswerShape(region_hashes=False)
    job, outcome = render_once(project, backend, history)
    assert outcome.hashes == [] and outcome.soundtrack_hash
    assert project.last_render["soundtrackHash"] == outcome.soundtrack_hash
    # the music is current (nothing shows as changed), but there is no hash to copy
    assert not any(r.changed_since_render for r in project.regions)
    assert not any(r.last_hash for r in project.regions)
    _intro, second = project.sorted_regions()
    second.params["tempo"] = 9
    job = prepare(project, only_changes=True)
    assert job.unhashed == 1 and job.plan.reused == 0
    assert [r["action"] for r in job.body["regions"]] == ["generate", "generate"]
    summary = RenderSummary(duration=14.0, tokens=job.plan.tokens, tokens_saved=0, reused=0,
                            regions=2, balance=None, backend="cloud", only_changes=True,
                            estimate=1.0, unhashed=job.unhashed)  # fmt: skip
    assert "1 unchanged region rendered again in full" in summary.text()
    assert NO_REGION_HASHES in summary.text()
    assert NO_REGION_HASHES in render_tips(project)[1]


def test_a_server_that_charges_copies_is_not_promised_savings(tmp_path, monkeypatch):
    from muzaic_studio.engine import compat

    calls = []
    real = job_module.validate_request
    count = lambda body: calls.append(body) or real(body)  # noqa: E731
    monkeypatch.setattr(job_module, "validate_request", count)
    monkeypatch.setattr(compat, "validate_request", count)
    project = two_regions()
    history = RenderHistory(tmp_path / "history")
    backend = AnswerShape(charge_copies=True)
    render_once(project, backend, history)
    assert len(calls) == 1  # once per render, also with the engine in this process
    _intro, second = project.sorted_regions()
    second.params["tempo"] = 9
    job, outcome = render_once(project, backend, history, only_changes=True)
    assert job.plan.tokens == 8 and job.plan.tokens_saved == 6
    assert outcome.tokens_used == 14 and copies_charged(outcome.tokens_used, job)
    assert charge_text(outcome.tokens_used, job.plan.tokens) == (
        "14 tokens charged (estimate 8: copies were charged too)"
    )
    assert last_copies_charged(project.last_render)
    summary = RenderSummary(duration=14.0, tokens=8, tokens_saved=6, reused=1, regions=2,
                            balance=None, backend="cloud", only_changes=True, estimate=1.0,
                            copies_charged=True)  # fmt: skip
    assert "saved by" not in summary.text()
    assert "may save nothing" in summary.text()
    second.params["tempo"] = 3
    full, changes = render_tips(project)
    assert "estimate 14 tokens; the last render was charged 14" in full
    assert "estimate 8 tokens, reusing 1 may save nothing" in changes


def test_the_demo_renders_its_copy_source_first_through_the_use_case(tmp_path, monkeypatch):
    """prepare_for reads the backend's tag names and plans the copy source's own request;
    record stamps the backend on the hashes; preparing again sends the copy of that hash."""
    from pathlib import Path

    from muzaic_studio.engine import OfflineEngine
    from muzaic_studio.engine.store import RegionStore
    from muzaic_studio.model.hash_origin import OFFLINE
    from muzaic_studio.render import prepare_for

    demo = Path(__file__).resolve().parents[2] / "muzaic_studio" / "data" / "demo.muzaic"
    project = Project.load(demo)
    engine = OfflineEngine(store=RegionStore(tmp_path / "store"))
    history = RenderHistory(tmp_path / "history")
    first = prepare_for(project, engine, only_changes=False)
    assert first.first and first.origin == OFFLINE
    assert [r.name for r in first.sent] == ["Opening: mystery"] and first.sent[0].time == 0.0
    assert first.length == first.sent[0].duration
    assert "then" in first.note and "copy source" in first.note
    record(project.apply_render, project.library, history, first,
           execute(first, engine, history), backend="offline")  # fmt: skip
    opening = project.sorted_regions()[0]
    assert opening.rendered["backend"] == OFFLINE and opening.time == 0.0
    # the sources' 12 s are not the soundtrack: if its request now failed, the project
    # must not open with them as its last render (waveform, playback, Export Last Render),
    # nor list them in the Render History as a render to listen back to
    assert project.last_render is None
    assert history.records() == []

    job = prepare_for(project, engine, only_changes=False)
    assert not job.first and job.origin == OFFLINE
    sent = job.body["regions"]
    assert sent[0] == {**sent[0], "action": "copy", "sourceHash": opening.last_hash}
    assert sent[-1]["sourceHash"] == opening.last_hash
    # the in-process engine's waveform comes with its audio: nothing is decoded
    from muzaic_studio.audio import peaks

    def no_decode(*_a: Any, **_k: Any) -> None:
        raise AssertionError("the MP3 was decoded")

    monkeypatch.setattr(peaks, "build_pyramid", no_decode)
    outcome = execute(job, engine, history)
    record(project.apply_render, project.library, history, job, outcome, backend="offline")
    assert {r.rendered["backend"] for r in project.regions if r.rendered} == {OFFLINE}
    assert outcome.audio_duration == pytest.approx(project.duration, abs=0.5)
    assert [r.duration for r in history.records()] == [outcome.audio_duration]


def test_what_the_backend_lacks_stops_prepare_before_anything_is_sent():
    from muzaic_studio.model import Region
    from muzaic_studio.render import Blocked, CatalogueNeeded

    named = Project(regions=[Region(0, 3, tags=[1], tag_names=["Electronic"])])
    with pytest.raises(CatalogueNeeded):
        prepare(named, only_changes=False, origin="offline")
    with pytest.raises(Blocked) as caught:
        prepare(named, only_changes=False, origin="offline", catalogue={"tags": []})
    assert caught.value.message.startswith(
        "Region 1 (at 0.00 s): the offline engine has no tag 'Electronic'"
    )
    assert caught.value.offers() == []


def test_history_keeps_failed_answers_only_up_to_its_limit(tmp_path):
    from muzaic_studio.render.history import KEEP, RenderRecord

    history = RenderHistory(tmp_path / "history")
    for i in range(KEEP + 3):  # answers of renders whose audio failed, oldest first
        history.keep_answer(history.folder / f"render-2026010{i:02d}-x.mp3", {"n": i})
    audio = history.new_audio_path()
    history.keep_audio(audio, b"audio")
    history.add(RenderRecord(file=audio.name, rendered_at=0.0, duration=1.0, tokens=1))
    left = sorted(p.name for p in history.folder.glob("*.answer.json"))
    assert len(left) == KEEP and left[0] == "render-202601003-x.answer.json"
    assert audio.is_file() and len(history) == 1

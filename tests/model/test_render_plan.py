"""Rendering only what changed, and recording a render's hashes in the project."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from muzaic_studio.model import Project, Region, plan_render, validate_request
from tests.model.strategies import projects


def rendered_project() -> Project:
    project = Project(
        regions=[
            Region(0, 10, tags=[1], method="smart"),
            Region(10, 4, action="copy", source_hash="src"),
            Region(14, 2, action="silence"),
            Region(16, 5.5, tags=[2]),
        ]
    )
    plan = plan_render(project, only_changes=False)
    project.apply_render(
        plan.regions, ["g1", "c1", "", "g2"], tokens_used=16, audio_duration=21.5, rendered_at=5.0
    )
    return project


def test_full_plan_sends_everything_as_it_is():
    project = rendered_project()
    plan = plan_render(project, only_changes=False)
    assert plan.body == project.request_body()
    assert (plan.tokens, plan.tokens_saved, plan.reused) == (16, 0, 0)


def test_unchanged_generate_regions_become_copies_of_their_last_hash():
    project = rendered_project()
    project.regions[3].params["tone"] = 9  # the only change
    plan = plan_render(project, only_changes=True)
    first, copy_, silence, changed = plan.body["regions"]
    assert first == {
        "time": 0.0,
        "duration": 10.0,
        "action": "copy",
        "sourceHash": "g1",
        "method": "smart",
    }
    assert copy_ == {"time": 10.0, "duration": 4.0, "action": "copy", "sourceHash": "src"}
    assert silence == {"time": 14.0, "duration": 2.0, "action": "silence"}
    assert changed["action"] == "generate" and changed["params"]["tone"] == 9
    assert (plan.tokens, plan.tokens_saved, plan.reused) == (6, 10, 1)
    assert validate_request(plan.body) == []
    assert plan.regions == project.sorted_regions()


def test_moving_a_region_keeps_its_music():
    project = rendered_project()
    project.regions[0].time = 30.0
    plan = plan_render(project, only_changes=True)
    moved = plan.body["regions"][-1]
    assert moved["time"] == 30.0 and moved["sourceHash"] == "g1" and moved["action"] == "copy"
    assert plan.tokens == 0 and plan.tokens_saved == 16


def test_a_never_rendered_region_is_generated():
    project = rendered_project()
    project.regions.append(Region(40, 3, tags=[5]))
    plan = plan_render(project, only_changes=True)
    assert plan.body["regions"][-1]["action"] == "generate"
    assert plan.tokens == 3


def test_apply_render_records_hashes_and_the_library():
    project = rendered_project()
    assert project.regions[0].last_hash == "g1"
    assert project.regions[1].last_hash == "c1"
    assert project.regions[2].rendered is None  # silence has no music
    entries = project.library.entries()
    assert [(e.hash, e.duration, e.tags, e.created) for e in entries] == [
        ("g1", 10, [1], 5.0),
        ("g2", 5.5, [2], 5.0),
    ]  # generate regions only: a copy's hash is its source's music
    assert project.last_render == {
        "regionHashes": ["g1", "c1", "", "g2"],
        "tokensUsed": 16,
        "audioDuration": 21.5,
        "renderedAt": 5.0,
    }
    assert not any(r.changed_since_render for r in project.regions)


def test_render_changes_keeps_the_hash_of_the_music_it_reused():
    project = rendered_project()
    project.regions[3].params["tone"] = 9  # only the last region changed
    plan = plan_render(project, only_changes=True)
    assert plan.reused_uids == {project.regions[0].uid}
    # The server names the copy of g1 anew ("x1"); it is still g1's music.
    project.apply_render(
        plan.regions, ["x1", "c2", "", "g3"], tokens_used=6, audio_duration=21.5,
        rendered_at=6.0, reused=plan.reused_uids,
    )  # fmt: skip
    assert project.regions[0].last_hash == "g1"
    assert project.regions[3].last_hash == "g3"
    assert sorted(e.hash for e in project.library.entries()) == ["g1", "g2", "g3"]
    assert not any(r.changed_since_render for r in project.regions)


def test_apply_render_refuses_a_hash_count_mismatch():
    project = Project(regions=[Region(0, 1)])
    with pytest.raises(ValueError, match="2 hashes for 1 regions"):
        project.apply_render(project.regions, ["a", "b"], tokens_used=1, audio_duration=1)
    assert project.regions[0].rendered is None and project.last_render is None


@given(projects(allow_keyframes=True, with_extras=False))
@settings(max_examples=100, deadline=None)
def test_after_a_render_a_changes_only_plan_costs_nothing(project):
    full = plan_render(project, only_changes=False)
    hashes = [f"h{i}" for i in range(len(full.regions))]
    project.apply_render(full.regions, hashes, tokens_used=full.tokens, audio_duration=1)
    again = plan_render(project, only_changes=True)
    assert again.tokens == 0
    assert again.tokens_saved == full.tokens
    assert validate_request(again.body) == []
    for region, sent, h in zip(full.regions, again.body["regions"], hashes, strict=True):
        if region.action == "generate":
            assert sent == {
                "time": float(region.time), "duration": float(region.duration),
                "action": "copy", "sourceHash": h,
                **({"method": region.method} if region.method else {}),
            }  # fmt: skip

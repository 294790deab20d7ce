"""Hashes belong to the backend that made them: what goes to which backend, decided before
anything is sent. No Qt, no network (the same checks through a real server: test_cli_backends)."""

from __future__ import annotations

from muzaic_studio.model import Project, Region, validate_request
from muzaic_studio.model.hash_origin import OFFLINE, backend_origin, hash_origins
from muzaic_studio.render.prerender import link_copy_to_source, prepare_render
from tests.model.test_tag_names import CLOUD_TAGS

CLOUD = "https://m10.muzaic.ai"


class FakeCloud:
    name = "cloud"
    base_url = CLOUD


class FakeOffline:
    name = "offline"


def rendered(project: Project, origin: str, hashes: list[str]) -> None:
    regions = project.sorted_regions()
    project.apply_render(regions, hashes, tokens_used=0, audio_duration=0.0, backend=origin)


def offline_project() -> Project:
    """The demo's shape: an opening, a build-up, and a copy of the opening's offline hash."""
    opening = Region(0, 12, tags=[2], tag_names=["electronic"], name="Opening")
    build = Region(12, 6, tags=[1], tag_names=["acoustic"], name="Build-up")
    project = Project(regions=[opening, build])
    rendered(project, OFFLINE, ["off-open", "off-build"])
    project.regions.append(Region(18, 12, action="copy", source_hash="off-open", name="Reprise"))
    return project


def test_backends_are_told_apart_by_address():
    assert backend_origin(FakeOffline()) == OFFLINE
    assert backend_origin(FakeCloud()) == CLOUD
    project = offline_project()
    assert hash_origins(project)["off-open"] == OFFLINE
    assert project.library.get("off-open").backend == OFFLINE


def test_an_offline_hash_sent_to_the_cloud_is_caught_with_an_offer_to_render_its_source():
    project = offline_project()
    pre = prepare_render(project, only_changes=False, origin=CLOUD, catalogue=CLOUD_TAGS)
    assert pre.plan is None
    (blocker,) = pre.blockers
    assert blocker.text == (
        "Region 3 'Reprise' (at 18.00 s) copies hash off-open, which the offline engine made; "
        f"the cloud at {CLOUD} does not have it. Render its source, Region 1 'Opening' "
        "(at 0.00 s), there first."
    )
    assert blocker.source_uid == project.regions[0].uid
    # The same project is fine offline: the hash is the offline engine's.
    assert prepare_render(project, only_changes=False, origin=OFFLINE, catalogue=CLOUD_TAGS).plan


def test_accepting_the_offer_renders_the_source_first_then_copies_it_for_free():
    project = offline_project()
    opening, _build, reprise = project.sorted_regions()
    pre = prepare_render(project, only_changes=False, origin=CLOUD, catalogue=CLOUD_TAGS)
    (blocker,) = pre.blockers
    assert link_copy_to_source(project.regions, blocker.region_uid, blocker.source_uid)
    assert (reprise.source_hash, reprise.source_region) == (None, opening.region_id)

    first = prepare_render(project, only_changes=False, origin=CLOUD, catalogue=CLOUD_TAGS)
    assert first.first and first.plan.regions == [opening]
    assert first.plan.body["regions"] == [
        {"time": 0.0, "duration": 12.0, "action": "generate", "tags": [2],
         "params": opening.params}
    ]  # fmt: skip
    assert first.plan.tokens == 12 and first.rest_tokens == 6
    assert "first 12 tokens to render the copy source (Region 1 'Opening'" in first.note
    project.apply_render(first.plan.regions, ["cl-open"], tokens_used=12, audio_duration=12,
                         backend=CLOUD)  # fmt: skip

    then = prepare_render(project, only_changes=False, origin=CLOUD, catalogue=CLOUD_TAGS)
    assert not then.first and not then.blockers
    sent = then.plan.body["regions"]
    assert sent[0] == {"time": 0.0, "duration": 12.0, "action": "copy", "sourceHash": "cl-open"}
    assert sent[1]["action"] == "generate" and sent[1]["tags"] == [1]  # acoustic, cloud's id
    assert sent[2] == {"time": 18.0, "duration": 12.0, "action": "copy", "sourceHash": "cl-open"}
    assert then.plan.tokens == 6  # 12 + 6 in all: what one full render costs
    assert then.plan.reused_uids == {opening.uid}
    assert validate_request(then.plan.body) == []


def test_a_copy_of_a_region_uses_its_current_hash_from_this_backend_only():
    project = offline_project()
    opening, _build, reprise = project.sorted_regions()
    link_copy_to_source(project.regions, reprise.uid, opening.uid)
    offline = prepare_render(project, only_changes=False, origin=OFFLINE, catalogue=CLOUD_TAGS)
    assert offline.plan.body["regions"][2]["sourceHash"] == "off-open"
    assert offline.plan.body["regions"][0]["sourceHash"] == "off-open"  # kept, not re-made
    opening.params["tone"] = 9  # the source changed: its hash no longer describes it
    again = prepare_render(project, only_changes=False, origin=OFFLINE, catalogue=CLOUD_TAGS)
    assert again.first and again.plan.regions == [opening]


def test_render_changes_reuses_only_hashes_this_backend_made():
    project = offline_project()
    project.regions.pop()  # no copy
    on_cloud = prepare_render(project, only_changes=True, origin=CLOUD, catalogue=CLOUD_TAGS)
    assert [r["action"] for r in on_cloud.plan.body["regions"]] == ["generate", "generate"]
    assert on_cloud.plan.tokens == 18 and on_cloud.plan.reused == 0
    offline = prepare_render(project, only_changes=True, origin=OFFLINE, catalogue=CLOUD_TAGS)
    assert [r["action"] for r in offline.plan.body["regions"]] == ["copy", "copy"]
    # A hash of unknown origin (a project from before origins were kept) is let through.
    for region in project.regions:
        region.rendered.pop("backend")
    unknown = prepare_render(project, only_changes=True, origin=CLOUD, catalogue=CLOUD_TAGS)
    assert unknown.plan.reused == 2


def test_tag_names_and_hashes_the_cloud_lacks_are_all_named_at_once():
    project = offline_project()
    project.regions[0].tag_names = ["Cinematic", "Mysterious"]
    pre = prepare_render(project, only_changes=False, origin=CLOUD, catalogue=CLOUD_TAGS)
    texts = [b.text for b in pre.blockers]
    assert len(texts) == 2
    assert "copies hash off-open, which the offline engine made" in texts[0]
    assert f"the cloud at {CLOUD} has no tags 'Cinematic', 'Mysterious'" in texts[1]
    assert texts[1].startswith("Region 1 'Opening' (at 0.00 s)")


def test_named_tags_need_the_catalogue_of_the_backend_first():
    project = offline_project()
    pre = prepare_render(project, only_changes=False, origin=OFFLINE)
    assert pre.needs_catalogue and pre.plan is None
    project.regions[0].tag_names = project.regions[1].tag_names = []
    assert prepare_render(project, only_changes=False, origin=OFFLINE).plan is not None


def test_a_copy_of_a_missing_or_silent_region_is_refused():
    silence = Region(0, 2, action="silence", region_id="s")
    project = Project(regions=[silence, Region(2, 2, action="copy", source_region="gone"),
                               Region(4, 2, action="copy", source_region="s")])  # fmt: skip
    texts = [b.text for b in prepare_render(project, only_changes=False, origin=OFFLINE).blockers]
    assert texts == [
        "Region 2 (at 2.00 s): its source region 'gone' is not in this project; pick a "
        "source in the Inspector.",
        "Region 3 (at 4.00 s): its source region 's' is a silence region; a copy needs "
        "generated music.",
    ]

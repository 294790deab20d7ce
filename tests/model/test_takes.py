"""Takes: a generate region's take is saved, sent to the offline engine, never to the cloud,
and part of what "changed since render" compares."""

from __future__ import annotations

from muzaic_studio.model import Project, Region, plan_render
from muzaic_studio.model.region import fresh_takes, strip_takes


def test_take_is_saved_and_loaded_and_old_projects_have_take_0(tmp_path):
    path = tmp_path / "t.muzaic"
    Project(regions=[Region(0, 3, tags=[1], take=4), Region(3, 2, tags=[1])]).save(path)
    text = path.read_text()
    assert text.count('"take"') == 1  # take 0 is not written: older files look the same
    loaded = Project.load(path)
    assert [r.take for r in loaded.sorted_regions()] == [4, 0]
    assert "take" not in loaded.sorted_regions()[0].extra
    # a hand-edited bad take is not fatal: it reads as take 0
    assert Region.from_dict({"time": 0, "duration": 1, "take": "x"}).take == 0


def test_take_goes_to_the_engine_body_and_is_stripped_for_the_cloud():
    body = Project(regions=[Region(0, 3, tags=[1], take=2), Region(3, 2)]).request_body()
    assert [r.get("take") for r in body["regions"]] == [2, None]
    cloud = strip_takes(body)
    assert all("take" not in r for r in cloud["regions"])
    assert body["regions"][0]["take"] == 2  # the project's own body is not changed
    assert cloud["regions"][0] == {k: v for k, v in body["regions"][0].items() if k != "take"}


def test_another_take_is_a_change_since_render_and_is_generated_again():
    r = Region(0, 3, tags=[1])
    r.rendered = {"hash": "h1", "spec": r.spec_digest(), "backend": "offline"}
    moved = Region(10, 3, tags=[1], rendered=dict(r.rendered))
    assert not moved.changed_since_render  # moving keeps the music
    r.take = 1
    assert r.changed_since_render
    plan = plan_render(Project(regions=[r]), only_changes=True)
    assert plan.body["regions"][0]["action"] == "generate" and plan.tokens == 3


def test_fresh_takes_give_new_regions_their_own_take():
    first = Region(0, 3, tags=[1])
    fresh_takes([first], {first.uid})
    assert first.take == 0  # alone in its project: the same hash as the CLI's request
    dup = Region(3, 3, tags=[1])
    other = Region(6, 3, tags=[1], take=5)
    regions = [first, other, dup]
    fresh_takes(regions, {dup.uid})
    assert dup.take == 6 and len({r.take for r in regions}) == 3

"""Tags by name: the /2 format, reading /1 files with 0.1's offline numbering, resolving
names against a backend's catalogue, and the docs' bonus rule. No Qt, no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from muzaic_studio.model import FORMAT, Project, Region, plan_render
from muzaic_studio.model.migrate import LEGACY_OFFLINE_TAGS
from muzaic_studio.model.tag_bonus import combine_bonuses
from muzaic_studio.model.tag_names import (
    TagIndex,
    region_ids,
    resolve_body_tags,
    set_tag,
    sync_tag_ids,
    tag_bonus,
    value_with_bonus,
)

REPO = Path(__file__).resolve().parents[2]

# The cloud's catalogue as the documentation shows it: ids and bonuses as strings.
CLOUD_TAGS = {
    "tags": [
        {"id": "1", "name": "acoustic", "tagCategoryId": "4", "int_bonus": "0",
         "tem_bonus": "0", "rhy_bonus": "-1", "ton_bonus": "1", "var_bonus": "0",
         "secret": "0", "active": "1"},
        {"id": "2", "name": "electronic", "tagCategoryId": "4", "int_bonus": "1",
         "tem_bonus": "1", "rhy_bonus": "1", "ton_bonus": "0", "var_bonus": "0",
         "secret": "0", "active": "1"},
    ],
    "tagsRelations": {"1": {"2": -1}},
}  # fmt: skip


def v1_file(tmp_path: Path, regions: list[dict], **extra) -> Path:
    path = tmp_path / "old.muzaic"
    path.write_text(json.dumps({"format": "muzaic-studio/1", "regions": regions, **extra}))
    return path


def test_a_v1_file_is_read_with_the_old_offline_numbering_and_saved_as_v2(tmp_path):
    path = v1_file(
        tmp_path,
        [{"time": 0, "duration": 4, "action": "generate", "tags": [2, 15, 19]},
         {"time": 4, "duration": 4, "action": "generate", "tags": [1, 99]}],
        library=[{"hash": "h1", "duration": 4, "tags": [2]}],
    )  # fmt: skip
    project = Project.load(path)
    first, second = project.sorted_regions()
    # 0.1's id 2 was Cinematic (the cloud's 2 is electronic): the name says what the user chose.
    assert first.tag_names == ["Cinematic", "Mysterious", "Strings"]
    assert second.tag_names == ["Electronic", "#99"]  # unknown to 0.1: kept, visibly
    assert project.library.get("h1").tag_names == ["Cinematic"]
    project.save(path)
    saved = json.loads(path.read_text())
    assert saved["format"] == FORMAT == "muzaic-studio/2"
    assert saved["regions"][0]["tagNames"] == ["Cinematic", "Mysterious", "Strings"]
    assert saved["regions"][0]["tags"] == [2, 15, 19]


def test_the_frozen_table_is_the_0_1_catalogue():
    assert len(LEGACY_OFFLINE_TAGS) == 28
    assert (LEGACY_OFFLINE_TAGS[1], LEGACY_OFFLINE_TAGS[2], LEGACY_OFFLINE_TAGS[28]) == (
        "Electronic",
        "Cinematic",
        "Explosive",
    )


def test_a_region_rendered_under_v1_stays_unchanged_after_the_upgrade(tmp_path):
    old = Region(0, 4, tags=[2])
    path = v1_file(
        tmp_path, [{**old.to_dict(), "rendered": {"hash": "h", "spec": old.spec_digest()}}]
    )
    (region,) = Project.load(path).regions
    assert region.tag_names == ["Cinematic"]
    assert not region.changed_since_render
    plan = plan_render(Project(regions=[region]), only_changes=True)
    assert plan.body["regions"][0] == {
        "time": 0.0,
        "duration": 4.0,
        "action": "copy",
        "sourceHash": "h",
    }


def test_editor_keys_survive_a_save_and_never_reach_the_request():
    region = Region(0, 4, tags=[2], tag_names=["Cinematic"], region_id="a")
    copy_ = Region(4, 4, action="copy", source_region="a")
    project = Project(regions=[region, copy_])
    again = Project.from_json(project.to_json())
    assert again == project
    assert again.regions[0].region_id == "a" and again.regions[1].source_region == "a"
    for spec in project.request_body()["regions"]:
        assert not {"tagNames", "id", "sourceRegion"} & set(spec)


def test_tag_names_must_be_strings(tmp_path):
    path = tmp_path / "bad.muzaic"
    path.write_text(json.dumps({"format": FORMAT, "regions": [
        {"time": 0, "duration": 1, "action": "generate", "tagNames": [3]}]}))  # fmt: skip
    with pytest.raises(Exception, match="tagNames must be a list of tag names"):
        Project.load(path)


def test_names_resolve_case_insensitively_to_the_backends_ids():
    index = TagIndex.from_response(CLOUD_TAGS)
    region = Region(0, 4, tags=[9], tag_names=["Electronic", " ACOUSTIC "])
    assert region_ids(region, index) == [2, 1]
    body = {"regions": [region.to_request()]}
    assert resolve_body_tags(body, [region], index, "the cloud") == []
    assert body["regions"][0]["tags"] == [2, 1]


def test_a_name_the_backend_lacks_is_named_with_its_region():
    index = TagIndex.from_response(CLOUD_TAGS)
    region = Region(12, 4, tags=[2, 15], tag_names=["Cinematic", "electronic"], name="Build-up")
    body = {"regions": [Region(0, 12, tags=[2]).to_request(), region.to_request()]}
    problems = resolve_body_tags(body, [Region(0, 12, tags=[2]), region], index, "the cloud")
    assert problems == [
        "Region 2 'Build-up' (at 12.00 s): the cloud has no tag 'Cinematic'; pick another "
        "tag in the Inspector or render with the backend that has it."
    ]


def test_the_digest_does_not_depend_on_which_catalogue_numbered_the_tags():
    offline = Region(0, 4, tags=[1], tag_names=["Electronic"])
    cloud = Region(0, 4, tags=[2], tag_names=["electronic"])
    assert offline.spec_digest() == cloud.spec_digest()


def test_picking_tags_keeps_names_and_ids_together_and_sync_follows_the_catalogue():
    region = Region(0, 4)
    set_tag(region, 2, "electronic", True)
    set_tag(region, 1, "acoustic", True)
    set_tag(region, 2, "Electronic", False)
    assert (region.tags, region.tag_names) == ([1], ["acoustic"])
    offline = TagIndex(names={7: "Acoustic"}, ids={"acoustic": 7})
    sync_tag_ids([region], offline)
    assert (region.tags, region.tag_names) == ([7], ["acoustic"])
    hand_written = Region(0, 4, tags=[3])  # ids only: left as they are
    set_tag(hand_written, 4, "Rock", True)
    assert (hand_written.tags, hand_written.tag_names) == ([3, 4], [])


@pytest.mark.parametrize(
    ("bonuses", "combined"),
    [([], 0), ([1, 1], 1), ([2, 0, 1], 2), ([-1, -3], -3), ([0, -2], -2),
     ([3, -1], 1), ([1, -2], -1), ([2, -1], 1), ([1, -1], 0)],
)  # fmt: skip
def test_bonuses_combine_by_the_docs_rule_not_by_summing(bonuses, combined):
    assert combine_bonuses(bonuses) == combined


def test_a_sliders_value_shows_the_combined_bonus_of_its_tags():
    index = TagIndex.from_response(CLOUD_TAGS)
    assert tag_bonus([1, 2], index.bonuses, "tone") == 1  # +1 and 0: the largest
    assert tag_bonus([1, 2], index.bonuses, "rhythm") == 0  # -1 and +1: the average
    assert value_with_bonus(5, tag_bonus([2], index.bonuses, "intensity")) == "5 (+1)"
    assert value_with_bonus(5, -2) == "5 (-2)"
    assert value_with_bonus(5, 0) == "5"


def test_the_shipped_demo_is_v2_with_names_and_a_copy_of_a_region():
    raw = json.loads((REPO / "muzaic_studio" / "data" / "demo.muzaic").read_text())
    assert raw["format"] == "muzaic-studio/2"
    generated = [r for r in raw["regions"] if r["action"] == "generate"]
    assert all(len(r["tagNames"]) == len(r["tags"]) for r in generated)
    (reprise,) = [r for r in raw["regions"] if r["action"] == "copy"]
    assert reprise["sourceRegion"] == "opening" and "sourceHash" not in reprise
    assert next(r for r in raw["regions"] if r.get("id") == "opening")["name"] == "Opening: mystery"

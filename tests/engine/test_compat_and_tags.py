"""Lenient request forms and the tag catalogue."""

from __future__ import annotations

import pytest

from muzaic_studio.contract.errors import InvalidRequest
from muzaic_studio.engine.compat import canonicalize
from muzaic_studio.engine.core import region_hash
from muzaic_studio.engine.tags import CATEGORIES, catalogue, conflicts, resolve_style


def canon(body):
    return canonicalize(body, region_hash)


def test_legacy_forms_become_canonical():
    c = canon({"regions": [{"time": 0, "duration": 2, "params": {"intensity": 9.0, "tone": [[0, 2.0], [100, 9]]}},
                           {"time": 2, "duration": 2, "action": "Extend"},
                           {"time": 5, "duration": 1, "action": "extend"}],
               "normalize": "high"})  # fmt: skip
    regions = c.body["regions"]
    assert c.body["normalize"] is True
    assert regions[0]["action"] == "generate" and regions[0]["method"] == "strict"
    assert regions[0]["params"] == {"intensity": 9, "tone": [[0, 2], [100, 9]], "tempo": 5,
                                    "variance": 5, "rhythm": 5}  # fmt: skip
    assert regions[1]["action"] == "copy" and regions[1]["sourceHash"] == region_hash(regions[0])
    assert regions[2]["sourceHash"] == region_hash(regions[1])  # extends the extension
    assert "no action given" in c.notes[0][0] and "region 1" in c.notes[1][0]
    assert (
        canon({"regions": [{"time": 0, "duration": 1}], "normalize": "none"}).body["normalize"]
        is False
    )
    assert canon({"regions": [{"time": 0, "duration": 1}]}).body["normalize"] is False


def test_params_1_to_9_legacy_range_is_accepted_and_10_too():
    for v in (1, 9, 10):
        canon(
            {"regions": [{"time": 0, "duration": 1, "action": "generate", "params": {"tempo": v}}]}
        )


def test_every_problem_is_reported_with_region_and_field():
    with pytest.raises(InvalidRequest) as info:
        canon({"regions": [{"time": 0, "duration": 0, "action": "generate"},
                           {"time": 3, "duration": 1, "action": "fly", "params": {"rhythm": 0}}]})  # fmt: skip
    msg = info.value.message
    assert "Region 1 (at 0.00 s): duration" in msg
    assert "Region 2 (at 3.00 s): action" in msg and "params.rhythm" in msg


def test_hash_ignores_time_and_defaults_but_not_music():
    a = {"time": 0, "duration": 2, "action": "generate"}
    full = canon({"regions": [a]}).body["regions"][0]
    moved = canon({"regions": [{**a, "time": 7}]}).body["regions"][0]
    assert region_hash(full) == region_hash(moved)
    louder = canon({"regions": [{**a, "params": {"intensity": 6}}]}).body["regions"][0]
    assert region_hash(louder) != region_hash(full)
    assert len(region_hash(full)) == 32


def test_catalogue_has_the_getTags_shape():
    cat = catalogue()
    tags = cat["tags"]
    assert len(tags) >= 24
    keys = {
        "id",
        "name",
        "tagCategoryId",
        "int_bonus",
        "tem_bonus",
        "rhy_bonus",
        "ton_bonus",
        "var_bonus",
    }
    assert all(keys <= set(t) for t in tags)
    assert {t["tagCategoryId"] for t in tags} == {c["id"] for c in CATEGORIES}
    names = {c["name"] for c in cat["categories"]}
    assert names == {"Genre", "Mood", "Instrument", "Energy"}
    ids = {str(t["id"]) for t in tags}
    for a, others in cat["tagsRelations"].items():
        assert a in ids
        for b, v in others.items():
            assert v == -1 and cat["tagsRelations"][b][a] == -1
    assert conflicts([11, 12]) == [(11, 12)]


def test_tags_bias_params():
    calm, explosive = resolve_style([14]), resolve_style([29])
    assert calm.bonus["intensity"] < 0 < explosive.bonus["intensity"]
    assert resolve_style([11]).bonus["tone"] > 0 > resolve_style([12]).bonus["tone"]
    assert resolve_style([]).palette.name == "default"

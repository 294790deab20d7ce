"""The mix and markers are the editor's own: saved, never sent, never 'changed since render'."""

from __future__ import annotations

from muzaic_studio.model import Project
from muzaic_studio.model.mix import (
    Marker,
    RegionMix,
    marker_rows,
    markers_csv,
    project_markers,
    region_mix,
    set_project_markers,
    set_region_mix,
    set_transition,
)
from muzaic_studio.model.region import Region


def test_mix_is_saved_but_never_sent_and_never_marks_the_region_changed(tmp_path) -> None:
    r = Region(0.0, 8.0, tags=[1])
    r.rendered = {"hash": "h" * 16, "spec": r.spec_digest()}
    body_before = Project(regions=[r]).request_body()
    set_region_mix(r, RegionMix(gain_db=-4.5, fade_in=2.0, fade_out_shape="log", fade_out=1))
    assert not r.changed_since_render
    project = Project(regions=[r])
    assert project.request_body() == body_before
    set_project_markers(project.extra, [Marker(3.0, "Hit", "#ff0000"), Marker(1.0)])
    path = tmp_path / "p.muzaic"
    project.save(path)
    again = Project.load(path)
    assert region_mix(again.regions[0]) == RegionMix(-4.5, 2.0, 1.0, "linear", "log")
    assert [m.time for m in project_markers(again.extra)] == [1.0, 3.0]
    assert project_markers(again.extra)[1] == Marker(3.0, "Hit", "#ff0000")


def test_mix_values_are_clamped_and_fades_fit_the_region() -> None:
    r = Region(0.0, 4.0)
    set_region_mix(r, RegionMix(gain_db=40.0, fade_in=8.0, fade_out=8.0))
    mix = region_mix(r)
    assert mix.gain_db == 12.0
    assert mix.fade_in + mix.fade_out <= 4.0 + 1e-9
    set_region_mix(r, RegionMix())
    assert "mix" not in r.to_dict()  # a flat mix leaves no trace in the file


def test_one_transition_sets_both_sides() -> None:
    a, b = Region(0.0, 4.0), Region(4.0, 6.0)
    set_transition(a, b, 1.5)
    assert region_mix(a).fade_out == 1.5 and region_mix(a).xfade
    assert region_mix(b).fade_in == 1.5 and region_mix(b).fade_in_shape == "equal-power"
    set_transition(a, b, 0.0)
    assert region_mix(a).is_flat and region_mix(b).fade_in == 0.0


def test_markers_csv_lists_markers_and_region_boundaries_in_time_order() -> None:
    rows = marker_rows([Marker(2.5, "Door")], [Region(0.0, 2.0, name="Intro"), Region(3.0, 1.0)])
    text = markers_csv(rows)
    assert text.splitlines() == [
        "time,name",
        "0.000,Intro start",
        "2.000,Intro end",
        "2.500,Door",
        "3.000,Region 2 start",
        "4.000,Region 2 end",
    ]

"""`muzaic-studio render` with takes: offline, equal regions of two takes get two hashes;
through the cloud, the body carries no take."""

from __future__ import annotations

from muzaic_studio.cli import main
from muzaic_studio.model import Project, Region
from tests.api.helpers import KEY, answer_render
from tests.api.recording_server import RecordingServer


def save(tmp_path):
    path = tmp_path / "takes.muzaic"
    Project(regions=[Region(0, 2, tags=[1], take=1), Region(2, 2, tags=[1], take=2)]).save(path)
    return path


def test_offline_render_gives_each_take_its_own_music(tmp_path, capsys):
    path = save(tmp_path)
    assert main(["render", str(path), "-o", str(tmp_path / "o.mp3"), "--offline"]) == 0
    a, b = Project.load(path).sorted_regions()
    assert a.last_hash and b.last_hash and a.last_hash != b.last_hash
    assert [a.take, b.take] == [1, 2] and not a.changed_since_render


def test_cloud_render_sends_no_take(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    path = save(tmp_path)
    with RecordingServer() as server:
        server.queue(answer_render)
        code = main(["render", str(path), "-o", str(tmp_path / "o.mp3"), "--api-url", server.url])
        assert code == 0, capsys.readouterr().err
        (rec,) = server.requests
    assert len(rec.json["regions"]) == 2
    assert all("take" not in r for r in rec.json["regions"])
    assert [r.take for r in Project.load(path).sorted_regions()] == [1, 2]  # kept in the file


def test_a_project_whose_hashes_the_engine_forgot_renders_again(tmp_path, monkeypatch, capsys):
    """A project from another machine, or after the cache was cleared: its saved hashes
    are unknown to this offline engine, so its regions and copy sources are rendered
    again instead of sent as copies the engine would refuse."""
    import shutil

    from muzaic_studio.paths import cache_dir

    path = tmp_path / "song.muzaic"
    source = Region(0, 4, tags=[1], name="Theme", region_id="theme")
    reprise = Region(6, 3, action="copy", name="Reprise", source_region="theme")
    Project(regions=[source, Region(4, 2, tags=[2]), reprise]).save(path)
    out = tmp_path / "out.mp3"
    assert main(["render", str(path), "-o", str(out), "--offline"]) == 0
    first = Project.load(path)
    assert all(r.last_hash for r in first.regions if r.action == "generate")
    shutil.rmtree(cache_dir() / "engine-regions")  # the engine forgets every region
    capsys.readouterr()
    assert main(["render", str(path), "-o", str(out), "--offline"]) == 0, capsys.readouterr().err
    again = Project.load(path)
    assert [r.last_hash for r in again.regions] == [r.last_hash for r in first.regions]
    assert main(["render", str(path), "-o", str(out), "--offline", "--changes-only"]) == 0

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

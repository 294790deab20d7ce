"""A project made offline, rendered on another backend: the real loopback `serve` server
plays the cloud (its own region store, so it knows none of the offline engine's hashes).
Everything it lacks is said before a request goes out; what it can do, it does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from muzaic_studio.cli import main
from muzaic_studio.engine.server import stop_server
from muzaic_studio.model import Project, Region
from muzaic_studio.model.hash_origin import OFFLINE
from tests.api.helpers import KEY, stand_in_cloud

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cloud(tmp_path, monkeypatch):
    """The stand-in cloud, counting the renders its engine is asked for."""
    server = stand_in_cloud(tmp_path / "cloud-store", monkeypatch, tokens=1000)
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    yield server
    stop_server(server, server.thread)


def render(project: Path, out: Path, *backend: str) -> int:
    return main(["render", str(project), "-o", str(out), *backend])


def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.muzaic"
    shutil.copy(REPO / "muzaic_studio" / "data" / "demo.muzaic", path)
    return path


def test_the_demo_made_offline_renders_on_the_cloud_without_paying_twice(tmp_path, cloud, capsys):
    path = demo(tmp_path)
    assert render(path, tmp_path / "offline.mp3", "--offline") == 0
    made_offline = Project.load(path)
    assert {r.rendered["backend"] for r in made_offline.regions if r.rendered} == {OFFLINE}
    capsys.readouterr()

    assert render(path, tmp_path / "cloud.mp3", "--api-url", cloud.url) == 0, capsys.readouterr()
    out, err = capsys.readouterr()
    assert "36 tokens charged (and 12 tokens charged for the copy sources)" in out
    assert "first 12 tokens to render the copy source (Region 1 'Opening: mystery'" in err
    first, soundtrack = cloud.bodies
    # The opening alone first: the cloud has no hash of it, and a copy needs one.
    assert [(r["time"], r["action"]) for r in first["regions"]] == [(0.0, "generate")]
    actions = [r["action"] for r in soundtrack["regions"]]
    assert actions == ["copy", "generate", "silence", "generate", "copy"]
    assert cloud.engine.account().used == 48  # 12 + 18 + 18: what one full render costs
    saved = Project.load(path)
    regions = saved.sorted_regions()
    source_hash = regions[0].rendered["hash"]
    assert soundtrack["regions"][0]["sourceHash"] == soundtrack["regions"][4]["sourceHash"]
    assert soundtrack["regions"][4]["sourceHash"] == source_hash
    assert {r.rendered["backend"] for r in regions if r.rendered} == {cloud.url}


def test_an_offline_hash_is_caught_before_the_request_with_an_offer(tmp_path, cloud, capsys):
    path = tmp_path / "p.muzaic"
    Project(regions=[Region(0, 3, tags=[1], tag_names=["Electronic"], name="Intro")]).save(path)
    assert render(path, tmp_path / "a.mp3", "--offline") == 0
    project = Project.load(path)
    offline_hash = project.regions[0].last_hash
    project.regions.append(Region(3, 3, action="copy", source_hash=offline_hash, name="Again"))
    project.save(path)
    capsys.readouterr()

    assert render(path, tmp_path / "b.mp3", "--api-url", cloud.url) == 2
    err = capsys.readouterr().err
    assert "nothing was sent" in err
    assert (
        f"Region 2 'Again' (at 3.00 s) copies hash {offline_hash[:10]}, which the offline " in err
    )
    assert f"engine made; the cloud at {cloud.url} does not have it." in err
    assert "Render its source, Region 1 'Intro' (at 0.00 s), there first." in err
    assert "--render-sources" in err
    assert cloud.bodies == []  # caught before the request
    assert not (tmp_path / "b.mp3").exists()

    assert render(path, tmp_path / "b.mp3", "--api-url", cloud.url, "--render-sources") == 0
    assert len(cloud.bodies) == 2 and cloud.engine.account().used == 3
    again = Project.load(path).sorted_regions()[1]
    assert again.source_region == Project.load(path).sorted_regions()[0].region_id
    assert again.source_hash is None


def test_tag_names_and_hashes_the_cloud_lacks_are_listed_before_spending(tmp_path, cloud, capsys):
    path = tmp_path / "p.muzaic"
    Project(regions=[Region(0, 3, tags=[1], tag_names=["Electronic"])]).save(path)
    assert render(path, tmp_path / "a.mp3", "--offline") == 0
    project = Project.load(path)
    project.regions[0].tag_names.append("Orchestral")  # a name the stand-in cloud lacks
    project.regions.append(Region(3, 2, action="copy", source_hash=project.regions[0].last_hash))
    project.save(path)
    before = path.read_bytes()
    capsys.readouterr()
    assert render(path, tmp_path / "b.mp3", "--api-url", cloud.url) == 2
    err = capsys.readouterr().err
    assert f"Region 1 (at 0.00 s): the cloud at {cloud.url} has no tag 'Orchestral'" in err
    assert "copies hash" in err and "which the offline engine made" in err
    assert cloud.bodies == [] and cloud.engine.account().used == 0
    assert path.read_bytes() == before


def test_render_changes_on_another_backend_regenerates_instead_of_copying_its_hashes(
    tmp_path, cloud, capsys
):
    path = tmp_path / "p.muzaic"
    Project(regions=[Region(0, 2, tags=[1], tag_names=["electronic"])]).save(path)
    assert render(path, tmp_path / "a.mp3", "--offline") == 0
    assert render(path, tmp_path / "b.mp3", "--changes-only", "--api-url", cloud.url) == 0
    (sent,) = cloud.bodies
    assert sent["regions"][0]["action"] == "generate"
    # The engine's id for the name, whatever its number is.
    tags = {t["name"].lower(): t["id"] for t in cloud.engine.tags()["tags"]}
    assert sent["regions"][0]["tags"] == [int(tags["electronic"])]
    assert render(path, tmp_path / "c.mp3", "--changes-only", "--api-url", cloud.url) == 0
    assert cloud.bodies[1]["regions"][0]["action"] == "copy"  # now its own hash: reused


def test_a_v1_project_is_named_with_the_old_numbering_rendered_and_saved_as_v2(tmp_path):
    path = tmp_path / "old.muzaic"
    path.write_text(json.dumps({"format": "muzaic-studio/1", "regions": [
        {"time": 0, "duration": 2, "action": "generate", "tags": [1]}]}))  # fmt: skip
    assert render(path, tmp_path / "a.mp3", "--offline") == 0
    saved = json.loads(path.read_text())
    assert saved["format"] == "muzaic-studio/2"
    assert saved["regions"][0]["tagNames"] == ["Electronic"]
    assert saved["regions"][0]["rendered"]["backend"] == OFFLINE


def test_the_demo_on_the_documented_cloud_names_every_tag_it_lacks_before_spending(
    tmp_path, monkeypatch, capsys
):
    """A server answering /getTags with the documentation's own catalogue (acoustic,
    electronic): the demo's other names are listed, region by region; no POST is made."""
    from tests.api.recording_server import RecordingServer, Reply
    from tests.model.test_tag_names import CLOUD_TAGS

    path = demo(tmp_path)
    before = path.read_bytes()
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    with RecordingServer() as server:
        server.route("/getTags", Reply(200, CLOUD_TAGS))
        assert render(path, tmp_path / "o.mp3", "--api-url", server.url) == 2
        assert [(r.method, r.path) for r in server.requests] == [("GET", "/getTags")]
    err = capsys.readouterr().err
    lacks = f"the cloud at {server.url} has no tags"
    assert f"Region 1 'Opening: mystery' (at 0.00 s): {lacks} 'Cinematic', 'Mysterious', " in err
    assert f"Region 2 'Build-up' (at 12.00 s): {lacks} 'Driving', 'Synth'" in err  # electronic: ok
    assert f"Region 4 'Theme' (at 32.50 s): {lacks} 'Pop', 'Happy', 'Piano'" in err
    assert path.read_bytes() == before and not (tmp_path / "o.mp3").exists()


def test_validate_prints_the_first_request_of_a_copy_of_an_unrendered_region(tmp_path, capsys):
    assert main(["validate", str(demo(tmp_path))]) == 0
    out, err = capsys.readouterr()
    body = json.loads(out)
    assert [(r["time"], r["action"]) for r in body["regions"]] == [(0.0, "generate")]
    assert "first of two requests: first 12 tokens to render the copy source" in err

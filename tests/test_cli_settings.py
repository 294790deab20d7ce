"""The CLI renders with the backend the editor saved (Preferences), and says so; a flag
or the environment wins over it. The real loopback `serve` server plays the cloud."""

from __future__ import annotations

import pytest

from muzaic_studio.cli import main
from muzaic_studio.engine.server import stop_server
from muzaic_studio.model import Project
from muzaic_studio.settings import settings_path
from muzaic_studio.settings.backend import BackendSettings
from tests.api.helpers import KEY, stand_in_cloud
from tests.test_cli import write_project


@pytest.fixture
def cloud(tmp_path, monkeypatch):
    server = stand_in_cloud(tmp_path / "cloud-store", monkeypatch, tokens=1000)
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    yield server
    stop_server(server, server.thread)


def render(project, out, *flags: str) -> int:
    return main(["render", str(project), "-o", str(out), *flags])


def test_render_uses_the_backend_saved_in_the_editor_and_says_why(tmp_path, cloud, capsys):
    project = write_project(tmp_path / "song.muzaic")
    BackendSettings(kind="cloud", api_url=cloud.url, origin="studio").save()  # as Preferences does
    assert render(project, tmp_path / "a.mp3") == 0, capsys.readouterr()
    err = capsys.readouterr().err
    where = f"saved in {settings_path()}"
    assert (
        f"Rendering with the Muzaic cloud at {cloud.url} (origin studio) "
        f"(cloud: {where}; address: {where}; origin: {where})." in err
    )
    assert len(cloud.bodies) == 1  # the saved cloud rendered it
    assert {r.rendered["backend"] for r in Project.load(project).regions if r.rendered} == {
        cloud.url
    }


def test_the_environment_and_a_flag_win_over_the_saved_backend(tmp_path, cloud, capsys,
                                                               monkeypatch):  # fmt: skip
    project = write_project(tmp_path / "song.muzaic")
    BackendSettings(kind="cloud", api_url=cloud.url).save()
    monkeypatch.setenv("MUZAIC_BACKEND", "offline")
    assert render(project, tmp_path / "a.mp3", "--no-save") == 0
    assert (
        "Rendering with the offline engine (offline: $MUZAIC_BACKEND)." in capsys.readouterr().err
    )
    monkeypatch.setenv("MUZAIC_BACKEND", "cloud")
    assert render(project, tmp_path / "b.mp3", "--no-save", "--offline") == 0
    assert "Rendering with" not in capsys.readouterr().err  # the command line said it
    assert cloud.bodies == []  # the saved cloud was never asked


def test_a_saved_cloud_without_a_key_names_the_setting_and_the_way_out(
    tmp_path, capsys, memory_keyring
):
    project = write_project(tmp_path / "song.muzaic")
    BackendSettings(kind="cloud").save()
    assert render(project, tmp_path / "a.mp3") == 3
    err = capsys.readouterr().err
    assert "No Muzaic API key is set." in err
    assert f"The Muzaic cloud is chosen (saved in {settings_path()}); --offline renders" in err
    assert not (tmp_path / "a.mp3").exists()


def test_without_a_choice_the_automatic_default_is_named(tmp_path, capsys, memory_keyring):
    project = write_project(tmp_path / "song.muzaic")
    assert render(project, tmp_path / "a.mp3", "--no-save") == 0
    err = capsys.readouterr().err
    assert "No API key set: rendering with the offline engine (automatic: the default)." in err


def test_a_bad_backend_in_the_environment_is_an_invalid_input(tmp_path, capsys, monkeypatch):
    project = write_project(tmp_path / "song.muzaic")
    monkeypatch.setenv("MUZAIC_BACKEND", "gpu")
    assert render(project, tmp_path / "a.mp3") == 2
    assert (
        "backend.kind must be one of auto, offline, cloud (it is 'gpu')." in capsys.readouterr().err
    )


def test_the_settings_command_lists_saves_and_resets(capsys, monkeypatch):
    assert main(["settings", "backend.kind", "offline"]) == 0
    assert f'backend.kind = "offline"  (saved in {settings_path()})' in capsys.readouterr().out
    assert BackendSettings.load().kind == "offline"  # what the editor's Preferences show
    assert main(["settings", "autosave.interval_seconds", "2"]) == 2
    assert "between 5 and 3600 seconds (it is '2')" in capsys.readouterr().err
    monkeypatch.setenv("MUZAIC_API_URL", "http://127.0.0.1:9")
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert 'backend.kind               "offline"  (saved)' in out
    assert 'backend.api_url            "http://127.0.0.1:9"  ($MUZAIC_API_URL)' in out
    assert "autosave.interval_seconds  30  (default)" in out
    assert main(["settings", "--reset", "backend.kind"]) == 0
    assert BackendSettings.load().kind == "auto"
    assert main(["settings", "api_key", "x"]) == 2  # the key is never a setting
    assert "No setting named 'api_key'" in capsys.readouterr().err

"""The declared settings without Qt: precedence (flag > environment > saved > default),
the settings file (atomic, merged, forgiving), and the one-time migration of the old
QSettings INI file."""

from __future__ import annotations

import json

import pytest

from muzaic_studio import settings
from muzaic_studio.settings import SettingError
from muzaic_studio.settings.backend import BackendSettings, resolve_backend
from muzaic_studio.settings.declared import (
    API_URL,
    AUTOSAVE_SECONDS,
    BACKEND,
    EXPORT_LOUDNESS,
    RECENT_FILES,
    SCENE_THRESHOLD,
)
from muzaic_studio.settings.store import QT_INI_NAME

URL_ENV = "MUZAIC_API_URL"


def test_each_level_wins_over_the_ones_below_it(tmp_path):
    path = tmp_path / "settings.json"
    nothing = settings.load(path)
    assert settings.resolve(API_URL, nothing, environ={}).source == "default"

    saved = settings.save({API_URL: "https://saved.example"}, path)
    got = settings.resolve(API_URL, saved, environ={})
    assert (got.value, got.source, got.detail) == ("https://saved.example", "saved", str(path))

    env = {URL_ENV: "https://env.example"}
    got = settings.resolve(API_URL, saved, environ=env)
    assert (got.value, got.source, got.describe()) == ("https://env.example", "env", f"${URL_ENV}")

    got = settings.resolve(API_URL, saved, flag="https://flag.example", flag_name="--api-url",
                           environ=env)  # fmt: skip
    assert (got.value, got.source, got.describe()) == ("https://flag.example", "flag", "--api-url")


def test_the_backend_flags_the_environment_and_the_saved_choice(tmp_path):
    saved = settings.save({BACKEND: "cloud", API_URL: "http://127.0.0.1:9"}, tmp_path / "s.json")
    choice = resolve_backend(saved, environ={})
    assert choice.offline is False and choice.kind.source == "saved"
    assert choice.why() == (
        f"cloud: saved in {tmp_path / 's.json'}; address: saved in {tmp_path / 's.json'}"
    )
    choice = resolve_backend(saved, environ={"MUZAIC_BACKEND": "offline"})
    assert choice.offline is True and choice.why() == "offline: $MUZAIC_BACKEND"
    assert resolve_backend(saved, offline=True, environ={"MUZAIC_BACKEND": "cloud"}).why() == (
        "offline: --offline"
    )
    # An explicit address means the cloud, whatever was saved or set
    choice = resolve_backend(settings.save({BACKEND: "offline"}, tmp_path / "s.json"),
                             origin="web", environ={"MUZAIC_BACKEND": "auto"})  # fmt: skip
    assert (choice.kind.value, choice.kind.describe(), choice.origin.value) == (
        "cloud", "--origin", "web",
    )  # fmt: skip
    assert resolve_backend(settings.Saved(), environ={}).why() == "automatic: the default"


def test_a_bad_environment_value_is_refused_by_name():
    with pytest.raises(SettingError, match=r"backend\.kind must be one of auto, offline, cloud"):
        resolve_backend(settings.Saved(), environ={"MUZAIC_BACKEND": "gpu"})
    # the editor has no command line to refuse it on: it keeps the saved choice instead
    choice = BackendSettings(kind="offline").in_effect({"MUZAIC_BACKEND": "gpu"})
    assert choice.kind.value == "offline" and choice.from_environment() == []


def test_a_save_keeps_other_values_and_what_a_newer_version_wrote(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"backend.kind": "cloud", "future.setting": [1, 2]}))
    settings.save({AUTOSAVE_SECONDS: 60}, path)
    settings.save({EXPORT_LOUDNESS: -16}, path)  # meanwhile, another process
    data = json.loads(path.read_text())
    assert data == {"backend.kind": "cloud", "future.setting": [1, 2],
                    "autosave.interval_seconds": 60, "export.loudness_target": -16.0}  # fmt: skip
    settings.save({BACKEND: None, EXPORT_LOUDNESS: None}, path)  # forget / "as mixed"
    saved = settings.load(path)
    assert not saved.has(BACKEND) and saved.get(BACKEND) == "auto"
    assert saved.has(EXPORT_LOUDNESS) and saved.get(EXPORT_LOUDNESS) is None
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, no leftovers


def test_a_value_that_does_not_fit_is_refused_on_save_and_ignored_on_load(tmp_path):
    path = tmp_path / "settings.json"
    with pytest.raises(SettingError, match="between 5 and 3600 seconds"):
        settings.save({AUTOSAVE_SECONDS: 1}, path)
    path.write_text(json.dumps({"autosave.interval_seconds": "often", "backend.kind": "cloud",
                                "video.scene_threshold": 7, "recent.files": "/a.muzaic"}))  # fmt: skip
    saved = settings.load(path)  # a hand edit gone wrong costs that value, not the rest
    assert saved.get(AUTOSAVE_SECONDS) == 30 and saved.get(BACKEND) == "cloud"
    assert saved.get(SCENE_THRESHOLD) == 0.3 and saved.get(RECENT_FILES) == ["/a.muzaic"]
    path.write_text("{not json")
    assert settings.load(path).get(BACKEND) == "auto"


def test_a_list_handed_out_is_a_copy(tmp_path):
    saved = settings.load(tmp_path / "settings.json")
    saved.get(RECENT_FILES).append("/x.muzaic")
    assert saved.get(RECENT_FILES) == [] and RECENT_FILES.default == []


# As QSettings 6 writes them (tests/ui/test_settings_ui.py writes one with QSettings).
OLD_INI = r"""[General]
recentFiles=/home/u/a b.muzaic, "/home/u/c,d.muzaic", /home/\xfc/e.muzaic

[backend]
api_url="http://127.0.0.1:8765/x?a=1;b"
kind=cloud
origin="st\"udio"

[video]
%252Fhome%252Fu%252Fa.muzaic\on=true
min_scene_seconds=2.5
scene_threshold=0.18

[window]
geometry=@ByteArray(\x1\x2\x61)
"""


def test_the_old_qsettings_values_are_migrated_once(tmp_path):
    path = tmp_path / "settings.json"
    (tmp_path / QT_INI_NAME).write_text(OLD_INI, encoding="utf-8")
    saved = settings.load(path)
    assert saved.values == {
        "backend.kind": "cloud",
        "backend.api_url": "http://127.0.0.1:8765/x?a=1;b",
        "backend.origin": 'st"udio',
        "recent.files": ["/home/u/a b.muzaic", "/home/u/c,d.muzaic", "/home/\u00fc/e.muzaic"],
        "video.min_scene_seconds": 2.5,
        "video.scene_threshold": 0.18,
    }
    assert json.loads(path.read_text()) == saved.values  # the CLI reads them from now on
    # Once: later changes go to settings.json; the INI (window layout) is not read again.
    settings.save({BACKEND: "offline"}, path)
    (tmp_path / QT_INI_NAME).write_text("[backend]\nkind=cloud\n")
    assert settings.load(path).get(BACKEND) == "offline"


def test_no_old_file_means_defaults_and_a_marker(tmp_path):
    path = tmp_path / "settings.json"
    assert settings.load(path).values == {}
    assert json.loads(path.read_text()) == {}


def test_the_settings_file_lives_in_the_config_folder():
    from muzaic_studio.paths import config_dir

    assert settings.settings_path() == config_dir() / "settings.json"


def test_a_list_setting_is_saved_and_read_back(tmp_path):
    path = tmp_path / "settings.json"
    settings.save({RECENT_FILES: ["/b.muzaic", "/a, b.muzaic"]}, path)
    assert settings.load(path).get(RECENT_FILES) == ["/b.muzaic", "/a, b.muzaic"]

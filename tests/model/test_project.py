"""Project files: round trips, unknown keys, versions, malformed input, atomic saves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muzaic_studio.atomic import WriteError
from muzaic_studio.model import FORMAT, Project, ProjectError, Region
from tests.model.strategies import json_values, projects

REPO = Path(__file__).resolve().parents[2]


@given(projects())
@settings(max_examples=150, deadline=None)
def test_project_json_project_is_equal(project):
    loaded = Project.from_json(project.to_json())
    project.regions = project.sorted_regions()  # files store regions in time order
    assert loaded == project
    assert loaded.to_json() == project.to_json()
    assert loaded.request_body() == project.request_body()


@given(projects(), st.dictionaries(st.sampled_from(["zeta", "plugin", "x_y"]), json_values))
@settings(max_examples=60, deadline=None)
def test_unknown_keys_survive_load_and_save(project, region_extra):
    data = json.loads(project.to_json())
    data["futureFeature"] = {"nested": [1, "two", None]}
    data["regions"][0].update(region_extra)
    again = json.loads(Project.from_dict(json.loads(json.dumps(data))).to_json())
    assert again["futureFeature"] == {"nested": [1, "two", None]}
    for key, value in region_extra.items():
        assert again["regions"][0][key] == value
    assert again == data


def test_editor_keys_never_reach_the_request():
    project = Project(
        regions=[Region(0, 2, name="intro", color="#ff0000", extra={"locked": True})],
    )
    project.regions[0].rendered = {"hash": "h", "spec": "s"}
    region = project.request_body()["regions"][0]
    assert set(region) == {"time", "duration", "action", "tags", "params"}


def test_a_newer_format_is_refused_with_a_clear_message():
    with pytest.raises(ProjectError) as info:
        Project.from_dict({"format": "muzaic-studio/3", "regions": []})
    assert "newer Muzaic Studio" in str(info.value)
    assert "update" in str(info.value).lower()
    assert FORMAT in str(info.value)


@pytest.mark.parametrize("fmt", ["other-app/1", "muzaic-studio", "muzaic-studio/x", 7])
def test_a_foreign_format_is_refused(fmt):
    with pytest.raises(ProjectError, match="Unknown project format"):
        Project.from_dict({"format": fmt, "regions": []})


def test_older_files_without_format_load():
    project = Project.from_dict({"regions": [{"time": 0, "duration": 1}], "normalize": "none"})
    assert project.regions[0].action == "generate"
    assert project.normalize is False


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{", "not valid JSON: line 1"),
        ('{"regions": [}', "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('"hello"', "expected a JSON object"),
        ('{"regions": {"time": 0}}', "'regions' must be a list"),
        ('{"regions": [3]}', "Region 1: expected an object"),
        (
            '{"regions": [{"time": 0, "duration": 1}, {"time": "soon", "duration": 1}]}',
            "Region 2: time",
        ),
        ('{"regions": [{"time": 0}]}', "Region 1: duration must be a number"),
        ('{"regions": [{"time": true, "duration": 1}]}', "Region 1: time"),
        ('{"regions": [{"time": NaN, "duration": 1}]}', "Region 1: time must be a number"),
        ('{"regions": [{"time": 0, "duration": Infinity}]}', "Region 1: duration"),
        ('{"regions": [{"time": 2, "duration": 1, "tags": 5}]}', r"Region 1 \(at 2\.00 s\): tags"),
        ('{"regions": [{"time": 0, "duration": 1, "tags": ["x"]}]}', "Region 1.*tags"),
        ('{"regions": [{"time": 0, "duration": 1, "tags": [true]}]}', "Region 1.*tags"),
        ('{"regions": [{"time": 0, "duration": 1, "params": [1]}]}', "Region 1.*params"),
        # What the editor could not show: it crashed on each (the Inspector, the timeline).
        ('{"regions": [{"time": 0, "duration": 1, "params": {"tone": NaN}}]}', "params.tone"),
        ('{"regions": [{"time": 0, "duration": 1, "params": {"tempo": 1e20}}]}', "params.tempo"),
        ('{"regions": [{"time": 0, "duration": 1, "params": {"tone": [[0, NaN]]}}]}', "tone"),
        ('{"regions": [{"time": 0, "duration": 1, "params": {"tone": [[50]]}}]}', "keyframes"),
        ('{"regions": [{"time": 0, "duration": 1, "params": {"tone": "high"}}]}', "'high'"),
        ('{"regions": [{"time": 0, "duration": 1, "name": 5}]}', "name must be text"),
        ('{"regions": [{"time": 0, "duration": 1, "method": [1]}]}', "method must be text"),
        ('{"regions": [{"time": 0, "duration": 1, "sourceHash": 12}]}', "sourceHash must be"),
        ('{"regions": [{"time": 0, "duration": 1e9}]}', "at most 24 hours"),
        ('{"regions": [{"time": true, "duration": 1}]}', "found True"),  # not "a huge number"
        ('{"regions": [], "video": "a\\u0000b"}', "video"),
    ],
)
def test_malformed_files_are_project_errors(text, match):
    with pytest.raises(ProjectError, match=match):
        Project.from_json(text)


@given(st.dictionaries(st.sampled_from(["format", "regions", "normalize", "name", "video",
                                        "lastRender", "library", "tempoBpm", "other"]),
                       json_values))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_any_json_object_loads_or_is_a_project_error(data):
    try:
        project = Project.from_dict(data)
    except ProjectError:
        return
    Project.from_json(project.to_json())  # and what loaded can be saved and loaded again


@given(st.lists(st.dictionaries(st.sampled_from(["time", "duration", "action", "tags", "params",
                                                 "sourceHash", "name", "color", "rendered",
                                                 "method"]), json_values), max_size=3))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_any_region_objects_load_or_are_project_errors(raw_regions):
    for r in raw_regions:
        r.setdefault("time", 0)
        r.setdefault("duration", 1)
    try:
        project = Project.from_dict({"regions": raw_regions})
    except ProjectError:
        return
    Project.from_json(project.to_json())


def test_damaged_editor_only_fields_fall_back_instead_of_failing():
    project = Project.from_json(
        '{"regions": [{"time": 0, "duration": 1, "rendered": "x"}], "tempoBpm": "fast",'
        ' "library": [{"hash": "bad", "duration": "long"}, {"hash": "good", "duration": 2},'
        ' "junk", {"no": "hash"}]}'
    )
    assert project.tempo_bpm == 120.0
    assert project.regions[0].rendered is None
    assert [e.hash for e in project.library.entries()] == ["good"]


def test_damaged_bookkeeping_is_dropped_not_crashed_on():
    """A render record or library entry with numbers where text belongs (or NaN dates)
    crashed the editor on open; the hashes that are sound are kept."""
    project = Project.from_json(
        '{"regions": [{"time": 0, "duration": 1, "rendered": {"hash": "h1", "spec": [1]}}],'
        ' "lastRender": {"regionHashes": ["h1"], "audio": 5},'
        ' "library": [{"hash": "h1", "duration": 2, "created": 1e300, "thumbnail": [NaN]},'
        ' {"hash": "h2", "duration": NaN}]}'
    )
    assert project.regions[0].rendered == {"hash": "h1"}
    assert project.last_render == {"regionHashes": ["h1"]}
    (entry,) = project.library.entries()
    assert (entry.hash, entry.duration, entry.created, entry.thumbnail) == ("h1", 2, 0, [0])


def test_a_thousand_broken_regions_are_summed_up_not_listed():
    raw = [{"time": 0, "duration": "x"}] * 1000
    with pytest.raises(ProjectError) as info:
        Project.from_dict({"regions": raw})
    assert "(1000 problems)" in str(info.value) and len(str(info.value)) < 600


def test_a_byte_order_mark_is_no_error(tmp_path):
    path = tmp_path / "notepad.muzaic"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"regions": [{"time": 0, "duration": 1}]}')
    assert len(Project.load(path).regions) == 1


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(ProjectError, match="No project file"):
        Project.load(tmp_path / "missing.muzaic")
    bad = tmp_path / "bad.muzaic"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProjectError, match=r"bad\.muzaic"):
        Project.load(bad)
    bad.write_text('{"format": "muzaic-studio/9"}')
    with pytest.raises(ProjectError, match=r"bad\.muzaic: This project was saved by a newer"):
        Project.load(bad)


# -- atomic saves --------------------------------------------------------------------------
def test_save_and_load(tmp_path):
    path = tmp_path / "p.muzaic"
    project = Project(regions=[Region(0, 3, tags=[1])], name="demo")
    project.save(path)
    assert Project.load(path) == project
    assert [p.name for p in tmp_path.iterdir()] == ["p.muzaic"]


def _run_python(code: str, *prefix: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=60, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip


def test_a_write_that_fails_midway_leaves_the_old_file_intact(tmp_path):
    """A real failing write: the file-size limit (as on a full disk) stops it halfway."""
    path = tmp_path / "p.muzaic"
    old = Project(regions=[Region(0, 1)], name="old")
    old.save(path)
    before = path.read_bytes()
    proc = _run_python(
        f"""
        import resource, signal
        from muzaic_studio.atomic import WriteError
        from muzaic_studio.model import Project, Region
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        big = Project(regions=[Region(i, 1, name="x" * 200) for i in range(200)], name="new")
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            big.save({str(path)!r})
        except WriteError as exc:
            print("WriteError", exc.errno, exc.strerror)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("WriteError 27"), proc.stdout  # EFBIG
    assert path.read_bytes() == before
    assert Project.load(path).name == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.muzaic"]  # no temp file left


def test_saving_into_a_read_only_folder_is_a_write_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "p.muzaic"
    Project(name="old").save(path)
    folder.chmod(0o555)
    try:
        if os.geteuid() != 0:
            with pytest.raises(WriteError, match="read-only or you lack permission"):
                Project(name="new").save(path)
        else:
            # root ignores permissions: drop the capabilities that let it (util-linux setpriv)
            setpriv = shutil.which("setpriv")
            assert setpriv, "running as root needs setpriv to test permissions"
            proc = _run_python(
                f"""
                from muzaic_studio.atomic import WriteError
                from muzaic_studio.model import Project
                try:
                    Project(name="new").save({str(path)!r})
                except WriteError as exc:
                    print(type(exc).__name__, exc.errno, exc.strerror)
                """,
                setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner",
            )  # fmt: skip
            assert proc.stdout.strip() == (
                f"WriteError 13 Cannot write {path}: the folder is read-only or you lack permission."
            ), proc.stdout + proc.stderr
        assert Project.load(path).name == "old"
        assert [p.name for p in folder.iterdir()] == ["p.muzaic"]
    finally:
        folder.chmod(0o755)


def test_loading_never_writes(tmp_path):
    path = tmp_path / "p.muzaic"
    path.write_text('{"format": "muzaic-studio/1", "regions": [], "zzz": 1}')
    mtime = path.stat().st_mtime_ns
    Project.load(path)
    assert path.stat().st_mtime_ns == mtime


def test_a_long_read_reports_its_progress_and_can_be_stopped(tmp_path):
    """The editor's status bar follows a big open, and a second open stops the first:
    the progress callback hears the share of regions read and may raise to stop."""
    path = tmp_path / "long.muzaic"
    Project(regions=[Region(i * 2.0, 1.0) for i in range(3500)]).save(path)
    heard: list[float] = []
    assert len(Project.load(path, heard.append).regions) == 3500
    assert heard == sorted(heard) and heard[0] == 0.0 and 0.5 < heard[-1] < 1.0

    class Stop(Exception):
        pass

    def stop_halfway(fraction: float) -> None:
        if fraction > 0.5:
            raise Stop

    with pytest.raises(Stop):
        Project.load(path, stop_halfway)


def test_nesting_is_measured_the_same_across_the_chunks_of_a_big_file(monkeypatch):
    """depth() scans a big text in chunks ending at newlines (so a worker's read lets the
    GUI thread run); brackets inside strings still don't count, deep nesting still does."""
    from muzaic_studio import jsonsafe

    text = json.dumps(
        {"regions": [{"name": "[[[{{{", "params": {"k": [[1, 2]] * 3}}] * 50,
         "deep": [[[[[[[["x]]]"]]]]]]]]},
        indent=2,
    )  # fmt: skip
    whole = jsonsafe.depth(text)
    monkeypatch.setattr(jsonsafe, "DEPTH_CHUNK", 16)
    assert jsonsafe.depth(text) == whole == 9
    with pytest.raises(jsonsafe.JSONError, match="deeper than 8"):
        jsonsafe.loads(text, max_depth=8)

"""`muzaic-studio` end to end: main(argv) in-process, and real subprocesses where it matters
(stdin, environment-chosen keyring, start-up imports, serve)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import jsonschema
import keyring
import numpy as np
import pytest

from muzaic_studio import __version__
from muzaic_studio.api.cloud import KEY_HEADER
from muzaic_studio.cli import main
from muzaic_studio.contract.audio import audio_format
from muzaic_studio.model import Project, Region
from muzaic_studio.model.schema import request_schema
from tests.api.helpers import KEY, answer_render, ok_reply
from tests.api.recording_server import RecordingServer, Reply, free_port
from tests.fake_keyring import MemoryKeyring

REPO = Path(__file__).resolve().parents[1]


def write_project(path: Path, **kw) -> Path:
    project = Project(
        regions=[
            Region(
                0,
                3,
                tags=[1],
                params={"intensity": 6, "tempo": 5, "tone": 4, "variance": 5, "rhythm": 3},
            ),
            Region(3, 1, action="silence"),
            Region(4, 2, tags=[2], name="b", color="#00ff00"),
        ],
        **kw,
    )
    project.save(path)
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    return write_project(tmp_path / "song.muzaic")


@pytest.fixture
def server():
    with RecordingServer() as srv:
        yield srv


@pytest.fixture
def cloud_env(monkeypatch):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)


def run(*argv: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), **kw.pop("env", {})}
    return subprocess.run(
        [sys.executable, "-m", "muzaic_studio", *argv],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=env, **kw,
    )  # fmt: skip


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- help and version ----------------------------------------------------------------------
def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"muzaic-studio {__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["render", "--help"],
        ["validate", "--help"],
        ["tags", "--help"],
        ["account", "--help"],
        ["key", "--help"],
        ["key", "set", "--help"],
        ["key", "status", "--help"],
        ["key", "clear", "--help"],
        ["serve", "--help"],
    ],
)
def test_help_everywhere(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: muzaic-studio")
    if argv[0] == "render":
        assert "--wav" in out and "--changes-only" in out and "--offline" in out
    if argv[0] == "serve":
        assert "--port" in out  # the engine's own options, added lazily


def test_startup_imports_stay_light():
    code = (
        "import sys, muzaic_studio.cli;"
        "heavy = ('requests', 'numpy', 'PySide6', 'keyring', 'jsonschema', 'urllib3');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy"
        " or m.startswith(('muzaic_studio.engine', 'muzaic_studio.api.cloud'))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


# -- validate -----------------------------------------------------------------------------------
def test_validate_prints_the_exact_body(project, capsys):
    assert main(["validate", str(project)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body == Project.load(project).request_body()
    jsonschema.validate(body, request_schema())
    assert all("name" not in r and "color" not in r for r in body["regions"])


def test_validate_reports_every_problem(tmp_path, capsys):
    path = tmp_path / "bad.muzaic"
    path.write_text(
        json.dumps(
            {
                "format": "muzaic-studio/1",
                "regions": [
                    {"time": 0, "duration": 5, "action": "generate", "params": {"tempo": 11}},
                    {"time": 4, "duration": 2, "action": "copy"},
                ],
            }
        )
    )
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert "Region 1 (at 0.00 s): params.tempo: 11 must be an integer 1..10" in lines
    assert (
        "Region 2 (at 4.00 s): sourceHash: a copy region needs the hash of the region to copy"
        in lines
    )
    assert any(line.startswith("Region 2 (at 4.00 s): time: overlaps region 1") for line in lines)
    assert lines[-1].endswith("3 problems; nothing would be sent.")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "No project file"),
        ("{oops", "not valid JSON"),
        ('{"format": "muzaic-studio/7"}', "newer"),
    ],
)
def test_validate_unreadable_projects_exit_2_with_one_line(tmp_path, capsys, content, match):
    path = tmp_path / "p.muzaic"
    if content is not None:
        path.write_text(content)
    assert main(["validate", str(path)]) == 2
    assert match in one_line(capsys.readouterr().err)


# -- render offline ------------------------------------------------------------------------------
def test_render_offline_writes_mp3_wav_and_stores_hashes(project, tmp_path, capsys):
    out, wav = tmp_path / "out.mp3", tmp_path / "out.wav"
    assert main(["render", str(project), "-o", str(out), "--wav", str(wav), "--offline"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(
        f"Wrote {out} and {wav}: 6.0 s, nothing charged (offline engine)"
    )
    assert audio_format(out.read_bytes()) == "mp3"
    assert audio_format(wav.read_bytes()) == "wav"
    with wave.open(str(wav)) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(6.0, abs=0.06)
    saved = Project.load(project)
    generate = [r for r in saved.regions if r.action == "generate"]
    assert all(r.last_hash and not r.changed_since_render for r in generate)
    assert saved.last_render["tokensUsed"] == 0  # counted like the API, never charged
    assert saved.last_render["audio"] == str(out.resolve())
    assert {e.hash for e in saved.library.entries()} == {r.last_hash for r in generate}

    # render again, changes only: nothing to generate, the music is reused
    assert main(["render", str(project), "-o", str(out), "--changes-only", "--offline"]) == 0
    assert (
        "nothing charged (offline engine) (reused 2 unchanged regions)" in capsys.readouterr().out
    )


def test_without_a_key_render_falls_back_to_offline_and_says_so(project, tmp_path, capsys):
    assert main(["render", str(project), "-o", str(tmp_path / "o.mp3")]) == 0
    assert "offline engine" in capsys.readouterr().err


def test_render_invalid_project_exits_2_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "p.muzaic"
    Project(regions=[Region(0, 5), Region(2, 5)]).save(path)
    before = path.read_bytes()
    out = tmp_path / "o.mp3"
    assert main(["render", str(path), "-o", str(out), "--offline"]) == 2
    assert "Region 2 (at 2.00 s): time: overlaps region 1" in one_line(capsys.readouterr().err)
    assert not out.exists() and path.read_bytes() == before


def test_a_failed_wav_export_keeps_the_mp3_and_the_hashes(project, tmp_path, capsys):
    out = tmp_path / "o.mp3"
    wav = tmp_path / "a-folder.wav"
    wav.mkdir()  # the export cannot replace a folder with a file
    assert main(["render", str(project), "-o", str(out), "--wav", str(wav), "--offline"]) == 1
    line = one_line(capsys.readouterr().err)
    assert "region hashes stored" in line and "WAV export failed" in line
    assert audio_format(out.read_bytes()) == "mp3"
    assert Project.load(project).regions[0].last_hash


def test_render_into_a_missing_folder_exits_2(project, tmp_path, capsys):
    assert main(["render", str(project), "-o", str(tmp_path / "nope" / "o.mp3"), "--offline"]) == 2
    assert "does not exist" in one_line(capsys.readouterr().err)
    wav = str(tmp_path / "nope" / "o.wav")
    assert (
        main(["render", str(project), "-o", str(tmp_path / "o.mp3"), "--wav", wav, "--offline"])
        == 2
    )
    assert "does not exist" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "o.mp3").exists()


# -- render against a recording server (the cloud from outside the machine) ---------------------
def test_render_through_the_cloud_sends_a_valid_body_with_the_key(
    project, tmp_path, server, cloud_env, capsys
):
    server.queue(answer_render)
    out = tmp_path / "o.mp3"
    expected = Project.load(project).request_body()
    code = main(
        ["render", str(project), "-o", str(out), "--api-url", server.url, "--origin", "cli"]
    )
    assert code == 0, capsys.readouterr().err
    (rec,) = server.requests
    assert rec.path == "/soundtrack/cli"
    assert rec.header(KEY_HEADER) == KEY
    jsonschema.validate(rec.json, request_schema())
    assert rec.json == expected
    saved = Project.load(project)
    assert [r.last_hash for r in saved.regions] == ["h0000", None, "h0002"]
    assert audio_format(out.read_bytes()) == "mp3"
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    assert "5 tokens charged" in captured.out

    # a changes-only render sends the rendered regions as copies of the cloud's hashes
    server.queue(answer_render)
    assert (
        main(["render", str(project), "-o", str(out), "--changes-only", "--api-url", server.url])
        == 0
    )
    sent = server.requests[1].json["regions"]
    assert [(r["action"], r.get("sourceHash")) for r in sent] == [
        ("copy", "h0000"), ("silence", None), ("copy", "h0002"),
    ]  # fmt: skip
    jsonschema.validate(server.requests[1].json, request_schema())


def test_mp3_url_from_the_cloud_is_downloaded(project, tmp_path, server, cloud_env):
    from tests.api.helpers import mp3_bytes

    server.route("/a.mp3", Reply(200, mp3_bytes(6.0)))
    server.queue(ok_reply(3, mp3=None, url="/a.mp3", audioDuration=6.0))
    out = tmp_path / "o.mp3"
    assert main(["render", str(project), "-o", str(out), "--api-url", server.url]) == 0
    assert out.read_bytes() == mp3_bytes(6.0)


def test_audio_that_cannot_be_fetched_still_stores_the_paid_hashes(
    project, tmp_path, server, cloud_env, capsys
):
    server.route("/gone.mp3", Reply(404, b""))
    server.queue(ok_reply(3, mp3=None, url="/gone.mp3"))
    out = tmp_path / "o.mp3"
    assert main(["render", str(project), "-o", str(out), "--api-url", server.url]) == 4
    line = one_line(capsys.readouterr().err)
    assert "404" in line and "--changes-only" in line and "without spending tokens" in line
    assert not out.exists()
    assert [r.last_hash for r in Project.load(project).regions] == ["h0000", None, "h0002"]
    # the follow-up sends copies of those hashes: no generation, no tokens
    server.queue(answer_render)
    assert (
        main(["render", str(project), "-o", str(out), "--changes-only", "--api-url", server.url])
        == 0
    )
    sent = [r["action"] for r in server.posts()[-1].json["regions"]]
    assert sent == ["copy", "silence", "copy"]


def ten_second_project(tmp_path: Path) -> Path:
    path = tmp_path / "ten.muzaic"
    Project(regions=[Region(0, 10, tags=[1])]).save(path)
    return path


def test_truncated_audio_is_an_error_that_keeps_the_hashes_and_the_previous_output(
    tmp_path, server, cloud_env, capsys
):
    import base64

    from tests.api.helpers import mp3_bytes

    path = ten_second_project(tmp_path)
    out = tmp_path / "out.mp3"
    out.write_bytes(b"the previous render")
    short = base64.b64encode(mp3_bytes(10.0)[:2000]).decode()  # 2000 bytes for 10 s
    server.queue(ok_reply(1, mp3=short, audioDuration=10.0, tokensUsed=10))
    assert main(["render", str(path), "-o", str(out), "--api-url", server.url]) == 4
    line = one_line(capsys.readouterr().err)
    # The cloud client checks the length before the render use case would: either says it.
    assert re.search(r"The server sent 0\.\d s of a 10(\.0)? s soundtrack", line), line
    assert "--changes-only" in line and "Wrote" not in line
    assert out.read_bytes() == b"the previous render"
    assert Project.load(path).regions[0].last_hash == "h0000"  # paid for: kept


def test_a_wrong_audio_duration_beside_complete_audio_is_a_warning(
    tmp_path, server, cloud_env, capsys
):
    import base64

    from tests.api.helpers import mp3_bytes

    path = ten_second_project(tmp_path)
    out = tmp_path / "out.mp3"
    audio = base64.b64encode(mp3_bytes(10.0)).decode()
    server.queue(ok_reply(1, mp3=audio, audioDuration=2.0, tokensUsed=10))
    assert main(["render", str(path), "-o", str(out), "--api-url", server.url]) == 0
    captured = capsys.readouterr()
    assert "warning:" in one_line(captured.err) and re.search(r"says 2(\.0)? s", captured.err)
    assert captured.out.startswith(f"Wrote {out}: 10.0 s, 10 tokens charged")
    assert Project.load(path).last_render["audioDuration"] == pytest.approx(10.0, abs=0.1)


def test_an_invalid_project_is_refused_before_the_cloud_sees_it(
    tmp_path, server, cloud_env, capsys
):
    path = tmp_path / "bad.muzaic"
    Project(regions=[Region(0, 5), Region(3, 5, params={"tempo": 11})]).save(path)
    out = tmp_path / "o.mp3"
    assert main(["render", str(path), "-o", str(out), "--api-url", server.url]) == 2
    assert "Region 2" in one_line(capsys.readouterr().err)
    assert server.requests == [] and not out.exists()


@pytest.mark.parametrize(
    ("reply", "code", "text"),
    [
        (Reply(400, {"error": "tag 2 unknown"}), 2, "tag 2 unknown"),
        (Reply(401, {"error": "bad key"}), 3, "key set"),
        (Reply(402, {"needed": 5, "balance": 1}), 3, "Not enough tokens: 5 needed, 1 left"),
        (Reply(429, {"error": "slow"}, {"Retry-After": "120"}), 4, "Try again in 120 s"),
        (Reply(500, {"error": "boom"}), 4, "HTTP 500"),
        (Reply(503, "<html>down</html>"), 4, "HTTP 503"),
        (Reply(200, "not json"), 4, "not JSON"),
        (Reply(fault="close"), 4, "connection"),
    ],
)
def test_render_failures_exit_with_their_code_and_one_line(
    project, tmp_path, server, cloud_env, capsys, reply, code, text
):
    server.queue(reply)
    before = project.read_bytes()
    out = tmp_path / "o.mp3"
    assert main(["render", str(project), "-o", str(out), "--api-url", server.url]) == code
    line = one_line(capsys.readouterr().err)
    assert text in line and KEY not in line
    assert not out.exists()
    assert project.read_bytes() == before  # a failed render never changes the project
    assert len(server.posts()) == 1


def test_render_connection_refused_exits_4(project, tmp_path, cloud_env, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["render", str(project), "-o", str(tmp_path / "o.mp3"), "--api-url", url]) == 4
    assert "refused" in one_line(capsys.readouterr().err)


def test_an_explicit_server_without_a_key_exits_3(project, tmp_path, server, capsys):
    argv = ["render", str(project), "-o", str(tmp_path / "o.mp3"), "--api-url", server.url]
    # no usable keyring (the suite's default backend): the message says how to fix that
    assert main(argv) == 3
    assert "MUZAIC_API_KEY" in one_line(capsys.readouterr().err)
    # a working keyring without a key
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        assert main(argv) == 3
    finally:
        keyring.set_keyring(previous)
    assert "muzaic-studio key set" in one_line(capsys.readouterr().err)
    assert server.requests == []


def test_plain_http_to_a_remote_host_exits_2(project, tmp_path, cloud_env, capsys):
    code = main(
        ["render", str(project), "-o", str(tmp_path / "o.mp3"), "--api-url", "http://example.com"]
    )
    assert code == 2
    assert "plain http" in one_line(capsys.readouterr().err)


def test_offline_with_api_url_is_a_usage_error(project, tmp_path, capsys):
    code = main(
        [
            "render",
            str(project),
            "-o",
            str(tmp_path / "o.mp3"),
            "--offline",
            "--api-url",
            "https://x",
        ]
    )
    assert code == 2


def test_env_api_url_is_used(project, tmp_path, server, cloud_env, monkeypatch, capsys):
    monkeypatch.setenv("MUZAIC_API_URL", server.url)
    server.queue(answer_render)
    assert main(["render", str(project), "-o", str(tmp_path / "o.mp3")]) == 0
    assert len(server.posts()) == 1


# -- tags, account ----------------------------------------------------------------------------------
def test_tags_and_account_through_the_cloud(server, cloud_env, capsys):
    server.queue(
        Reply(200, {"tags": [{"id": 7, "name": "Calm", "tagCategoryId": 1}], "tagsRelations": {}}),
        Reply(200, {"balance": 42, "used": 8}),
        Reply(200, {"balance": 42, "used": 8}),
    )
    assert main(["tags", "--api-url", server.url]) == 0
    assert capsys.readouterr().out == "7\tCalm\tcategory 1\n"
    assert main(["account", "--api-url", server.url]) == 0
    assert capsys.readouterr().out == "Balance: 42 tokens\nUsed:    8 tokens\n"
    assert main(["account", "--json", "--api-url", server.url]) == 0
    assert json.loads(capsys.readouterr().out) == {"balance": 42, "used": 8}
    assert all(r.header(KEY_HEADER) == KEY for r in server.requests)


def test_tags_offline(capsys):
    assert main(["tags", "--offline", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tags"] and all("id" in t and "name" in t for t in data["tags"])


def test_tags_print_category_names_when_the_catalogue_has_them(server, cloud_env, capsys):
    server.queue(
        Reply(200, {
            "tags": [
                {"id": 7, "name": "Calm", "tagCategoryId": 2},
                {"id": 3, "name": "Piano", "tagCategoryId": 9},  # a category without a name
            ],
            "tagsRelations": {},
            "categories": [{"id": 2, "name": "Mood"}],
        }),
    )  # fmt: skip
    assert main(["tags", "--api-url", server.url]) == 0
    assert capsys.readouterr().out == "7\tCalm\tMood\n3\tPiano\tcategory 9\n"
    # The offline engine's catalogue names every category (engine/tags.py CATEGORIES).
    proc = run("tags", "--offline")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and not any("\tcategory " in line for line in lines), lines
    assert {line.split("\t")[2] for line in lines} <= {"Genre", "Mood", "Instrument", "Energy"}


def test_account_unauthorized_exits_3(server, cloud_env, capsys):
    server.queue(Reply(401, {"error": "nope"}))
    assert main(["account", "--api-url", server.url]) == 3
    one_line(capsys.readouterr().err)


# -- key (subprocesses: stdin and an environment-chosen keyring backend) ----------------------------
def test_key_set_status_clear_with_stdin(tmp_path):
    env = {
        "PYTHON_KEYRING_BACKEND": "tests.fake_keyring.FileKeyring",
        "FAKE_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }
    status = run("key", "status", env=env)
    assert status.returncode == 3 and "No API key is set" in status.stdout

    stored = run("key", "set", input=KEY + "\n", env=env)
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.startswith("API key ****CRET stored in the system keyring.")
    assert json.loads((tmp_path / "keyring.json").read_text()) == {"muzaic-studio/api-key": KEY}

    status = run("key", "status", env=env)
    assert status.returncode == 0
    assert status.stdout.strip() == "Using the API key stored in the system keyring (****CRET)."

    assert run("key", "clear", env=env).stdout.startswith("API key removed")
    assert run("key", "status", env=env).returncode == 3
    for proc in (status, stored):
        assert KEY not in proc.stdout + proc.stderr


def test_key_set_refuses_an_empty_key(tmp_path):
    env = {
        "PYTHON_KEYRING_BACKEND": "tests.fake_keyring.FileKeyring",
        "FAKE_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }
    proc = run("key", "set", input="\n", env=env)
    assert proc.returncode == 2
    assert "empty" in one_line(proc.stderr)
    assert not (tmp_path / "keyring.json").exists()


def test_key_set_without_a_keyring_says_how_to_fix_it():
    proc = run(
        "key", "set", input=KEY, env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    )
    assert proc.returncode == 3
    line = one_line(proc.stderr)
    assert "keyrings.alt" in line and "MUZAIC_API_KEY" in line and "gnome-keyring" in line
    assert KEY not in proc.stdout + proc.stderr


def test_key_is_never_read_from_argv(capsys):
    with pytest.raises(SystemExit) as info:
        main(["key", "set", KEY])
    assert info.value.code == 2


def test_key_status_with_env(monkeypatch, capsys):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    assert main(["key", "status"]) == 0
    out = capsys.readouterr().out
    assert "MUZAIC_API_KEY (****CRET)" in out and KEY not in out


def test_key_status_advice_fits_a_set_variable():
    # The tests' keyring is keyring.backends.fail: unusable, as on a headless machine.
    with_env = run("key", "status", env={"MUZAIC_API_KEY": KEY})
    assert with_env.returncode == 0, with_env.stderr
    out = with_env.stdout
    assert out.startswith("Using the API key from MUZAIC_API_KEY (****CRET).")
    assert "set MUZAIC_API_KEY" not in out and "keyrings.alt" in out and KEY not in out
    without = run("key", "status", env={"MUZAIC_API_KEY": ""})
    assert without.returncode == 3
    assert "or set MUZAIC_API_KEY in the environment" in without.stdout


# -- serve and the GUI --------------------------------------------------------------------------------
def test_serve_then_render_against_it_through_the_cli(project, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "muzaic_studio", "serve", "--port", "0", "--tokens", "100"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line + proc.stderr.read()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        out = tmp_path / "o.mp3"
        done = run("render", str(project), "-o", str(out), "--api-url", url,
                   env={"MUZAIC_API_KEY": KEY})  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "5 tokens charged" in done.stdout
        assert audio_format(out.read_bytes()) == "mp3"
        account = run("account", "--api-url", url, env={"MUZAIC_API_KEY": KEY})
        assert "Balance: 95 tokens" in account.stdout, account.stdout + account.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_with_an_impossible_port_is_a_usage_error(port):
    proc = run("serve", "--port", port)
    assert proc.returncode == 2, proc.stderr
    assert "argument --port: port must be" in proc.stderr and "0..65535" in proc.stderr
    assert "Unexpected error" not in proc.stderr and "Traceback" not in proc.stderr


def test_gui_without_a_display_exits_1_with_one_line(project):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "muzaic_studio", str(project)],
        capture_output=True, text=True, timeout=60, cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert proc.returncode == 1
    assert "No display found" in one_line(proc.stderr)


def test_gui_with_a_missing_project_says_so_and_opens_the_window(tmp_path):
    # the terminal hears it; the window says it too (a desktop launcher has no terminal)
    proc = run(
        str(tmp_path / "nope.muzaic"),
        env={"QT_QPA_PLATFORM": "offscreen", "MUZAIC_STUDIO_EXIT_AFTER_SHOW": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "No project file" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout.startswith("shown ")


def test_gui_opens_the_project_offscreen(project):
    started = time.monotonic()
    proc = run(
        str(project),
        env={"QT_QPA_PLATFORM": "offscreen", "MUZAIC_STUDIO_EXIT_AFTER_SHOW": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("shown ")
    assert time.monotonic() - started < 60


def test_gui_that_cannot_import_exits_1_with_one_line(project):
    # sys.modules[name] = None makes that import fail, as a broken Qt install would
    code = (
        "import sys; sys.modules['muzaic_studio.ui.app'] = None;"
        "from muzaic_studio.cli import main; sys.exit(main([sys.argv[1]]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(project)],
        capture_output=True, text=True, timeout=60, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert proc.returncode == 1
    line = one_line(proc.stderr)
    assert line.startswith("muzaic-studio: The editor cannot start:") and "--help" in line


def test_the_console_script_is_installed():
    exe = Path(sys.executable).parent / "muzaic-studio"
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == f"muzaic-studio {__version__}"


def test_ctrl_c_during_a_cloud_render_stops_at_once_and_warns_about_tokens(project, tmp_path):
    with RecordingServer() as srv:
        srv.queue(Reply(200, {}, delay=30))
        proc = subprocess.Popen(
            [sys.executable, "-m", "muzaic_studio", "render", str(project),
             "-o", str(tmp_path / "o.mp3"), "--api-url", srv.url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), "MUZAIC_API_KEY": KEY},
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not srv.posts() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert srv.posts(), "the render never reached the server"
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=10)
            assert time.monotonic() - sent < 3
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 130
        line = one_line(err)
        assert "cancelled" in line and "may still finish it and charge" in line
        assert not (tmp_path / "o.mp3").exists()


def test_the_demo_renders_offline_to_a_playable_mp3_without_touching_it(tmp_path, capsys):
    """The issue's acceptance line, on a copy; --no-save leaves the project file as it was."""
    from muzaic_studio.audio import probe

    demo = tmp_path / "demo.muzaic"
    demo.write_bytes((REPO / "muzaic_studio" / "data" / "demo.muzaic").read_bytes())
    before = demo.read_bytes()
    out = tmp_path / "demo.mp3"
    assert main(["render", str(demo), "-o", str(out), "--offline", "--no-save"]) == 0
    assert demo.read_bytes() == before
    info = probe(out)
    assert info.duration == pytest.approx(Project.load(demo).duration, abs=0.1)
    assert f"Wrote {out}: " in capsys.readouterr().out


def test_render_refuses_an_output_name_that_is_not_mp3(project, tmp_path):
    before = project.read_bytes()
    res = run("render", str(project), "-o", str(tmp_path / "song.wav"), "--offline")
    assert res.returncode == 2
    line = one_line(res.stderr)
    assert "-o writes an MP3" in line and "--wav song.wav" in line
    assert not (tmp_path / "song.wav").exists()
    assert project.read_bytes() == before  # nothing rendered, nothing stored


def test_validate_into_a_closed_pipe_is_quiet(project):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "muzaic_studio", "validate", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env,
    )  # fmt: skip
    proc.stdout.close()  # the reader (`| head`) is gone before anything is written
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert err.decode() == ""


def test_render_wav_carries_the_projects_mix_and_the_mp3_stays_the_render(tmp_path, capsys):
    from muzaic_studio.audio.decode import decode
    from muzaic_studio.model.mix import RegionMix, set_region_mix

    path = write_project(tmp_path / "song.muzaic")
    project = Project.load(path)
    first = project.sorted_regions()[2]  # the region at 4 s
    set_region_mix(first, RegionMix(gain_db=-30.0))
    project.save(path)
    out, wav = tmp_path / "out.mp3", tmp_path / "out.wav"
    assert main(["render", str(path), "-o", str(out), "--wav", str(wav), "--offline"]) == 0
    raw, mixed = decode(out), decode(wav)
    span = slice(int(4.5 * raw.rate), int(5.5 * raw.rate))
    ratio = np.std(mixed.samples[span].astype(float)) / np.std(raw.samples[span].astype(float))
    assert 20 * np.log10(ratio) == pytest.approx(-30.0, abs=0.5)
    assert np.array_equal(mixed.samples[: int(3 * raw.rate)], raw.samples[: int(3 * raw.rate)])

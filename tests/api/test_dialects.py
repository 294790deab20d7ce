"""The cloud client against the real offline server speaking each documented dialect.

`serve --dialect openapi|docs|mcp` answers as the contract, the prose pages and the MCP
client show; the client must render, keep the hashes, read the account and tags, fetch
audio by hash and report each error the same way whatever the dialect. In the docs
dialect the audio links point at a second loopback address (127.0.0.2), so the test sees
on the wire that the key never goes there.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from muzaic_studio.api.cloud import KEY_HEADER, MuzaicCloud
from muzaic_studio.cli import main
from muzaic_studio.contract.audio import audio_format, audio_seconds
from muzaic_studio.contract.errors import HashNotFound, InsufficientTokens, InvalidRequest
from muzaic_studio.contract.tags import tag_relations
from muzaic_studio.engine.dialects import AudioLinks
from muzaic_studio.engine.server import start_server, stop_server
from muzaic_studio.model import Project
from tests.api.helpers import KEY, body
from tests.api.recording_server import Recorded, RecordingServer, Reply

DIALECTS = ["openapi", "docs", "mcp"]


@pytest.fixture
def link_host():
    """127.0.0.2: where the docs dialect's audio links point; it records who asks."""
    with RecordingServer(host="127.0.0.2") as srv:
        yield srv


@pytest.fixture
def serve(link_host, tmp_path, monkeypatch):
    """start(dialect) -> a running offline server; links on 127.0.0.2 for docs."""
    monkeypatch.setenv("MUZAIC_STUDIO_HOME", str(tmp_path / "home"))
    running = []

    def start(dialect: str, tokens: int = 1000):
        links = None
        if dialect == "docs":
            links = AudioLinks(link_host.url)

            def from_links(rec: Recorded) -> Reply:
                found = links.get(rec.path)
                return Reply(200, found[0]) if found else Reply(404, b"")

            link_host.queue(*[from_links] * 20)
        server, thread = start_server(tokens=tokens, dialect=dialect, links=links)
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        stop_server(server, thread)


def cloud(server) -> MuzaicCloud:
    return MuzaicCloud(server.url, KEY, timeout=120)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_render_keeps_the_audio_and_the_hashes_in_every_dialect(serve, link_host, dialect):
    server = serve(dialect)
    result = cloud(server).render(body(2, seconds=3.0))
    assert audio_format(result.mp3) == "mp3"
    assert math.isclose(audio_seconds(result.mp3), 6.0, abs_tol=0.5)
    assert math.isclose(result.audio_duration, 6.0, abs_tol=0.5)
    assert result.warnings == ()
    if dialect == "mcp":  # soundtrackHash only, no token count
        assert result.soundtrack_hash and result.region_hashes == ["", ""]
        assert (result.tokens_used, result.tokens_reported) == (6, False)
    else:
        assert len(result.region_hashes) == 2 and all(result.region_hashes)
        assert (result.tokens_used, result.tokens_reported) == (6, True)
    if dialect == "docs":
        (download,) = link_host.requests
        assert download.path.startswith("/result/") and download.header(KEY_HEADER) is None
    else:
        assert link_host.requests == []


@pytest.mark.parametrize("dialect", ["openapi", "docs"])
def test_render_changes_sends_copies_and_costs_nothing(serve, dialect):
    client = cloud(serve(dialect))
    first = client.render(body(2, seconds=3.0))
    copies = {
        "regions": [
            {"time": 3.0 * i, "duration": 3.0, "action": "copy", "sourceHash": h}
            for i, h in enumerate(first.region_hashes)
        ]
    }
    again = client.render(copies)
    assert again.tokens_used == 0 and all(again.region_hashes)
    assert math.isclose(audio_seconds(again.mp3), 6.0, abs_tol=0.5)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_account_tags_and_audio_from_hash_in_every_dialect(serve, dialect):
    server = serve(dialect, tokens=500)
    client = cloud(server)
    account = client.account()
    if dialect == "docs":  # the prose shape: free tokens, and the key echoed (then masked)
        assert (account.balance, account.free_tokens, account.used) == (None, 500, 0)
        assert account.raw["secretKey"] != KEY
    else:
        assert (account.balance, account.used) == (500, 0)
    assert KEY not in repr(account) + json.dumps(account.raw)
    tags = client.tags()
    assert tags["tags"] and tag_relations(tags)
    region_hash = client.render(body(1, seconds=2.0)).region_hashes[0] or None
    if region_hash:
        audio = client.audio_from_hash(region_hash)
        assert math.isclose(audio_seconds(audio), 2.0, abs_tol=0.5)
    with pytest.raises(HashNotFound, match="does not know the hash ffff"):
        client.audio_from_hash("ffffffffffffffff")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_errors_keep_the_servers_reason_in_every_dialect(serve, dialect):
    client = cloud(serve(dialect, tokens=5))
    with pytest.raises(InsufficientTokens, match="Not enough tokens"):
        client.render(body(2, seconds=3.0))
    bad = {"regions": [{"time": 0, "duration": 2, "action": "copy", "sourceHash": "nope"}]}
    with pytest.raises(InvalidRequest, match=r"refused the soundtrack: .+"):
        client.render(bad)


@pytest.mark.parametrize("dialect", ["docs", "mcp"])
def test_cli_render_against_each_dialect_writes_the_audio_and_keeps_the_hashes(
    serve, dialect, tmp_path, monkeypatch, capsys
):
    from tests.test_cli import write_project

    server = serve(dialect)
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    project = write_project(tmp_path / "song.muzaic")
    out = tmp_path / "out.mp3"
    code = main(["render", str(project), "-o", str(out), "--api-url", server.url])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert audio_format(out.read_bytes()) == "mp3"
    assert math.isclose(audio_seconds(out.read_bytes()), 6.0, abs_tol=0.5)
    saved = Project.load(project)
    hashes = [r.last_hash for r in saved.regions]
    if dialect == "docs":
        assert hashes[0] and hashes[1] is None and hashes[2]  # silence has none
    assert json.loads(project.read_text())["lastRender"]["tokensUsed"] == 5
    assert KEY not in captured.out + captured.err


def test_the_serve_command_speaks_the_chosen_dialect(tmp_path, monkeypatch, capsys):
    """`muzaic-studio serve --dialect mcp` as a process; `render` against it."""
    from tests.test_cli import write_project

    env = {**os.environ, "MUZAIC_STUDIO_HOME": str(tmp_path / "home")}
    argv = [sys.executable, "-m", "muzaic_studio", "serve", "--port", "0", "--dialect", "mcp",
            "--key-stdin", "--parent-watch"]  # fmt: skip
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        proc.stdin.write(KEY.encode() + b"\n")
        proc.stdin.flush()
        line = proc.stdout.readline().decode().strip()
        assert line.startswith("listening http://127.0.0.1:")
        monkeypatch.setenv("MUZAIC_API_KEY", KEY)
        project = write_project(tmp_path / "song.muzaic")
        out = tmp_path / "out.mp3"
        url = line.split(" ", 1)[1]
        assert main(["render", str(project), "-o", str(out), "--api-url", url]) == 0
        assert math.isclose(audio_seconds(out.read_bytes()), 6.0, abs_tol=0.5)
        capsys.readouterr()
    finally:
        proc.stdin.close()  # --parent-watch: EOF on stdin stops it
        proc.wait(30)
    bad = subprocess.run([*argv[:3], "serve", "--dialect", "soap"], capture_output=True, env=env)
    assert bad.returncode == 2 and b"openapi" in bad.stderr

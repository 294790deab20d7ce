"""The GUI's offline engine in a child process (api/engine_child.py): it starts, renders the
demo through the HTTP client, keeps its key out of argv, and dies with its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from muzaic_studio.api.cloud import MuzaicCloud
from muzaic_studio.api.engine_child import EngineClient, EngineProcess
from muzaic_studio.contract.audio import audio_format
from muzaic_studio.contract.errors import Unauthorized
from muzaic_studio.model import Project
from muzaic_studio.model.hash_origin import OFFLINE
from muzaic_studio.render.prerender import prepare_render

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "muzaic_studio" / "data" / "demo.muzaic"

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")


def _gone(pid: int, within: float) -> bool:
    """True once *pid* has exited (reaped or a zombie) within *within* seconds."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def process():
    proc = EngineProcess()
    yield proc
    proc.stop()


def test_renders_the_demo_through_the_http_client(process):
    client = process.client()
    assert isinstance(client, MuzaicCloud) and client.name == "offline"
    assert client.base_url.startswith("http://127.0.0.1:")
    assert "key" not in repr(client) or "<hidden>" in repr(client)
    assert process.key not in repr(client) and process.key not in repr(process)
    project = Project.load(DEMO)
    # The demo's reprise copies the opening: the opening is rendered first (prerender.py).
    first = prepare_render(project, only_changes=False, origin=OFFLINE, catalogue=client.tags())
    sources = client.render(first.plan.body)
    project.apply_render(first.plan.regions, sources.region_hashes, tokens_used=0,
                         audio_duration=0, backend=OFFLINE)  # fmt: skip
    pre = prepare_render(project, only_changes=False, origin=OFFLINE, catalogue=client.tags())
    result = client.render(pre.plan.body)
    assert pre.plan.body["regions"][-1]["sourceHash"] == sources.region_hashes[0]
    assert audio_format(result.mp3) == "mp3" and len(result.mp3) > 10_000
    assert len(result.region_hashes) == len(project.regions)
    assert result.audio_duration == pytest.approx(project.duration, abs=0.1)
    # its waveform came beside it: the editor shows it without decoding the MP3
    assert result.pyramid is not None
    assert result.pyramid.duration == pytest.approx(project.duration, abs=0.1)
    # the audio came as a file, which the client removed after reading it
    assert process.audio_dir is not None and list(process.audio_dir.iterdir()) == []
    assert client.account().balance is not None
    assert client.tags()["tags"]


def test_the_key_is_never_in_argv_or_the_environment(process):
    process.ensure()
    cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    assert b"serve" in cmdline and b"--key-stdin" in cmdline
    assert process.key.encode() not in cmdline
    assert process.key.encode() not in Path(f"/proc/{process.pid}/environ").read_bytes()


def test_another_key_is_refused(process):
    url, _key = process.ensure()
    with pytest.raises(Unauthorized):
        MuzaicCloud(url, "not-the-one-time-key-123").account()


def test_stop_ends_the_child_and_removes_its_folder(process):
    process.ensure()
    pid, folder = process.pid, process.audio_dir
    assert folder is not None and folder.is_dir()
    assert (folder.stat().st_mode & 0o777) == 0o700
    process.stop()
    assert _gone(pid, 10) and not folder.exists()


def test_stop_at_once_kills_a_rendering_child_and_it_stays_stopped(process):
    import threading

    from muzaic_studio.api.engine_child import EngineStartError
    from muzaic_studio.model import Region

    client = process.client()
    long = Project(regions=[Region(0.0, 900.0, tags=[1])])
    body = prepare_render(
        long, only_changes=False, origin=OFFLINE, catalogue=client.tags()
    ).plan.body
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_attempt(client, body)), daemon=True)
    worker.start()
    time.sleep(0.5)  # the request has reached the child, which is synthesizing
    pid, folder = process.pid, process.audio_dir
    process.stop(at_once=True)
    assert pid is not None and _gone(pid, 1) and folder is not None and not folder.exists()
    worker.join(30)
    assert not worker.is_alive() and isinstance(outcome[0], Exception)  # no restart
    with pytest.raises(EngineStartError):
        process.ensure()


def _attempt(client, body):
    try:
        return client.render(body)
    except Exception as exc:  # the render's failure is the outcome looked at
        return exc


def test_a_dead_child_is_restarted_on_the_next_call(process):
    client = process.client()
    first = process.pid
    os.kill(first, signal.SIGKILL)
    end = time.monotonic() + 10
    while process.alive and time.monotonic() < end:  # until waitpid says so
        time.sleep(0.05)
    assert client.account().balance is not None
    assert process.pid != first and process.alive
    assert client.base_url == process.url


PARENT = textwrap.dedent(
    """
    import sys, time
    from muzaic_studio.api.engine_child import EngineProcess
    p = EngineProcess()
    p.ensure()
    print(p.pid, flush=True)
    time.sleep(120)
    """
)


def test_the_child_dies_when_its_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        line = parent.stdout.readline()
        child = int(line)
        assert not _gone(child, 0.5)
        parent.kill()  # no cleanup runs in the parent: only the closed pipe tells the child
        parent.wait(10)
        assert _gone(child, 15), "the engine child outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.stdout.close()


def test_the_gui_gets_the_child_and_the_cli_the_in_process_engine(monkeypatch):
    from muzaic_studio import backends as select
    from muzaic_studio.api import engine_child as service
    from muzaic_studio.engine.backend import OfflineEngine

    shared = EngineProcess()
    monkeypatch.setattr(service, "_shared", shared)
    try:
        backend, why = select.choose_backend(True, out_of_process=True)
        assert isinstance(backend, EngineClient) and backend.name == "offline"
        assert "offline engine" in why
        assert isinstance(select.choose_backend(True)[0], OfflineEngine)
    finally:
        shared.stop()


def test_a_child_that_cannot_start_falls_back_to_the_in_process_engine(monkeypatch):
    from muzaic_studio import backends as select
    from muzaic_studio.api import engine_child as service
    from muzaic_studio.engine.backend import OfflineEngine

    monkeypatch.setattr(service, "serve_command", lambda: [sys.executable, "-c", "pass"])
    monkeypatch.setattr(service, "_shared", EngineProcess(start_timeout=10))
    assert isinstance(select.offline_engine(out_of_process=True), OfflineEngine)

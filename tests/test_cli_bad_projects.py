"""Malformed projects on the command line (issue 14): exit 2 with a message naming the
field, never 1 "Unexpected error", never a hang (FIFOs, devices), all within seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from muzaic_studio.cli import main
from muzaic_studio.model import Project

BIG = "1" + "0" * 400  # beyond float range


def _region(**kw) -> dict:
    return {"time": 0, "duration": 2, "action": "generate", **kw}


def _doc(*regions: dict, **top) -> str:
    return json.dumps({"format": "muzaic-studio/1", "regions": list(regions), **top})


BAD = [
    # (project text, a word the message must contain)
    ('{"regions": [{"time": ' + BIG + ', "duration": 2}]}', "time"),
    ('{"regions": [{"time": 0, "duration": ' + BIG + "}]}", "duration"),
    ('{"regions": [{"time": 0, "duration": 2, "params": {"tone": [[' + BIG + ", 3]]}}]}", "tone"),
    ('{"regions": [{"time": 0, "duration": 2, "params": {"tone": [[0, ' + BIG + "]]}}]}", "tone"),
    ('{"regions": [{"time": 0, "duration": 2, "params": {"tempo": ' + BIG + "}}]}", "tempo"),
    ('{"regions": [{"time": 1e999, "duration": 2}]}', "time"),
    ('{"regions": [{"time": 0, "duration": 2, "x": ' + "[" * 900 + "]" * 900 + "}]}", "nests"),
    ('{"regions": [], "extra": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}", "nests"),
    ('{"format": "muzaic-studio/' + "9" * 5000 + '", "regions": []}', "format"),
    (_doc(_region(name="ok \ud800 not")), "Region 1 (at 0.00 s): name"),
    (_doc(_region(), _region(time=3, params={"\udc00": 1})), "Region 2"),
    (_doc(_region(), name="\ud83d"), "name"),
]


@pytest.mark.parametrize(("text", "needle"), BAD)
@pytest.mark.parametrize("command", ["validate", "render"])
def test_malformed_projects_exit_2_naming_the_field(tmp_path, capsys, text, needle, command):
    path = tmp_path / "bad.muzaic"
    path.write_text(text, "utf-8", errors="surrogatepass")
    argv = [command, str(path)]
    if command == "render":
        argv += ["-o", str(tmp_path / "out.mp3"), "--offline"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Unexpected error" not in err
    assert not (tmp_path / "out.mp3").exists()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom", "/proc/self"])
def test_devices_and_folders_are_refused(capsys, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    assert main(["validate", device]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_fifo_is_refused_without_blocking(tmp_path):
    """Was: `validate FIFO` waited forever for a writer."""
    fifo = tmp_path / "pipe.muzaic"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "muzaic_studio", "validate", str(fifo)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "not a regular file" in proc.stderr


def test_a_lone_surrogate_never_makes_a_save_fail(tmp_path):
    """Was: the MP3 written, the hashes lost (UnicodeEncodeError on save), exit 1."""
    project = Project.from_json(_doc(_region()))
    project.regions[0].name = "x\ud800"  # e.g. set through the API, not from a file
    project.save(tmp_path / "p.muzaic")
    again = json.loads((tmp_path / "p.muzaic").read_text("utf-8"))
    assert again["regions"][0]["name"] == "x\ud800"


def test_a_symlinked_project_is_written_through(tmp_path, capsys):
    real = tmp_path / "real" / "song.muzaic"
    real.parent.mkdir()
    real.write_text(_doc(_region(duration=1)))
    link = tmp_path / "link.muzaic"
    link.symlink_to(real)
    assert main(["render", str(link), "-o", str(tmp_path / "o.mp3"), "--offline"]) == 0
    assert link.is_symlink() and json.loads(real.read_text())["lastRender"]["regionHashes"]


def test_project_load_reads_no_more_than_the_limit(tmp_path, monkeypatch):
    from muzaic_studio.model import project as module

    monkeypatch.setattr(module, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.muzaic"
    big.write_text(_doc(_region(name="x" * 2000)))
    with pytest.raises(module.ProjectError, match="at most"):
        Project.load(Path(big))

"""packaging/install-local.sh and uninstall-local.sh against a stand-in build."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import PACKAGING, ROOT, require_tool

SIZES = sorted(
    int(p.name.split("x")[0]) for p in (ROOT / "resources" / "icons" / "hicolor").iterdir()
)


@pytest.fixture
def fake_dist(tmp_path) -> Path:
    """A folder shaped like dist/muzaic-studio whose executable answers --version."""
    dist = tmp_path / "dist" / "muzaic-studio"
    (dist / "_internal").mkdir(parents=True)
    exe = dist / "muzaic-studio"
    exe.write_text('#!/bin/sh\necho "muzaic-studio fake $*"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return dist


def run_script(name: str, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    return subprocess.run(
        ["bash", str(PACKAGING / name), *args], capture_output=True, text=True, env=env
    )


def test_install_then_uninstall(tmp_path, fake_dist):
    home = tmp_path / "home"
    home.mkdir()
    proc = run_script("install-local.sh", "--dist", str(fake_dist), home=home)
    assert proc.returncode == 0, proc.stderr
    local = home / ".local"
    share = local / "share"
    app = local / "lib" / "muzaic-studio"
    link = local / "bin" / "muzaic-studio"
    assert link.is_symlink() and link.resolve() == (app / "muzaic-studio").resolve()
    out = subprocess.run([str(link), "--version"], capture_output=True, text=True).stdout
    assert out.strip() == "muzaic-studio fake --version"

    desktop = share / "applications" / "muzaic-studio.desktop"
    text = desktop.read_text()
    assert f"Exec={link} %f" in text and f"TryExec={link}" in text
    validate = require_tool("desktop-file-validate")
    check = subprocess.run([validate, str(desktop)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    for size in SIZES:
        assert (
            share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "muzaic-studio.png"
        ).is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "muzaic-studio.svg").is_file()
    assert (share / "mime" / "packages" / "muzaic-studio.xml").is_file()
    assert "application/x-muzaic-project:*.muzaic" in (share / "mime" / "globs2").read_text()
    assert (share / "metainfo" / "ai.muzaic.studio.metainfo.xml").is_file()
    tree = subprocess.run(
        [require_tool("appstreamcli"), "validate-tree", "--no-net", str(local)],
        capture_output=True,
        text=True,
    )
    assert tree.returncode == 0, tree.stdout + tree.stderr

    # Reinstalling replaces the app folder as a whole (no stale files from the old build).
    (app / "_internal" / "stale.so").write_text("old")
    assert run_script("install-local.sh", "--dist", str(fake_dist), home=home).returncode == 0
    assert not (app / "_internal" / "stale.so").exists()

    keep = share / "muzaic-studio" / "autosave.json"  # user data in the same prefix
    keep.parent.mkdir(parents=True)
    keep.write_text("{}")
    proc = run_script("uninstall-local.sh", home=home)
    assert proc.returncode == 0, proc.stderr
    assert not app.exists() and not link.exists() and not desktop.exists()
    assert not (share / "mime" / "packages" / "muzaic-studio.xml").exists()
    assert not list((share / "icons").rglob("muzaic-studio.*"))
    assert "muzaic" not in (share / "mime" / "globs2").read_text()
    assert keep.read_text() == "{}"


def test_install_without_a_build_says_make_dist(tmp_path):
    proc = run_script("install-local.sh", "--dist", str(tmp_path / "nope"), home=tmp_path)
    assert proc.returncode == 1 and "make dist" in proc.stderr
    assert not (tmp_path / ".local" / "bin").exists()


def test_uninstall_leaves_a_foreign_folder_alone(tmp_path):
    foreign = tmp_path / "pre" / "lib" / "muzaic-studio"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine")
    proc = run_script("uninstall-local.sh", "--prefix", str(tmp_path / "pre"), home=tmp_path)
    assert proc.returncode == 0
    assert "left alone" in proc.stderr and (foreign / "notes.txt").exists()

#!/usr/bin/env python3
"""Smoke test of the built one-folder app (``make dist-check`` runs it after ``make dist``).

    python3 packaging/smoke_test.py [--dist dist/muzaic-studio] [--project muzaic_studio/data/demo.muzaic]

Standard library only, and it never imports the app: everything is checked through the
built executable, as a user would run it, in a throw-away home (MUZAIC_STUDIO_HOME) with
the failing keyring backend, so the real keyring, cache and log are never touched.

1. Files: the executable, the QtMultimedia ffmpeg plugin and its libav* libraries, the
   imageio-ffmpeg binary, and the package data (contract schema, icons).
2. ``muzaic-studio --version`` prints the version in pyproject.toml.
3. ``muzaic-studio render DEMO -o OUT.mp3 --offline`` on a copy of the demo (render
   writes region hashes back into the project): the MP3 has a valid header, decodes with
   the bundled ffmpeg, lasts as long as the project and is not silent.
4. The GUI starts offscreen on the demo and quits itself (MUZAIC_STUDIO_QUIT_AFTER_MS,
   see muzaic_studio/ui/smoke.py): window shown, QtMultimedia backend available, exit 0.
   Once without a key (the first-run banner must show), once with a fake key and an
   unreachable API URL (no banner); afterwards the log must exist and must not contain
   the key.

Exits 0 when all pass, 1 otherwise; prints each step's time.
"""

from __future__ import annotations

import argparse
import array
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAKE_KEY = "smoke-FAKE-key-7f3a9c1e5b2d"
GUI_QUIT_MS = 2500
GUI_TIMEOUT = 120
RENDER_TIMEOUT = 300


class SmokeFailure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def run(cmd: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"")[-2000:] if isinstance(exc.stdout, bytes) else exc.stdout
        raise SmokeFailure(
            f"{' '.join(cmd)} did not finish in {timeout} s; output: {out}"
        ) from None


def describe(proc: subprocess.CompletedProcess) -> str:
    return (
        f"exit {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n"
        f"{proc.stderr[-3000:]}"
    )


def base_env(home: Path) -> dict[str, str]:
    # No inherited key, API URL, Qt platform or IMAGEIO_FFMPEG_EXE (the bundled binary
    # must be the one found).
    drop = ("MUZAIC_", "QT_", "IMAGEIO_FFMPEG_EXE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        MUZAIC_STUDIO_HOME=str(home),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def project_end(project: Path) -> float:
    regions = json.loads(project.read_text(encoding="utf-8"))["regions"]
    return max(float(r["time"]) + float(r["duration"]) for r in regions)


# -- steps ------------------------------------------------------------------------------
def check_files(dist: Path) -> str:
    internal = dist / "_internal"
    exe = dist / "muzaic-studio"
    check(exe.is_file() and os.access(exe, os.X_OK), f"{exe} missing or not executable")
    qt = internal / "PySide6" / "Qt"
    plugin = qt / "plugins" / "multimedia" / "libffmpegmediaplugin.so"
    check(plugin.is_file(), f"QtMultimedia ffmpeg plugin missing: {plugin}")
    for lib in ("libavcodec", "libavformat", "libavutil", "libswresample", "libswscale"):
        check(bool(glob.glob(str(qt / "lib" / f"{lib}.so*"))), f"{lib} missing in {qt / 'lib'}")
    for platform in ("libqxcb.so", "libqwayland.so", "libqoffscreen.so"):
        check((qt / "plugins" / "platforms" / platform).is_file(), f"platform {platform} missing")
    check((qt / "plugins" / "iconengines" / "libqsvgicon.so").is_file(), "SVG icon engine missing")
    ffmpeg = glob.glob(str(internal / "imageio_ffmpeg" / "binaries" / "ffmpeg-*"))
    check(len(ffmpeg) == 1, f"expected one imageio-ffmpeg binary, found {ffmpeg}")
    data = internal / "muzaic_studio" / "data"
    for name in ("soundtrack.openapi.json", "muzaic-studio.svg"):
        check((data / name).is_file(), f"package data {name} missing in {data}")
    source_icons = sorted(p.name for p in (ROOT / "muzaic_studio" / "data" / "icons").glob("*.svg"))
    built_icons = sorted(p.name for p in (data / "icons").glob("*.svg"))
    check(built_icons == source_icons, f"toolbar icons differ: {built_icons} vs {source_icons}")
    return f"plugin, libav*, platforms, ffmpeg, {len(built_icons)} toolbar icons"


def check_version(exe: Path, env: dict[str, str]) -> str:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    proc = run([str(exe), "--version"], env, 60)
    check(proc.returncode == 0, f"--version failed: {describe(proc)}")
    check(proc.stdout.strip() == f"muzaic-studio {version}", f"--version said {proc.stdout!r}")
    return proc.stdout.strip()


def ffmpeg_exe(dist: Path) -> str:
    return glob.glob(str(dist / "_internal" / "imageio_ffmpeg" / "binaries" / "ffmpeg-*"))[0]


def check_render(exe: Path, dist: Path, project: Path, work: Path, env: dict[str, str]) -> str:
    copy = work / "demo.muzaic"
    shutil.copyfile(project, copy)
    out = work / "demo.mp3"
    proc = run([str(exe), "render", str(copy), "-o", str(out), "--offline"], env, RENDER_TIMEOUT)
    check(proc.returncode == 0, f"render failed: {describe(proc)}")
    check(out.is_file() and out.stat().st_size > 10_000, f"{out} missing or tiny")
    head = out.read_bytes()[:3]
    check(head == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0), f"not MP3: {head!r}")
    rate = 8000
    decode = subprocess.run(
        [ffmpeg_exe(dist), "-v", "error", "-i", str(out), "-f", "s16le", "-ac", "1",
         "-ar", str(rate), "pipe:1"],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    check(decode.returncode == 0, f"bundled ffmpeg cannot decode it: {decode.stderr[-500:]!r}")
    samples = array.array("h")
    samples.frombytes(decode.stdout[: len(decode.stdout) // 2 * 2])
    seconds = len(samples) / rate
    expected = project_end(project)
    check(abs(seconds - expected) < 0.5, f"MP3 lasts {seconds:.2f} s, project {expected:.2f} s")
    peak = max(abs(s) for s in samples) / 32768 if samples else 0.0
    check(peak > 0.05, f"MP3 is (nearly) silent: peak {peak:.4f}")
    saved = json.loads(copy.read_text(encoding="utf-8"))
    check(bool(saved.get("lastRender")), "render did not store the region hashes")
    return f"{out.stat().st_size // 1024} KiB, {seconds:.2f} s, peak {peak:.2f}"


def check_gui(exe: Path, project: Path, work: Path, env: dict[str, str], key: bool) -> str:
    env = dict(env, QT_QPA_PLATFORM="offscreen", MUZAIC_STUDIO_QUIT_AFTER_MS=str(GUI_QUIT_MS))
    if key:
        # A key makes the app pick the cloud; an unreachable URL keeps it off the network
        # while its background tag/balance requests fail and get logged.
        env.update(MUZAIC_API_KEY=FAKE_KEY, MUZAIC_API_URL="http://127.0.0.1:9")
    copy = work / ("gui-key.muzaic" if key else "gui.muzaic")
    shutil.copyfile(project, copy)
    proc = run([str(exe), str(copy)], env, GUI_TIMEOUT)
    line = next(
        (ln for ln in proc.stdout.splitlines() if ln.startswith("muzaic-studio smoke:")), ""
    )
    check(bool(line), f"the GUI never reported (no self-test line): {describe(proc)}")
    check(proc.returncode == 0 and "window=shown" in line, f"GUI self-test failed: {line}")
    banner = "first_run=no-banner" if key else "first_run=banner"
    check(banner in line, f"expected {banner} ({'a' if key else 'no'} key): {line}")
    check_versions(proc.stdout)
    check(FAKE_KEY not in proc.stdout + proc.stderr, "the API key was printed to the terminal")
    media = line.split("multimedia[", 1)[-1].split("]", 1)[0]
    return f"{banner}, {media[:40]}"


def check_versions(stdout: str) -> None:
    """Help > About's versions as the built app sees them: every one found."""
    prefix = "muzaic-studio versions: "
    line = next((ln for ln in stdout.splitlines() if ln.startswith(prefix)), "")
    check(bool(line), "the GUI self-test printed no versions")
    versions = json.loads(line[len(prefix) :])
    missing = {k: v for k, v in versions.items() if not v or "not available" in v}
    check(not missing, f"Help > About would show these as missing: {missing}")
    check(versions["ffmpeg"].startswith("ffmpeg version"), f"ffmpeg: {versions['ffmpeg']}")


def check_log(home: Path) -> str:
    logs = sorted((home / "log").glob("muzaic-studio.log*"))
    check(bool(logs), f"no log file in {home / 'log'}")
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)
    check("logging to" in text, "the log does not record its own start")
    check(FAKE_KEY not in text, f"the API key appears in the log {logs}")
    return f"{len(text.splitlines())} lines, key absent"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / "muzaic-studio")
    parser.add_argument(
        "--project", type=Path, default=ROOT / "muzaic_studio" / "data" / "demo.muzaic"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    dist = args.dist.resolve()
    exe = dist / "muzaic-studio"
    work = Path(tempfile.mkdtemp(prefix="muzaic-smoke-"))
    home = work / "home"
    env = base_env(home)
    steps = [
        ("files", lambda: check_files(dist)),
        ("--version", lambda: check_version(exe, env)),
        ("render --offline", lambda: check_render(exe, dist, args.project, work, env)),
        ("GUI, no key", lambda: check_gui(exe, args.project, work, env, key=False)),
        ("GUI, fake key", lambda: check_gui(exe, args.project, work, env, key=True)),
        ("log", lambda: check_log(home)),
    ]
    failed = 0
    start = time.monotonic()
    if not args.project.is_file():
        print(f"FAIL  demo project {args.project} not found", flush=True)
        return 1
    for name, step in steps:
        t0 = time.monotonic()
        try:
            detail = step()
            print(f"ok    {name:<17} {time.monotonic() - t0:6.2f} s  {detail}", flush=True)
        except SmokeFailure as exc:
            failed += 1
            print(f"FAIL  {name:<17} {time.monotonic() - t0:6.2f} s  {exc}", flush=True)
    total = time.monotonic() - start
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    verdict = "passed" if not failed else f"FAILED ({failed} of {len(steps)} steps)"
    print(f"smoke test {verdict} in {total:.1f} s ({dist})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

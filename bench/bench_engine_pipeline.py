"""Offline engine pipeline: `python bench/bench_engine_pipeline.py` (also run by `make bench`).

Goals (issue 17 "Render changes", issue 15 "Speed" memory):
- render_changes: a 5-region, 120 s project, rendered, then one region's intensity
  changed; `muzaic-studio render --changes-only --offline` (a new process, the region
  cache on disk from the first render) <= 0.6x a full render of the same edited project
  in a new process with a cold cache. Whole processes, as a user runs them; median of 3
  projects with different tags. Both answers must be the same MP3, byte for byte: the
  reused regions are the same audio.
- engine child (the GUI's `serve` child): idle RSS <= 150 MB, and RSS after a day's worth
  of renders in it (four 60 s and one 300 s soundtrack) <= 250 MB (was 507 MB).
Timings on a shared machine are noisy: both sides of a ratio are measured in this run,
alternating. Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHANGES_GOAL = 0.6
IDLE_GOAL_MB = 150
BUSY_GOAL_MB = 250


def _cli(project: Path, out: Path, home: Path, *extra: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MUZAIC_STUDIO_HOME": str(home)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "muzaic_studio", "render", str(project), "-o", str(out),
                    "--offline", *extra], env=env, check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - t0


def render_changes() -> bool:
    from muzaic_studio.model.project import Project
    from muzaic_studio.model.region import Region

    tmp = Path(tempfile.mkdtemp(prefix="muzaic-bench-changes-"))
    ratios, same = [], True
    for v in (int(a) for a in os.environ.get("BENCH_PROJECTS", "0,1,2").split(",")):
        proj = tmp / f"p{v}.muzaic"
        regions = [Region(24.0 * i, 24.0, tags=[1 + (3 * i + v) % 24], name=f"r{i}",
                          method="smart" if i % 2 else "strict") for i in range(5)]  # fmt: skip
        Project(regions=regions, name=f"changes{v}").save(proj)
        warm = tmp / f"home-warm{v}"
        _cli(proj, tmp / "first.mp3", warm)  # saves the hashes into the project
        project = Project.load(proj)
        project.regions[2].params["intensity"] = 9
        project.save(proj)
        edited = tmp / f"edited{v}.muzaic"
        project.save(edited)
        changes = _cli(proj, tmp / f"changes{v}.mp3", warm, "--changes-only", "--no-save")
        full = _cli(edited, tmp / f"full{v}.mp3", tmp / f"home-cold{v}", "--no-save")
        ratios.append(changes / full)
        equal = (tmp / f"changes{v}.mp3").read_bytes() == (tmp / f"full{v}.mp3").read_bytes()
        same &= equal
        print(f"  project {v}: changes {changes:.2f} s, full (cold) {full:.2f} s, same MP3 {equal}")
    ratio = statistics.median(ratios)
    ok = ratio <= CHANGES_GOAL and same
    print(f"engine.render_changes_1_of_5: {ratio:.2f}x a full render with a cold cache "
          f"(<= {CHANGES_GOAL}x; median, min {min(ratios):.2f}x); same MP3 as the full render: {same} "
          f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    return ok


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def engine_child_memory() -> bool:
    os.environ["MUZAIC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="muzaic-bench-child-")
    from muzaic_studio.api.engine_child import EngineClient, EngineProcess

    process = EngineProcess()
    try:
        client = EngineClient(process)
        assert process._proc is not None
        pid = process._proc.pid
        time.sleep(1.0)
        idle = _rss_mb(pid)
        peak_after = 0.0
        for i, seconds in enumerate((60, 60, 60, 60, 300)):
            half = seconds / 2
            client.render({"regions": [
                {"time": 0, "duration": half, "action": "generate", "tags": [3 + i],
                 "params": {"intensity": 6}},
                {"time": half, "duration": half, "action": "generate", "tags": [12 + i],
                 "method": "smart", "params": {"intensity": 7}}], "normalize": True})  # fmt: skip
            peak_after = max(peak_after, _rss_mb(pid))
        busy = _rss_mb(pid)
    finally:
        process.stop()
    ok = idle <= IDLE_GOAL_MB and busy <= BUSY_GOAL_MB
    print(f"engine.child_rss: idle {idle:.0f} MB (<= {IDLE_GOAL_MB}), after five renders "
          f"{busy:.0f} MB (<= {BUSY_GOAL_MB}; highest between renders {peak_after:.0f}) "
          f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    return ok


def main() -> int:
    ok = render_changes()
    ok = engine_child_memory() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Timeline editor benchmark: `python bench/bench_ui.py` (also run by `make bench`).

Goals (issue 5), measured in this one run:

* ui.repaint_1000: a full repaint of the timeline holding 1000 regions <= 8 ms (median of
  many `repaint()` calls, which paint synchronously). Measured at two zooms, the worse
  counts: a working zoom (a few dozen regions on screen, with labels, param bars and
  keyframe curves) and "fit" (all 1000 on screen at once, about 1.5 px each). A rendered
  waveform lies under them, as after a render.
* ui.drag_frame: one mouse-move step of dragging a region (gesture + repaint), as above.
* ui.edit_20000: one slider step on one region of that project, on the GUI thread, <= 1.5x
  the same json.load (its undo is printed beside it).
* ui.open_20000: the longest time the GUI thread is blocked (the window frozen) while
  File > Open reads and shows a 20,000-region project (rendered, with its hash library),
  <= 1.5x a plain `json.load` of the same file in the same run (what the GUI thread would
  block for just to parse it; the read, checks and model building run on a pool thread,
  which still holds the GIL in json's C parser and in garbage collections). Measured as
  the longest gap between the ticks of a 1 ms QTimer, from Open until the project is
  shown, painted and its render tips counted; median of 3 opens. Before the background
  read it was ~30x (a 4.7 s freeze on a busy machine).
* ui.startup: from starting the command to the timeline's first paint with the demo
  project <= 2.5x a bare PySide6 window started the same way in the same run (runs
  interleaved so machine noise hits both alike; median of 7 pair ratios), on a real X window
  (Xvfb started if DISPLAY is unset) with the bytecode compiled as installed (see
  bench/startup.py). The 0.5 s of an idle machine (issue 5) is printed beside it.

Headless by default (QT_QPA_PLATFORM=offscreen unless a display is set). Exit status 1 if
a goal is missed.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MUZAIC_STUDIO_HOME", tempfile.mkdtemp(prefix="muzaic-bench-ui-"))

REPAINT_GOAL_MS = 8.0
DRAG_GOAL_MS = 16.0  # one frame at 60 Hz
OPEN_REGIONS = 20_000
OPEN_RATIO_GOAL = 1.5  # longest freeze of Open against json.load of the same file
OPEN_RUNS = 3
STARTUP_GOAL_S = 0.5
STARTUP_RATIO_GOAL = 2.5  # issue 17: faster than Audacity (0.27 s) next to a 0.11 s bare window
RUNS = 7

APP = r"""
import sys
from muzaic_studio.ui.app import run
sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else None))
"""


def many_regions(n: int = 1000):
    from muzaic_studio.model import Project, Region

    rng = random.Random(5)
    regions, t = [], 0.0
    for i in range(n):
        d = rng.uniform(0.6, 1.6)
        action = rng.choice(["generate", "generate", "generate", "copy", "silence"])
        r = Region(round(t, 3), round(d, 3), action, tags=rng.sample(range(1, 29), 2),
                   name=f"Cue {i}" if i % 3 == 0 else "")  # fmt: skip
        if action == "copy":
            r.source_hash = f"{i:016x}"
        if i % 4 == 0:
            r.params["intensity"] = [[0, 2], [60, 9], [100, 4]]
        regions.append(r)
        t += d + rng.choice([0.0, 0.0, 0.2])
    return Project(regions=regions, name="bench")


def waveform(seconds: float):
    import numpy as np

    from muzaic_studio.audio.peaks import PeakPyramid

    rate = 8000
    t = np.arange(int(seconds * rate)) / rate
    signal = 0.4 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(t))
    return PeakPyramid.from_samples(signal, rate)


def median_ms(fn, repeats: int) -> float:
    fn()  # warm caches (glyphs, waveform polygons)
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def bench_repaint() -> tuple[float, float, float]:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from muzaic_studio.ui.app import make_app
    from muzaic_studio.ui.document import ProjectDocument
    from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
    from muzaic_studio.ui.timeline.view import TimelineView

    make_app()
    project = many_regions()
    doc = ProjectDocument(project)
    doc.set_waveform(waveform(project.duration))
    view = TimelineView(doc)
    view.tag_names = TagCatalogue.offline().names
    view.resize(1600, 420)
    view.show()
    QApplication.processEvents()
    vp = view.viewport()

    view.set_zoom(40.0, 0)  # ~35 regions on screen with all their details
    view.scroll_to(300 * 40.0)
    working = median_ms(vp.repaint, 60)
    view.zoom_to_fit()  # all 1000 regions on screen
    fit = median_ms(vp.repaint, 60)

    view.set_zoom(40.0, 0)
    view.scroll_to(300 * 40.0)
    target = view.regions_between(*view.visible_span())[5]
    doc.select([target.uid])
    y = view.lane_rect.center().y()
    x0 = view.scale.x(target.time + target.duration / 2)

    def send(kind, x):
        types = {"press": QMouseEvent.Type.MouseButtonPress, "move": QMouseEvent.Type.MouseMove,
                 "release": QMouseEvent.Type.MouseButtonRelease}  # fmt: skip
        button = Qt.MouseButton.LeftButton if kind != "move" else Qt.MouseButton.NoButton
        buttons = Qt.MouseButton.NoButton if kind == "release" else Qt.MouseButton.LeftButton
        QApplication.sendEvent(vp, QMouseEvent(types[kind], QPointF(x, y), QPointF(x, y), button,
                                               buttons, Qt.KeyboardModifier.NoModifier))  # fmt: skip

    send("press", x0)
    step = [0]

    def drag_step():
        step[0] += 1
        send("move", x0 + 3 + (step[0] % 40))
        vp.repaint()

    drag = median_ms(drag_step, 60)
    view.interaction.cancel()
    return working, fit, drag


def big_rendered_project(n: int):
    """*n* regions as after a render (hashes, library entries), a few edited since."""
    project = many_regions(n)
    regions = project.sorted_regions()
    hashes = [f"{i:032x}" for i in range(len(regions))]
    project.apply_render(regions, hashes, tokens_used=1, audio_duration=project.duration,
                         backend="offline")  # fmt: skip
    for r in regions[::50]:
        r.duration = round(r.duration * 0.9, 3)
    return project


EDITS: dict[str, float] = {}  # bench_open's edit of the opened project: step, undo (s)


def bench_open() -> tuple[float, float, float, int]:
    """Open the big project OPEN_RUNS times; each run's longest GUI-thread stall over a
    `json.load` of the file timed just before it (pairs share the machine's load of their
    moment). Returns the median pair ratio, the median stall and parse in seconds, and
    the fewest timer ticks seen during an open (a frozen window sees none)."""
    import json

    from PySide6.QtCore import QEventLoop, QTimer

    from muzaic_studio.ui.app import make_app
    from muzaic_studio.ui.window.main_window import MainWindow

    app = make_app()
    path = Path(tempfile.mkdtemp(prefix="muzaic-bench-open-")) / "big.muzaic"
    big_rendered_project(OPEN_REGIONS).save(path)

    def parse() -> None:
        with path.open(encoding="utf-8") as f:
            json.load(f)

    window = MainWindow(autosave=False)
    window.files.maybe_save = lambda: True
    window.resize(1600, 900)
    window.show()
    settle = QEventLoop()  # the window's own after-first-paint work (the Inspector's form)
    QTimer.singleShot(1500, settle.quit)  # is not part of an open
    settle.exec()
    ticks: list[float] = []
    timer = QTimer(interval=1)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    window.files.loader.done.connect(lambda _ok: QTimer.singleShot(800, loop.quit))
    stalls, parses, seen = [], [], []
    for _ in range(OPEN_RUNS):
        parses.append(median_ms(parse, 3) / 1000)
        ticks.clear()
        timer.start()
        start = time.perf_counter()
        window.files.open(path)
        loop.exec()  # until shown, and on for the repaints, listing and counts it causes
        timer.stop()
        assert len(window.doc.regions) == OPEN_REGIONS, "the big project was not shown"
        stamps = [start, *ticks]
        stalls.append(max(b - a for a, b in itertools.pairwise(stamps)))
        seen.append(len(ticks))
    doc = window.doc
    target = doc.regions[len(doc.regions) // 2].uid
    steps, undos = [], []
    for value in (3, 4, 5, 6, 7):  # one slider step on one region, then its undo
        began = time.perf_counter()
        doc.edit("Intensity", lambda rs, v=value: next(r for r in rs if r.uid == target)
                 .params.update(intensity=v))  # fmt: skip
        steps.append(time.perf_counter() - began)
        began = time.perf_counter()
        doc.undo_stack.undo()
        undos.append(time.perf_counter() - began)
        app.processEvents()
    window.doc.mark_clean()
    window.close()
    app.processEvents()
    EDITS.update(step=statistics.median(steps), undo=statistics.median(undos))
    print(f"  open runs: stalls {', '.join(f'{s * 1000:.0f}' for s in stalls)} ms; json.load "
          f"{', '.join(f'{p * 1000:.0f}' for p in parses)} ms")  # fmt: skip
    ratio = statistics.median(s / p for s, p in zip(stalls, parses, strict=True))
    return ratio, statistics.median(stalls), statistics.median(parses), min(seen)


def bench_startup() -> tuple[float, float, float, str]:
    """(bare window, app with the demo) seconds to the first paint (medians of RUNS) and
    the median of the ratios of each interleaved pair: a pair shares the machine's load
    of its moment, so on a busy machine the pair ratios scatter less than two medians."""
    from startup import compile_bytecode, display_env, start_bare, stop, time_to_paint

    demo = str(ROOT / "muzaic_studio" / "data" / "demo.muzaic")
    compile_bytecode()
    env, xvfb, where = display_env("muzaic-bench-ui-")
    env["MUZAIC_STUDIO_EXIT_AFTER_SHOW"] = "1"
    try:
        start_bare(env)  # warm the OS file cache for both, so run 1 is not an outlier
        time_to_paint(env, APP, demo)
        bare, app = [], []
        for _ in range(RUNS):
            bare.append(start_bare(env))
            app.append(time_to_paint(env, APP, demo))
    finally:
        stop(xvfb, env)
    print(f"  startup runs (s) on {where}: app {', '.join(f'{t:.3f}' for t in app)}; "
          f"bare {', '.join(f'{t:.3f}' for t in bare)}")  # fmt: skip
    ratio = statistics.median(a / b for a, b in zip(app, bare, strict=True))
    return statistics.median(bare), statistics.median(app), ratio, where


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    working, fit, drag = bench_repaint()
    worst = max(working, fit)
    open_ratio, stall, parse, ticks = bench_open()
    bare, app, ratio, where = bench_startup()
    edit_ratio = EDITS["step"] / parse
    ok = [worst <= REPAINT_GOAL_MS, drag <= DRAG_GOAL_MS, ratio <= STARTUP_RATIO_GOAL,
          open_ratio <= OPEN_RATIO_GOAL, edit_ratio <= OPEN_RATIO_GOAL]  # fmt: skip
    print(f"ui.repaint_1000: {worst:.2f} ms goal <={REPAINT_GOAL_MS:g} ms: {verdict(ok[0])}"
          f"  (working zoom {working:.2f} ms, fit {fit:.2f} ms; platform "
          f"{os.environ.get('QT_QPA_PLATFORM', 'native')})")  # fmt: skip
    print(f"ui.drag_frame: {drag:.2f} ms goal <={DRAG_GOAL_MS:g} ms: {verdict(ok[1])}")
    print(f"ui.open_{OPEN_REGIONS}: {open_ratio:.2f}x json.load of the file goal "
          f"<={OPEN_RATIO_GOAL:g}x: {verdict(ok[3])} (longest GUI-thread stall "
          f"{stall * 1000:.0f} ms vs json.load {parse * 1000:.0f} ms, medians of "
          f"{OPEN_RUNS} opens; >= {ticks} timer ticks while opening)")  # fmt: skip
    print(f"ui.edit_{OPEN_REGIONS}: {edit_ratio:.2f}x json.load of the file goal "
          f"<={OPEN_RATIO_GOAL:g}x: {verdict(ok[4])} (one slider step on one region "
          f"{EDITS['step'] * 1000:.0f} ms, its undo {EDITS['undo'] * 1000:.0f} ms, medians of 5, "
          "on the GUI thread; was ~1.9 s / 0.6 s when every edit copied every region)")  # fmt: skip
    print(
        f"ui.startup: {ratio:.2f}x a bare PySide6 window goal <={STARTUP_RATIO_GOAL}x: "
        f"{verdict(ok[2])} (median of {RUNS} interleaved pairs; medians {app:.3f} s vs "
        f"{bare:.3f} s; to the first paint with the demo on {where}; {app:.3f} s against the "
        f"{STARTUP_GOAL_S:g} s of an idle machine: {verdict(app <= STARTUP_GOAL_S)}, not "
        "counted: machine load scales both)"
    )
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())

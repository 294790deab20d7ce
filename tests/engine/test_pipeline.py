"""How regions are scheduled, stored and reused (no musical judgement here)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest


def test_regions_starting_together_keep_the_process_stdout():
    # the regions of a render load FluidSynth in parallel threads; its import runs under a
    # process-wide stdout redirect, and two at once left sys.stdout a StringIO for good:
    # the CLI's own output after the render vanished
    code = (
        "import sys, threading\n"
        "from muzaic_studio.engine import sampled\n"
        "gate = threading.Barrier(8)\n"
        "def go():\n"
        "    gate.wait(); sampled.available()\n"
        "ts = [threading.Thread(target=go) for _ in range(8)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print('still here', sys.stdout is sys.__stdout__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "still here True"


_COLD_PARALLEL = """
import hashlib, sys, tempfile
import numpy as np
from muzaic_studio.engine.core import Renderer
from muzaic_studio.engine.store import RegionStore
regs = [{"time": 4.0 * i, "duration": 3.0, "action": "generate", "tags": [1 + 3 * i],
         "params": {"intensity": 6}} for i in range(2)]
r = Renderer(RegionStore(tempfile.mkdtemp()))
out = r.render(r.prepare({"regions": regs}))
print(hashlib.sha256(np.ascontiguousarray(out.samples).tobytes()).hexdigest())
"""


def test_a_cold_process_renders_parallel_regions_the_same_every_time():
    # libfluidsynth fills global tables when its first synth is made; the other region's
    # synth, made meanwhile in a parallel thread, used them half-filled (about one cold
    # process in three rendered its first regions differently)
    runs = {
        subprocess.run(
            [sys.executable, "-c", _COLD_PARALLEL], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(4)
    }
    assert len(runs) == 1


def _rendered_then_one_changed(engine_home, first_tag: int, changed: int, to: int):
    """Three 3 s regions rendered by a renderer on the "warm" store, then region *changed*
    set to intensity *to*: (that renderer, the edited body for a full render, the body
    Render Changes sends: the unchanged regions as copies of their hashes)."""
    from muzaic_studio.engine.core import Renderer
    from muzaic_studio.engine.store import RegionStore
    from tests.engine.conftest import region

    body = {"regions": [region(3.0, time=3.0 * i, tags=[first_tag + 5 * i]) for i in range(3)],
            "normalize": True}  # fmt: skip
    warm = Renderer(RegionStore(engine_home / "warm"))
    hashes = warm.render(warm.prepare(body)).hashes
    body["regions"][changed]["params"]["intensity"] = to
    changes = {"regions": [{"time": 3.0 * i, "duration": 3.0, "action": "copy",
                            "sourceHash": hashes[i], "method": "strict"} for i in range(3)],
               "normalize": True}  # fmt: skip
    changes["regions"][changed] = body["regions"][changed]
    return warm, body, changes


def test_render_changes_reuses_stored_regions_and_sounds_like_a_full_render(engine_home):
    from muzaic_studio.engine.core import Renderer
    from muzaic_studio.engine.store import RegionStore

    _, body, changes = _rendered_then_one_changed(engine_home, first_tag=2, changed=1, to=9)
    # a new process on the same cache folder: the unchanged regions come from disk
    again = Renderer(RegionStore(engine_home / "warm"))
    reused = again.render(again.prepare(changes))
    cold = Renderer(RegionStore(engine_home / "cold"))
    full = cold.render(cold.prepare(body))
    assert [s.split(";")[0] for s in reused.status] == ["copied", "generated", "copied"]
    assert reused.samples.tobytes() == full.samples.tobytes()


def test_render_changes_in_a_warm_engine_measures_only_the_changed_region(engine_home, monkeypatch):
    """The GUI's engine child stays up between renders: the loudness of the unchanged
    regions (sent as copies of their hashes) is not measured again, and the soundtrack is
    the same, sample for sample, as a full render's."""
    from muzaic_studio.engine import core
    from muzaic_studio.engine.core import Renderer
    from muzaic_studio.engine.store import RegionStore
    from muzaic_studio.engine.theory import SR

    warm, body, changes = _rendered_then_one_changed(engine_home, first_tag=3, changed=2, to=2)
    measure = core.mixing.hop_energies
    whole_regions: list[int] = []

    def counted(x, *args, **kwargs):
        if len(x) == round(3.0 * SR):  # a region's audio, not a join's few hops
            whole_regions.append(len(x))
        return measure(x, *args, **kwargs)

    monkeypatch.setattr(core.mixing, "hop_energies", counted)
    reused = warm.render(warm.prepare(changes))
    monkeypatch.setattr(core.mixing, "hop_energies", measure)
    cold = Renderer(RegionStore(engine_home / "cold"))
    full = cold.render(cold.prepare(body))
    assert len(whole_regions) == 1
    assert reused.samples.tobytes() == full.samples.tobytes()


@pytest.mark.parametrize(
    ("normalize", "intensity"),
    [(False, 6), (True, 6), (True, 10)],  # 10: loud enough for the limiter's second pass
)
def test_the_streamed_mp3_is_the_encode_of_the_finished_soundtrack(engine, normalize, intensity):
    # the engine feeds its encoder while the last loudness pass still runs: every chunk
    # must reach it once, in order, and only when final
    from muzaic_studio.audio.ffmpeg import encode_mp3
    from muzaic_studio.engine.core import CHUNK, Renderer
    from muzaic_studio.engine.store import RegionStore
    from muzaic_studio.engine.theory import SR
    from tests.engine.conftest import region

    seconds = CHUNK / SR + 4.0  # two chunks
    body = {"regions": [region(seconds / 2, time=seconds / 2 * i, tags=[3 + 7 * i],
                               params={"intensity": intensity}) for i in range(2)],
            "normalize": normalize}  # fmt: skip
    streamed = engine.render(body).mp3
    cold = Renderer(RegionStore(engine.store.root.parent / "cold"))
    samples = cold.render(cold.prepare(body)).samples
    assert streamed == encode_mp3(samples, SR)


@pytest.mark.parametrize(
    ("click_every", "passes"),
    # no click: nothing limited, one pass (streamed as it goes); a click a second: limited,
    # and the level is right after one pass; a click every 0.1 s: a second gain pass
    [(None, 1), (44100, 1), (4410, 2)],
)
def test_normalize_gives_the_sink_the_result_once_in_order(monkeypatch, click_every, passes):
    from muzaic_studio.engine import core, mixing

    x = (np.random.default_rng(1).standard_normal((70 * 44100, 2)) * 2000).astype(np.int16)
    if click_every:
        x[::click_every] = 32767
    measured = []
    loudness = mixing.integrated_loudness
    monkeypatch.setattr(mixing, "integrated_loudness", lambda a: measured.append(1) or loudness(a))
    pieces: list[np.ndarray] = []
    out = core.normalize_int16(x.copy(), loudness(x), sink=lambda p: pieces.append(p.copy()))
    assert len(measured) == (passes if click_every else 0)  # after each limited pass
    assert len(pieces) == 3  # 70 s: 30 s chunks
    assert np.array_equal(np.concatenate(pieces), out)
    assert np.array_equal(out, core.normalize_int16(x.copy(), loudness(x)))

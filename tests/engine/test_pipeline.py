"""How regions are scheduled, stored and reused (no musical judgement here)."""

from __future__ import annotations

import subprocess
import sys


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


def test_render_changes_reuses_stored_regions_and_sounds_like_a_full_render(engine_home):
    from muzaic_studio.engine.core import Renderer
    from muzaic_studio.engine.store import RegionStore
    from tests.engine.conftest import region

    body = {"regions": [region(3.0, time=3.0 * i, tags=[2 + 5 * i]) for i in range(3)],
            "normalize": True}  # fmt: skip
    warm = Renderer(RegionStore(engine_home / "warm"))
    hashes = warm.render(warm.prepare(body)).hashes
    body["regions"][1]["params"]["intensity"] = 9
    changes = {"regions": [{"time": 3.0 * i, "duration": 3.0, "action": "copy",
                            "sourceHash": hashes[i], "method": "strict"} for i in range(3)],
               "normalize": True}  # fmt: skip
    changes["regions"][1] = body["regions"][1]
    # a new process on the same cache folder: the unchanged regions come from disk
    again = Renderer(RegionStore(engine_home / "warm"))
    reused = again.render(again.prepare(changes))
    cold = Renderer(RegionStore(engine_home / "cold"))
    full = cold.render(cold.prepare(body))
    assert [s.split(";")[0] for s in reused.status] == ["copied", "generated", "copied"]
    assert reused.samples.tobytes() == full.samples.tobytes()

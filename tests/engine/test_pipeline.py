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
        "    gate.wait(); sampled._lib()\n"
        "ts = [threading.Thread(target=go) for _ in range(8)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print('still here', sys.stdout is sys.__stdout__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "still here True"

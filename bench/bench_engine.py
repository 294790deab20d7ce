"""Offline engine benchmark: `python bench/bench_engine.py` (also run by `make bench`).

Goals (issue 3): a 60 s two-region render including MP3 encoding takes <= 1.0 s and
<= 2x a bare ffmpeg MP3 encode of 60 s of audio measured in the same run; also reports
the time and peak memory of a 1200 s render. Each timing is the median of 5 runs with
different specs (so the region cache never answers), in a throw-away cache dir, with
normalize=true (the costlier path). Exit status 1 if the ratio goal is missed; the
absolute 1.0 s goal depends on the machine (ffmpeg alone needs ~0.6 s of it on a shared
2-vCPU VM), so it is reported but does not fail `make bench`.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _body(seconds: float, variant: int) -> dict:
    half = seconds / 2
    return {
        "regions": [
            {"time": 0, "duration": half, "action": "generate", "tags": [2 + variant % 9],
             "params": {"intensity": 6, "tempo": 5 + variant % 3, "tone": 5, "variance": 5, "rhythm": 6}},
            {"time": half, "duration": half, "action": "generate", "method": "smart",
             "tags": [11 + variant % 8], "params": {"intensity": [[0, 4], [100, 9]], "tempo": 6}},
        ],
        "normalize": True,
    }  # fmt: skip


def main() -> int:
    os.environ["MUZAIC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="muzaic-bench-")
    from baselines import bare_mp3_encode

    from muzaic_studio.audio.ffmpeg import encode_mp3
    from muzaic_studio.engine.backend import OfflineEngine
    from muzaic_studio.engine.core import Renderer
    from muzaic_studio.engine.theory import SR

    engine = OfflineEngine()
    # warm-up: imports, ffmpeg lookup, thread pool, FFT plans for 30 s segments. Its tags
    # (6, 15) differ from the measured renders' (1-5, 10-14), and tags pick the key and the
    # voices, so the measured renders still synthesise their notes from scratch.
    engine.render(_body(60, 5))

    renders, encodes, own = [], [], []
    for v in range(5):  # render and bare encode alternate: a noisy neighbour hits both
        t0 = time.perf_counter()
        result = engine.render(_body(60, v))
        renders.append(time.perf_counter() - t0)
        assert abs(result.audio_duration - 60.0) < 1e-6
        samples = Renderer(engine.store).render(engine.renderer.prepare(_body(60, v))).samples
        t0 = time.perf_counter()
        bare_mp3_encode(samples, SR)  # baselines.py: why 192 kbit/s CBR
        encodes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        encode_mp3(samples, SR)
        own.append(time.perf_counter() - t0)
    render_s, encode_s = statistics.median(renders), statistics.median(encodes)
    ratio = render_s / encode_s
    ok_abs, ok_ratio = render_s <= 1.0, ratio <= 2.0
    verdict = lambda ok: "PASS" if ok else "FAIL"  # noqa: E731
    print(
        f"engine.render_60s: {render_s:.2f} s ({ratio:.2f}x a bare ffmpeg encode at 192 kbit/s "
        f"CBR, {encode_s:.2f} s; {render_s / statistics.median(own):.2f}x the engine's own VBR "
        f"encode, info) goal <=1.0 s: {verdict(ok_abs)}, <=2x: {verdict(ok_ratio)}"
    )

    # the app's loop: change one slider, render again (same voices: the note cache is warm)
    body = _body(60, 0)
    body["regions"][0]["params"]["intensity"] = 8
    t0 = time.perf_counter()
    engine.render(body)
    warm_s = time.perf_counter() - t0
    print(f"engine.rerender_60s_after_slider_change: {warm_s:.2f} s (info)")

    t0 = time.perf_counter()
    long = engine.render(_body(1200, 7))
    long_s = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        f"engine.render_1200s: {long_s:.2f} s ({1200 / long_s:.0f}x realtime, "
        f"mp3 {len(long.mp3) / 1e6:.1f} MB) peak RSS {peak_mb:.0f} MB"
    )
    return 0 if ok_ratio else 1


if __name__ == "__main__":
    sys.exit(main())

"""Whole soundtracks through OfflineEngine: joins, gaps, copy, extend, tokens, cancel,
hashes across processes, and the region store across restarts."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pyloudnorm
import pytest

from muzaic_studio.audio.ffmpeg import run_ffmpeg
from muzaic_studio.contract.errors import Cancelled, InsufficientTokens, InvalidRequest
from muzaic_studio.engine.backend import OfflineEngine
from muzaic_studio.engine.core import Renderer, region_hash
from muzaic_studio.engine.store import RegionStore
from muzaic_studio.engine.theory import SR, bpm_for
from tests.engine import measure as M
from tests.engine.conftest import region


def samples(engine: OfflineEngine, body: dict) -> np.ndarray:
    """The int16 mix the engine encodes (no MP3 round trip), for exact comparisons."""
    r = engine.renderer
    return r.render(r.prepare(body)).samples


def decode_mp3(mp3: bytes) -> np.ndarray:
    pcm = run_ffmpeg(["-i", "pipe:0", "-f", "s16le", "-ac", "2", "-ar", str(SR), "pipe:1"], mp3)
    return np.frombuffer(pcm, dtype=np.int16).reshape(-1, 2)


def test_render_contract_fields_and_mp3_length(engine):
    body = {"regions": [region(3.0), region(2.5, time=3.0, tags=[12], method="smart")]}
    res = engine.render(body)
    assert res.mp3[:3] == b"ID3" or res.mp3[0] == 0xFF
    assert res.audio_duration == 5.5 and res.tokens_used == 6
    assert len(res.region_hashes) == 2 and res.region_hashes[0] != res.region_hashes[1]
    assert res.status == ["generated", "generated"] and res.api_version
    assert res.soundtrack_hash
    decoded = decode_mp3(res.mp3)
    assert abs(len(decoded) / SR - 5.5) < 0.03
    assert np.abs(decoded.astype(np.int32)).max() <= 32767


def test_regions_join_without_clicks_and_gaps_are_silent(engine):
    body = {"regions": [
        region(3.0, tags=[5], params={"intensity": 10, "rhythm": 9}),
        region(3.0, time=3.0, tags=[4], params={"intensity": 3}),
        region(2.0, time=7.0, tags=[2]),
    ]}  # fmt: skip
    x = samples(engine, body).astype(np.float64) / 32767
    assert len(x) == round(9.0 * SR)
    np.testing.assert_array_equal(x[round(6.0 * SR) + 1 : round(7.0 * SR) - 1], 0.0)
    d = np.abs(np.diff(x, axis=0)).max(axis=1)
    typical = np.percentile(d, 99.9)
    for t in (3.0, 6.0, 7.0):
        j = round(t * SR)
        assert d[j - 64 : j + 64].max() <= typical, t  # no step at the join
        if t != 3.0:  # before and after the gap both sides fade to ~0 at the seam
            assert np.abs(x[j - 2 : j + 2]).max() < 0.01


def test_silence_is_digital_zero_and_free(engine):
    res = engine.render({"regions": [region(2.0, action="silence")]})
    assert res.tokens_used == 0
    assert not samples(engine, {"regions": [region(2.0, action="silence")]}).any()


def test_copy_reproduces_its_source_and_costs_nothing(engine):
    src = region(4.0, tags=[2])
    res = engine.render({"regions": [src]})
    h = res.region_hashes[0]
    original = samples(engine, {"regions": [src]})
    body = {"regions": [region(4.0, action="copy", sourceHash=h)]}
    copied = engine.render(body)
    assert copied.tokens_used == 0 and copied.status == ["copied"]
    np.testing.assert_array_equal(samples(engine, body), original)
    # moved on the timeline: still the same music
    moved = samples(engine, {"regions": [region(4.0, time=1.0, action="copy", sourceHash=h)]})
    np.testing.assert_array_equal(moved[SR:], original)


def test_copy_trims_and_loops_on_bar_boundaries(engine):
    src = region(6.0, params={"tempo": 6}, tags=[2])
    h = engine.render({"regions": [src]}).region_hashes[0]
    original = samples(engine, {"regions": [src]}).astype(np.int32)
    short = samples(engine, {"regions": [region(2.0, action="copy", sourceHash=h)]}).astype(
        np.int32
    )
    n = len(short) - round(0.12 * SR)  # the strict release
    np.testing.assert_array_equal(short[:n], original[:n])
    longer = samples(engine, {"regions": [region(15.0, action="copy", sourceHash=h)]}).astype(
        np.int32
    )
    assert len(longer) == 15 * SR
    bar = round(240.0 / bpm_for(7) * SR)  # Electronic adds +1 tempo
    loop = ((len(original) - round(0.06 * SR)) // bar) * bar
    assert loop > 0
    # after the crossfade, the second pass is the source again, bar-aligned
    xf = round(0.06 * SR)
    np.testing.assert_array_equal(longer[loop + xf : loop + bar], original[xf:bar])
    # the seam is no steeper than the music itself (the downbeat's kick is the steepest)
    d = np.abs(np.diff(longer.astype(np.float64), axis=0)).max(axis=1)
    own = np.abs(np.diff(original.astype(np.float64), axis=0)).max()
    assert d[loop - 32 : loop + xf + 32].max() <= 1.05 * own


def test_copy_in_the_same_request_and_extend(engine):
    first = region(3.0, tags=[3])
    h = region_hash({**first})
    body = {"regions": [first, {"time": 3.0, "duration": 3.0, "action": "extend"},
                        region(2.0, time=6.0, action="copy", sourceHash=h)]}  # fmt: skip
    res = engine.render(body)
    assert res.region_hashes[0] == h
    assert res.status[1].startswith("copied") and "extend" in res.status[1]
    assert res.tokens_used == 3
    x = samples(engine, body).astype(np.int32)
    src = x[: 3 * SR]
    # extend carries the music on: the extension is what followed the source's last full
    # bar (the loop restarts there), not a restart from its beginning
    bar = round(240.0 / bpm_for(5) * SR)
    loop = ((3 * SR - round(0.06 * SR)) // bar) * bar
    j0, j1 = round(0.01 * SR), 2 * loop - 3 * SR
    ext = x[3 * SR : 6 * SR]
    np.testing.assert_array_equal(ext[j0:j1], src[3 * SR - loop + j0 : 3 * SR - loop + j1])
    assert not np.array_equal(ext[j0:j1], src[j0:j1])
    d = np.abs(np.diff(x[3 * SR - 64 : 3 * SR + 64].astype(np.float64), axis=0)).max()
    assert d <= np.abs(np.diff(src.astype(np.float64), axis=0)).max()
    # the plain copy restarts from the source's beginning
    n = 2 * SR - round(0.12 * SR)
    np.testing.assert_array_equal(x[6 * SR : 6 * SR + n], src[:n])


@pytest.mark.parametrize("method", ["smart", "strict"])
@pytest.mark.parametrize("seconds", [10.0, 30.0], ids=["shorter", "longer"])
def test_a_copy_never_ends_in_silence(engine, method, seconds):
    """The demo's 'Reprise of the opening' (a 10 s smart copy of a 12 s region) used to
    end in 1.6 s of digital silence; a 30 s copy of 20 s in 1.26 s."""
    src = region(12.0 if seconds < 12 else 20.0, method="smart")
    h = engine.render({"regions": [src]}).region_hashes[0]
    body = {"regions": [region(seconds, action="copy", sourceHash=h, method=method)]}
    res = engine.render(body)
    assert res.region_tempos == [round(bpm_for(5), 2)]  # a copy plays its source's tempo
    x = samples(engine, body).astype(np.float64)
    assert len(x) == round(seconds * SR)
    tail = x[-round(0.5 * SR) : -round(0.05 * SR)]
    assert np.sqrt((tail**2).mean()) > 32767 * 10 ** (-60 / 20)  # not silent: above -60 dBFS
    assert np.abs(x[-8:]).max() < 0.01 * np.abs(x).max()  # yet it ends softly, no click


def test_unknown_source_hash_is_a_400_naming_the_region(engine):
    body = {
        "regions": [
            region(2.0),
            region(2.0, time=2.0, action="copy", sourceHash="0123456789abcdef"),
        ]
    }
    with pytest.raises(InvalidRequest, match=r"Region 2 \(at 2\.00 s\): sourceHash"):
        engine.render(body)
    assert engine.account().used == 0  # nothing billed for a refused request


def test_unknown_tag_is_a_400_naming_the_region(engine):
    with pytest.raises(
        InvalidRequest, match=r"Region 1 \(at 0\.00 s\): tags: unknown tag id\(s\) 999"
    ):
        engine.render({"regions": [region(2.0, tags=[999])]})


def test_normalize_reaches_minus_14_lufs_and_stays_under_0_dbfs(engine):
    for intensity in (2, 9):
        body = {"regions": [region(10.0, params={"intensity": intensity})], "normalize": True}
        x = samples(engine, body).astype(np.float64) / 32767
        assert pyloudnorm.Meter(SR).integrated_loudness(x) == pytest.approx(-14.0, abs=0.6)
        assert np.abs(x).max() <= 10 ** (-1 / 20) + 1e-4


def test_tokens_are_billed_and_enforced():
    eng = OfflineEngine(balance=10)
    res = eng.render({"regions": [region(2.2), region(1.0, time=3.0, action="silence")]})
    assert res.tokens_used == 3 and eng.account().balance == 7 and eng.account().used == 3
    with pytest.raises(InsufficientTokens) as info:
        eng.render({"regions": [region(8.0)]})
    assert info.value.needed == 8 and info.value.balance == 7
    assert eng.account().balance == 7


def test_concurrent_renders_never_overdraw():
    eng = OfflineEngine(balance=10)
    results, errors = [], []

    def go(i: int) -> None:
        try:
            results.append(eng.render({"regions": [region(2.0, params={"tone": 1 + i})]}))
        except InsufficientTokens as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 5 and len(errors) == 3
    assert eng.account().balance == 0 and eng.account().used == 10


def test_cancel_between_regions_refunds():
    eng = OfflineEngine(balance=100)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        eng.render({"regions": [region(2.0), region(2.0, time=2.0)]}, cancel)
    assert eng.account().balance == 100


def test_cancel_stops_a_long_region_within_a_segment():
    eng = OfflineEngine(balance=10_000)
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    import time

    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        eng.render({"regions": [region(1200.0)]}, cancel)
    assert time.perf_counter() - t0 < 5.0  # a full 1200 s region takes ~10 s
    assert eng.account().balance == 10_000


def test_hashes_and_audio_are_stable_across_processes(engine, engine_home):
    body = {"regions": [region(2.0, tags=[6], params={"variance": [[0, 1], [100, 9]]})]}
    res = engine.render(body)
    code = (
        "import json, sys, hashlib;"
        "from muzaic_studio.engine.backend import OfflineEngine;"
        "from muzaic_studio.engine.store import RegionStore;"
        "import tempfile;"
        "e = OfflineEngine(store=RegionStore(tempfile.mkdtemp()));"
        "r = e.render(json.loads(sys.argv[1]));"
        "x = e.renderer.render(e.renderer.prepare(json.loads(sys.argv[1]))).samples;"
        "print(json.dumps([r.region_hashes, r.soundtrack_hash, hashlib.sha256(x.tobytes()).hexdigest()]))"
    )
    out = subprocess.run([sys.executable, "-c", code, json.dumps(body)], capture_output=True,
                         text=True, timeout=120, check=True, env={"PYTHONHASHSEED": "123", **_env()})  # fmt: skip
    hashes, st_hash, digest = json.loads(out.stdout)
    import hashlib

    assert hashes == res.region_hashes and st_hash == res.soundtrack_hash
    assert digest == hashlib.sha256(samples(engine, body).tobytes()).hexdigest()


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_copy_works_after_a_restart_from_the_disk_store(engine_home):
    first = OfflineEngine()
    src = region(3.0, tags=[10])
    h = first.render({"regions": [src]}).region_hashes[0]
    original = samples(first, {"regions": [src]})
    first.store.flush()
    assert (first.store.root / f"{h}.pcm").exists()
    second = OfflineEngine()  # a new process would see the same files
    body = {"regions": [region(3.0, action="copy", sourceHash=h)]}
    np.testing.assert_array_equal(samples(second, body), original)
    assert second.stored_audio(h).audio_duration == 3.0


def test_store_is_bounded_and_regenerates_evicted_audio(engine_home):
    store = RegionStore(engine_home / "small", max_bytes=300_000, memory_bytes=1)
    eng = OfflineEngine(store=store)
    hashes = []
    for tone in range(1, 6):
        hashes.append(
            eng.render({"regions": [region(2.0, params={"tone": tone})]}).region_hashes[0]
        )
        store.flush()
    assert store.disk_bytes() <= 300_000
    assert not (store.root / f"{hashes[0]}.pcm").exists()  # the oldest went first
    store.forget_memory()
    audio, _ = Renderer(store).audio_for_hash(hashes[0])  # recipe -> same music again
    expected = samples(OfflineEngine(store=RegionStore(engine_home / "fresh")),
                       {"regions": [region(2.0, params={"tone": 1})]})  # fmt: skip
    np.testing.assert_array_equal(audio, expected)


def test_onsets_of_a_render_follow_the_tempo_through_the_whole_pipeline(engine):
    body = {"regions": [region(10.0, params={"tempo": 9, "rhythm": 10, "intensity": 6, "tone": 9})]}
    x = decode_mp3(engine.render(body).mp3)
    assert M.bpm(x) == pytest.approx(bpm_for(9), rel=0.03)

"""Issue 15 items 2 and 6: the offline engine's master (true peak under -1 dBTP after MP3
encoding, -14 LUFS when normalised) and its joins (tails ring on into the next region,
no dip between two generated regions, stored region audio unchanged)."""

from __future__ import annotations

import numpy as np
import pytest

from muzaic_studio.audio.loudness import measure_loudness
from muzaic_studio.engine.theory import SR
from tests.engine import measure as M
from tests.engine.conftest import region
from tests.engine.test_soundtrack import samples

LOUD = {"intensity": 10, "tone": 10, "rhythm": 10}


@pytest.mark.parametrize("normalize", [True, False])
def test_offline_mp3_true_peak_stays_under_minus_1_dbtp(engine, tmp_path, normalize):
    """The engine's MP3 used to peak at about -0.6 dBTP: the export dialog said 'may clip'."""
    body = {"regions": [region(8.0, tags=[2, 29], params=LOUD), region(6.0, time=8.0, tags=[23],
            params={"tone": 10, "intensity": 8})], "normalize": normalize}  # fmt: skip
    path = tmp_path / "out.mp3"
    path.write_bytes(engine.render(body).mp3)
    report = measure_loudness(path)
    assert report.true_peak_dbtp <= -1.0, report
    assert not report.clipping_risk
    if normalize:  # the PCM is -14.0; the encoder's low-pass takes a few tenths
        assert report.integrated_lufs == pytest.approx(-14.0, abs=0.5)


def test_a_strict_region_rings_on_into_the_next_one(engine):
    a = region(4.0, tags=[5], params={"intensity": 8})
    b = region(4.0, time=4.0, tags=[4], params={"intensity": 4})
    alone = samples(engine, {"regions": [a]}).astype(np.float64)
    joined = samples(engine, {"regions": [a, b]}).astype(np.float64)
    b_alone = samples(engine, {"regions": [{**b, "time": 0.0}]}).astype(np.float64)
    n = 4 * SR
    # on its own the region releases into its boundary; with music after it, it doesn't
    assert np.abs(alone[-8:]).max() < 0.01 * np.abs(alone).max()
    assert np.sqrt((joined[n - 441 : n] ** 2).mean()) > 0.3 * np.sqrt((alone[: n // 2] ** 2).mean())
    # its tail (releases and room) sounds in the first part of the next region
    ring = joined[n : n + SR // 4] - b_alone[: SR // 4]
    assert np.sqrt((ring**2).mean()) > 0.05 * np.sqrt((alone[: n // 2] ** 2).mean())
    assert np.array_equal(joined[: n - round(0.12 * SR)], alone[: n - round(0.12 * SR)])


def test_the_stored_region_is_its_own_audio_and_a_copy_rings_on_like_its_source(engine):
    a = region(3.0, tags=[19])
    follow = region(3.0, time=3.0, tags=[20])
    h = engine.render({"regions": [a, follow]}).region_hashes[0]
    stored, _ = engine.renderer.audio_for_hash(h)
    np.testing.assert_array_equal(stored, samples(engine, {"regions": [a]}))
    copy = region(3.0, action="copy", sourceHash=h)
    np.testing.assert_array_equal(
        samples(engine, {"regions": [copy, follow]}), samples(engine, {"regions": [a, follow]})
    )


def test_no_dip_deeper_than_3_db_where_generated_regions_meet(engine):
    for tags_a, tags_b in (([], []), ([8, 26], [8, 26]), ([19], [20])):
        body = {"regions": [region(6.0, tags=tags_a, params={"intensity": 6}),
                            region(6.0, time=6.0, tags=tags_b, params={"intensity": 6})]}  # fmt: skip
        dip = M.join_dip_db(samples(engine, body), 6 * SR)
        assert dip >= -3.0, (tags_a, tags_b, dip)


def test_a_region_before_silence_keeps_its_release_and_the_silence_stays_silent(engine):
    body = {"regions": [region(3.0, tags=[5]), region(2.0, time=3.0, action="silence")]}
    x = samples(engine, body)
    assert not x[3 * SR :].any()
    assert np.abs(x[3 * SR - 8 : 3 * SR].astype(np.int32)).max() < 200

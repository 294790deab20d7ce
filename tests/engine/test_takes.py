"""Takes in the offline engine: a region's take seeds its theme and is part of its hash, so
equal specs can sound different on purpose; take 0 keeps every hash made before takes."""

from __future__ import annotations

import numpy as np
import requests

from muzaic_studio.api.cloud import MuzaicCloud
from muzaic_studio.engine.arrangement import generate
from muzaic_studio.engine.core import gen_spec, region_hash
from tests.engine.conftest import KEY, region
from tests.engine.test_soundtrack import samples

# region(4.0, tags=[3])'s hash without a take (engine version 7: re-record on a bump).
HASH_BEFORE_TAKES = "2c657912cbf4c3784f0a961402415e6d"


def test_take_0_keeps_the_hash_made_before_takes():
    assert region_hash(region(4.0, tags=[3])) == HASH_BEFORE_TAKES
    assert region_hash(region(4.0, tags=[3], take=0)) == HASH_BEFORE_TAKES


def test_another_take_is_other_music_with_another_hash_and_the_same_take_is_the_same():
    a, b = region(4.0, tags=[3]), region(4.0, tags=[3], take=1)
    assert region_hash(a) != region_hash(b) != region_hash(region(4.0, tags=[3], take=2))
    audio_a, _ = generate(gen_spec(a))
    audio_b, _ = generate(gen_spec(b))
    assert audio_a.shape == audio_b.shape and not np.allclose(audio_a, audio_b, atol=1e-3)
    again, _ = generate(gen_spec(dict(b)))
    np.testing.assert_array_equal(again, audio_b)  # the same request, the same audio


def test_equal_regions_with_two_takes_sound_different_in_one_soundtrack(engine):
    body = {"regions": [region(3.0, tags=[5], take=1), region(3.0, time=3.0, tags=[5], take=2)]}
    res = engine.render(body)
    assert res.region_hashes[0] != res.region_hashes[1]
    x = samples(engine, body).astype(np.float64)
    n = round(3.0 * 44100)
    assert not np.allclose(x[:n], x[n : 2 * n], atol=50)
    # moving the pair keeps each region's music: the hashes do not depend on time
    moved = {"regions": [{**r, "time": r["time"] + 5} for r in body["regions"]]}
    assert engine.render(moved).region_hashes == res.region_hashes


def test_loopback_server_hashes_the_take_and_the_cloud_client_never_sends_it(engine_server):
    h = {"MuzaicAPI-Secret-Key": KEY}
    url = engine_server.url + "/soundtrack"
    plain = {"regions": [region(2.0, tags=[4])]}
    took = {"regions": [region(2.0, tags=[4], take=3)]}
    r0 = requests.post(url, json=plain, headers=h, timeout=60).json()["regionHashes"]
    r3 = requests.post(url, json=took, headers=h, timeout=60).json()["regionHashes"]
    assert r0 != r3 and r3 == [region_hash(took["regions"][0])]
    bad = requests.post(url, json={"regions": [region(2.0, take="x")]}, headers=h, timeout=60)
    assert bad.status_code == 400 and "take" in bad.text
    # the cloud client strips takes: the server hears the take-less request
    via_cloud = MuzaicCloud(engine_server.url, KEY).render(took)
    assert via_cloud.region_hashes == r0

"""The cloud client against the offline engine's HTTP server: both sides of the contract."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from muzaic_studio.api.cloud import MuzaicCloud, audio_format
from muzaic_studio.contract.errors import InsufficientTokens, RateLimited, Unauthorized
from muzaic_studio.engine.server import start_server, stop_server
from tests.api.helpers import KEY, body, region
from tests.model.strategies import projects


@pytest.fixture
def engine():
    server, thread = start_server(
        keys={KEY: None, "web-only-key-000": frozenset({"web"})}, tokens=30
    )
    yield server
    stop_server(server, thread)


def test_render_tags_and_account(engine):
    cloud = MuzaicCloud(engine.url, KEY, timeout=60)
    result = cloud.render(body(2, seconds=3.0))
    assert audio_format(result.mp3) == "mp3"
    assert len(result.region_hashes) == 2 and all(result.region_hashes)
    assert result.tokens_used == 6
    assert result.audio_duration == pytest.approx(6.0, abs=0.05)
    assert cloud.account().balance == 24
    tags = cloud.tags()
    assert tags["tags"] and {"id", "name"} <= set(tags["tags"][0])

    # a copy of a returned hash costs nothing
    copy = {
        "regions": [
            {"time": 0, "duration": 3, "action": "copy", "sourceHash": result.region_hashes[0]}
        ]
    }
    assert cloud.render(copy).tokens_used == 0


def test_not_enough_tokens(engine):
    with pytest.raises(InsufficientTokens, match="Not enough tokens: 40 needed, 30 left"):
        MuzaicCloud(engine.url, KEY, timeout=60).render(body(2, seconds=20.0))


def test_wrong_key_and_origin(engine):
    with pytest.raises(Unauthorized, match="Invalid API key"):
        MuzaicCloud(engine.url, "not-the-key-123").render(body(1, 1.0))
    with pytest.raises(Unauthorized, match="not valid for origin 'elsewhere'"):
        MuzaicCloud(engine.url, "web-only-key-000", origin="elsewhere").render(body(1, 1.0))
    result = MuzaicCloud(engine.url, "web-only-key-000", origin="web", timeout=60).render(
        {"regions": [region(0, 1.0)]}
    )
    assert result.tokens_used == 1


def test_rate_limit_with_a_wait_longer_than_allowed_is_reported():
    server, thread = start_server(keys=[KEY], rate_limit=1)
    try:
        cloud = MuzaicCloud(server.url, KEY, max_retry_wait=0.5)
        cloud.account()
        with pytest.raises(RateLimited) as info:
            cloud.account()
        assert info.value.retry_after and info.value.retry_after > 0.5
    finally:
        stop_server(server, thread)


@pytest.fixture(scope="module")
def unlimited_engine():
    server, thread = start_server(keys=[KEY], tokens=None)
    yield server
    stop_server(server, thread)


@given(projects(max_regions=3, allow_keyframes=True, with_extras=True))
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_valid_project_renders_through_the_wire(unlimited_engine, project):
    cloud = MuzaicCloud(unlimited_engine.url, KEY, timeout=60)
    known = sorted(t["id"] for t in cloud.tags()["tags"])
    for r in project.regions:  # keep the synthesis short; shape is what is tested
        r.duration = min(r.duration, 2.0)
        r.tags = [known[t % len(known)] for t in r.tags[:1]]  # the engine refuses unknown tags
        if r.action == "copy":
            r.action, r.source_hash = "silence", None
    project.regions = [r for i, r in enumerate(project.sorted_regions()) if i < 3]
    t = 0.0
    for r in project.regions:
        r.time, t = t, t + r.duration
    result = cloud.render(project)
    assert len(result.region_hashes) == len(project.regions)

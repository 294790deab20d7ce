"""Engine test fixtures: every test gets its own cache dir (so the region store starts
empty and nothing leaks between tests), and helpers to render without MP3 encoding."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from muzaic_studio.engine.arrangement import generate
from muzaic_studio.engine.backend import OfflineEngine
from muzaic_studio.engine.core import gen_spec
from muzaic_studio.engine.server import start_server, stop_server
from muzaic_studio.engine.store import RegionStore

KEY = "test-key-0001"
WEB_KEY = "web-only-key"


@pytest.fixture(autouse=True)
def engine_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MUZAIC_STUDIO_HOME", str(home))
    return home


@pytest.fixture
def engine(engine_home) -> OfflineEngine:
    eng = OfflineEngine()
    yield eng
    eng.store.flush()


@pytest.fixture
def store(engine_home) -> RegionStore:
    s = RegionStore(engine_home / "store")
    yield s
    s.flush()


@pytest.fixture
def engine_server(engine_home):
    """A running server: keys KEY (any origin) and WEB_KEY (origin 'web' only), 60 tokens."""
    server, thread = start_server(
        keys={KEY: None, WEB_KEY: frozenset({"web"})}, tokens=60, origins=["web", "app"]
    )
    yield server
    stop_server(server, thread)


def region(duration: float = 4.0, time: float = 0.0, **kw: Any) -> dict[str, Any]:
    params = {"intensity": 5, "tempo": 5, "tone": 5, "variance": 5, "rhythm": 5}
    params.update(kw.pop("params", {}))
    r = {"time": time, "duration": duration, "action": "generate", "method": "strict",
         "tags": [], "params": params}  # fmt: skip
    r.update(kw)
    return r


def synth(
    duration: float = 8.0, tags: list[int] | None = None, method: str = "strict", **params: Any
) -> np.ndarray:
    """int16 (n, 2) of one generate region, straight from the composer (no store, no MP3)."""
    return generate(gen_spec(region(duration, tags=tags or [], method=method, params=params)))[0]

"""Schemathesis against the shipped OpenAPI file, on the real loopback server (issue 14).

Positive and negative bodies from the contract, a fixed seed and a bounded example count
(part of `make test`, well under a minute). Checks: no 5xx, the declared content type, and
the declared schema for declared statuses (200/400/401/429). The server accepts more than
the contract (the lenient forms the API README lists), so "negative data was accepted" is
not a check here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

import muzaic_studio
from muzaic_studio.engine.server import start_server, stop_server
from tests.engine.conftest import KEY

SPEC = Path(muzaic_studio.__file__).parent / "data" / "soundtrack.openapi.json"
EXAMPLES = 60

schema = schemathesis.openapi.from_path(SPEC)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    deterministic=True,
)
schema.config.seed = 14


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("MUZAIC_STUDIO_HOME", str(tmp_path_factory.mktemp("fuzzhome")))
    server, thread = start_server(keys=[KEY], tokens=None)
    yield server.url
    stop_server(server, thread)
    mp.undo()


def _short(body: Any) -> None:
    """Keep generated soundtracks a few seconds long: the fuzz tests the server, not the
    synthesizer (a valid 1200 s body would take a minute to render)."""
    regions = body.get("regions") if isinstance(body, dict) else None
    for region in regions if isinstance(regions, list) else []:
        if not isinstance(region, dict):
            continue
        for key in ("time", "duration"):
            value = region.get(key)
            if isinstance(value, float) and abs(value) > 3:
                region[key] = value % 3


@schema.parametrize()
def test_the_contract_holds_under_fuzzing(case, base_url):
    _short(case.body)
    response = case.call(base_url=base_url, headers={"MuzaicAPI-Secret-Key": KEY}, timeout=120)
    case.validate_response(
        response,
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )

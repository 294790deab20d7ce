"""The seed contract (soundtrack.openapi.json, shipped as package data) as JSON Schemas.

The schemas are read from the contract file itself, not retyped, so the client obeys exactly
the contract it was given.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def openapi() -> dict[str, Any]:
    text = resources.files("muzaic_studio.data").joinpath("soundtrack.openapi.json").read_text()
    return json.loads(text)


def _operation() -> dict[str, Any]:
    return openapi()["paths"]["/soundtrack"]["post"]


@functools.cache
def request_schema() -> dict[str, Any]:
    return _operation()["requestBody"]["content"]["application/json"]["schema"]


@functools.cache
def response_schema(status: str = "200") -> dict[str, Any]:
    return _operation()["responses"][status]["content"]["application/json"]["schema"]


@functools.cache
def _validator(which: str) -> Any:  # a jsonschema Draft7Validator (an untyped library)
    import jsonschema

    schema = request_schema() if which == "request" else response_schema(which)
    return jsonschema.Draft7Validator(schema)


def schema_errors(instance: Any, which: str = "request") -> list[Any]:
    """jsonschema ValidationErrors of *instance* against the request or a response schema."""
    return sorted(_validator(which).iter_errors(instance), key=lambda e: list(e.absolute_path))

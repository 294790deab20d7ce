"""Hypothesis data from a JSON Schema: the subset the seed contract uses.

hypothesis-jsonschema 0.23.1 fails on every object schema with the Hypothesis release in
this venv (AttributeError: 'many' object has no attribute 'more'), so the suite derives its
strategies from the seed schema here instead. The schema is read, not retyped.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v) for k, v in props.items() if k in required},
            optional={k: from_schema(v) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=4)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
    if kind == "number":
        return st.integers(-10, 1300) | st.floats(-10.0, 1300.0, allow_nan=False)
    if kind == "string":
        return st.text(max_size=12)
    if kind == "boolean":
        return st.booleans()
    raise NotImplementedError(f"schema construct not used by the seed contract: {schema}")

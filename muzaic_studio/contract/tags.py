"""The tag relations of a /getTags answer, in whichever documented spelling it comes.

The contract's example says `tagsRelations: {"1": {"2": -1}}`, the prose pages call it
`tagRelations`, and the MCP client expects a list of `{tag1, tag2, value}`. A negative
value marks two tags that should not be combined.
"""

from __future__ import annotations

from typing import Any


def tag_relations(data: Any) -> dict[str, dict[str, Any]]:
    """{tag id: {other tag id: value}} from any of the three spellings ({} if none)."""
    if not isinstance(data, dict):
        return {}
    raw = data.get("tagsRelations", data.get("tagRelations"))
    if isinstance(raw, dict):
        return {str(a): dict(row) for a, row in raw.items() if isinstance(row, dict)}
    out: dict[str, dict[str, Any]] = {}
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and "tag1" in item and "tag2" in item:
            out.setdefault(str(item["tag1"]), {})[str(item["tag2"])] = item.get("value")
    return out

"""The tag catalogue as the editor needs it: names, categories and conflicting pairs.

Built from a GET /getTags body ({"tags": [...], "tagsRelations": {id: {otherId: -1}}}),
from whichever backend is active. A negative relation means the two tags conflict.
No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from muzaic_studio.contract.tags import tag_relations
from muzaic_studio.model.tag_names import TagIndex


@dataclass
class TagCatalogue:
    names: dict[int, str] = field(default_factory=dict)
    category_of: dict[int, str] = field(default_factory=dict)
    conflicts_with: dict[int, set[int]] = field(default_factory=dict)
    index: TagIndex = field(default_factory=TagIndex)  # name -> id and the tags' bonuses

    @classmethod
    def from_response(cls, data: Any) -> TagCatalogue:
        if not isinstance(data, dict):
            return cls()
        categories = {
            int(c["id"]): str(c.get("name", ""))
            for c in data.get("categories") or []
            if isinstance(c, dict) and "id" in c
        }
        out = cls(index=TagIndex.from_response(data))
        for tag in data.get("tags") or []:
            if not isinstance(tag, dict) or "id" not in tag:
                continue
            tid = int(tag["id"])
            out.names[tid] = str(tag.get("name") or f"#{tid}")
            cat = tag.get("tagCategoryId")
            out.category_of[tid] = categories.get(int(cat), f"Category {cat}") if cat else ""
        for a, rel in tag_relations(data).items():
            for b, weight in rel.items():
                try:
                    if float(weight) < 0:
                        out.conflicts_with.setdefault(int(a), set()).add(int(b))
                        out.conflicts_with.setdefault(int(b), set()).add(int(a))
                except (TypeError, ValueError):
                    continue
        return out

    @classmethod
    def offline(cls) -> TagCatalogue:
        """The offline engine's catalogue (engine/tags.py needs no numpy)."""
        from muzaic_studio.engine.tags import catalogue

        return cls.from_response(catalogue())

    def name(self, tag_id: int) -> str:
        return self.names.get(tag_id, f"#{tag_id}")

    def conflicts(self, tag_ids: list[int]) -> list[tuple[int, int]]:
        """Conflicting pairs among *tag_ids*, each pair once, in the order given."""
        out = []
        for i, a in enumerate(tag_ids):
            for b in tag_ids[i + 1 :]:
                if b in self.conflicts_with.get(a, ()):
                    out.append((a, b))
        return out

    def describe_conflicts(self, tag_ids: list[int]) -> str:
        pairs = self.conflicts(tag_ids)
        return "; ".join(f"{self.name(a)} conflicts with {self.name(b)}" for a, b in pairs)

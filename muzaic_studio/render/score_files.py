"""Export stems and MIDI of a project: the offline engine's score (issue 15, item 8), for
`muzaic-studio render --stems DIR --midi FILE` and the export dialog.

Only the offline engine has a score: the Muzaic cloud answers with mixed audio alone, so
with the cloud these exports are refused with that reason rather than faked (say, by
separating the mix). The engine renders in this process, from its on-disk region store,
which the GUI's engine child shares: regions it rendered are not generated again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from muzaic_studio.contract.errors import InvalidRequest

NEEDS_OFFLINE = (
    "Stems and MIDI come from the offline engine's score; the Muzaic cloud sends only the "
    "mixed audio. Render with the offline engine to export them."
)


class NeedsOfflineEngine(InvalidRequest):
    """Stems or MIDI were asked of a backend that has no score (the cloud)."""


def has_score(backend: Any) -> bool:
    """Whether *backend* is the offline engine (in this process or the GUI's child)."""
    return str(getattr(backend, "name", "")) == "offline"


def export_score_files(
    project: Any,
    *,
    stems_dir: str | Path | None = None,
    midi_path: str | Path | None = None,
    engine: Any = None,
    body: dict[str, Any] | None = None,
    title: str = "",
    progress: Callable[[float, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Any:
    """Write *project*'s stems (drums/bass/harmony/melody.wav in *stems_dir*) and/or MIDI
    file; returns the engine's ScoreExport (its `summary()` is the sentence to show).

    *engine*: an in-process OfflineEngine to use (the CLI's), else a new one; *body*: the
    request that was rendered (the CLI's), else the whole project's."""
    from muzaic_studio.engine.backend import OfflineEngine
    from muzaic_studio.engine.score_export import export_score

    if engine is not None and not has_score(engine):
        raise NeedsOfflineEngine(NEEDS_OFFLINE)
    if not isinstance(engine, OfflineEngine):
        engine = OfflineEngine()
    if body is None:
        from muzaic_studio.render.job import prepare_for

        body = prepare_for(project, engine, only_changes=False).body
    return export_score(engine.renderer, body, stems_dir=stems_dir, midi_path=midi_path,
                        title=title or getattr(project, "name", "") or "Soundtrack",
                        progress=progress, cancel=cancel)  # fmt: skip

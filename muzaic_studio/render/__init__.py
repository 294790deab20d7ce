"""The one render use case (pre-render check and plan -> validate -> backend -> keep the
answer -> audio -> peaks -> apply), its history on disk and its summary texts. No Qt: the CLI calls it
directly and the GUI runs `execute` in its worker."""

from muzaic_studio.render.history import RenderHistory, RenderRecord
from muzaic_studio.render.job import (
    Blocked,
    CatalogueNeeded,
    RenderJob,
    RenderOutcome,
    UnsendableRequest,
    execute,
    keep_paid_hashes,
    prepare,
    prepare_for,
    record,
)
from muzaic_studio.render.summary import RenderSummary, SecondsPerSecond

__all__ = [
    "Blocked",
    "CatalogueNeeded",
    "RenderHistory",
    "RenderJob",
    "RenderOutcome",
    "RenderRecord",
    "RenderSummary",
    "SecondsPerSecond",
    "UnsendableRequest",
    "execute",
    "keep_paid_hashes",
    "prepare",
    "prepare_for",
    "record",
]

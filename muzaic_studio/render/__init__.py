"""The one render use case (plan -> validate -> backend -> keep the answer -> audio ->
peaks -> apply), its history on disk and its summary texts. No Qt: the CLI calls it
directly and the GUI runs `execute` in its worker."""

from muzaic_studio.render.history import RenderHistory, RenderRecord
from muzaic_studio.render.job import (
    RenderJob,
    RenderOutcome,
    UnsendableRequest,
    execute,
    keep_paid_hashes,
    prepare,
    record,
)
from muzaic_studio.render.summary import RenderSummary, SecondsPerSecond

__all__ = [
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
    "record",
]

"""The offline engine: procedural music behind the Muzaic /soundtrack contract.

`OfflineEngine` is the in-process Backend; `server.start_server` / `muzaic-studio serve`
put the same implementation on 127.0.0.1. Heavy modules (numpy synthesis) load on first
use of these names, so importing the package stays cheap.

Modules, one job each (request flows top to bottom):
  server       `serve`: CLI options, start/stop, workers (uvicorn)
  http_app     the ASGI app: routes, keys/origins, limits, render queue
  http_answers the JSON of every answer and refusal, in the chosen dialect (one seam)
  http_protocol  h11 parse errors (400/414/431/501) as the app's JSON
  state        token ledger + rate limit in SQLite, shared by worker processes
  dialects     the answer shapes `serve --dialect` speaks (openapi, docs, mcp), audio links
  backend      OfflineEngine: tokens (reserve/refund), MP3, /singleFile, /audioFromHash
  compat       lenient legacy request forms -> canonical, then model.validation
  core         Renderer: hashes, regions (generate/copy/silence) -> mix -> normalise
  store        region recipes + FLAC audio on disk (LRU by bytes), memory LRU
  arrangement  the composer: bars, sections, harmony, parts, drums -> region audio
  instruments  synthesized voices and drum one-shots, note cache
  mixing       pan, reverb, limiter, BS.1770 loudness
  theory       param -> BPM/mode/density/... mappings, scales, chords, keyframe curves
  tags         the GET /getTags catalogue and what each tag does to the music
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from muzaic_studio.engine.backend import OfflineEngine
    from muzaic_studio.engine.server import start_server

__all__ = ["ENGINE_VERSION", "OfflineEngine", "start_server"]


def __getattr__(name: str) -> Any:
    if name == "OfflineEngine":
        from muzaic_studio.engine.backend import OfflineEngine

        return OfflineEngine
    if name == "start_server":
        from muzaic_studio.engine.server import start_server

        return start_server
    if name == "ENGINE_VERSION":
        from muzaic_studio.engine.core import ENGINE_VERSION

        return ENGINE_VERSION
    raise AttributeError(name)

"""From MP3 bytes to what the user sees and hears: decode, peaks, loudness, export. No Qt.

The rendered MP3 file is the source of truth: playback streams it (pcm_feed), and the
waveform, the loudness report and exports are made from it as ffmpeg streams, so a
20-minute soundtrack never sits in memory as PCM. Every long call takes ``progress``
(fractions, called on the caller's thread) and ``cancel`` (threading.Event) and is meant
for a worker thread. Errors: `AudioError` family (DecodeError, Cancelled, ...) and
`muzaic_studio.atomic.WriteError` for export destinations.

Modules: ffmpeg (the binary, MP3 encoder, job runner), decode (probe, streaming and
whole decode), peaks (waveform pyramid + cache), loudness (LUFS / true peak report),
export (MP3/WAV/FLAC, whole or range, atomic), pcm_feed (playback blocks through the mix
hook). The ``decode`` function is not
re-exported here on purpose: it would shadow the ``decode`` submodule on this package
(``from muzaic_studio.audio import decode`` must keep meaning the module).

Names are resolved on first use (PEP 562): importing `muzaic_studio.audio.errors` from the
GUI must not pull numpy into start-up, which is benchmarked.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "AudioInfo": "decode",
    "Decoded": "decode",
    "PcmStream": "decode",
    "iter_pcm": "decode",
    "probe": "decode",
    "AudioError": "errors",
    "Cancelled": "errors",
    "DecodeError": "errors",
    "ExportError": "export",
    "ExportOptions": "export",
    "ExportResult": "export",
    "export_audio": "export",
    "LoudnessReport": "loudness",
    "measure_loudness": "loudness",
    "PeakCacheError": "peaks",
    "PeakPyramid": "peaks",
    "PeakSlice": "peaks",
    "build_pyramid": "peaks",
    "load_or_build_pyramid": "peaks",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

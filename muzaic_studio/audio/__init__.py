"""From MP3 bytes to what the user sees and hears: decode, peaks, loudness, export. No Qt.

The rendered MP3 file is the source of truth: playback plays it (QMediaPlayer), and the
waveform, the loudness report and exports are made from it as ffmpeg streams, so a
20-minute soundtrack never sits in memory as PCM. Every long call takes ``progress``
(fractions, called on the caller's thread) and ``cancel`` (threading.Event) and is meant
for a worker thread. Errors: `AudioError` family (DecodeError, Cancelled, ...) and
`muzaic_studio.atomic.WriteError` for export destinations.

Modules: ffmpeg (the binary, MP3 encoder, job runner), decode (probe, streaming and
whole decode), peaks (waveform pyramid + cache), loudness (LUFS / true peak report),
export (MP3/WAV/FLAC, whole or range, atomic). The ``decode`` function is not
re-exported here on purpose: it would shadow the ``decode`` submodule on this package
(``from muzaic_studio.audio import decode`` must keep meaning the module).
"""

from muzaic_studio.audio.decode import AudioInfo, Decoded, PcmStream, iter_pcm, probe
from muzaic_studio.audio.errors import AudioError, Cancelled, DecodeError
from muzaic_studio.audio.export import ExportError, ExportOptions, ExportResult, export_audio
from muzaic_studio.audio.loudness import LoudnessReport, measure_loudness
from muzaic_studio.audio.peaks import (
    PeakCacheError,
    PeakPyramid,
    PeakSlice,
    build_pyramid,
    load_or_build_pyramid,
)

__all__ = [
    "AudioError",
    "AudioInfo",
    "Cancelled",
    "DecodeError",
    "Decoded",
    "ExportError",
    "ExportOptions",
    "ExportResult",
    "LoudnessReport",
    "PcmStream",
    "PeakCacheError",
    "PeakPyramid",
    "PeakSlice",
    "build_pyramid",
    "export_audio",
    "iter_pcm",
    "load_or_build_pyramid",
    "measure_loudness",
    "probe",
]

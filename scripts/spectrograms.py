"""Render three 30 s pieces with the offline engine and write their spectrograms to docs/.

    PYTHONPATH=. python scripts/spectrograms.py [OUTDIR]

Ambient, rock and jazz at the default params (5 everywhere). Each PNG is a log-frequency
(40 Hz .. 16 kHz) spectrogram in dB, time left to right, drawn with numpy and written by a
tiny zlib PNG encoder, so the script needs nothing beyond the engine's own dependencies.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import numpy as np

from muzaic_studio.engine.arrangement import generate
from muzaic_studio.engine.core import gen_spec
from muzaic_studio.engine.tags import TAGS_BY_ID
from muzaic_studio.engine.theory import SR

PIECES = {"ambient": "Ambient", "rock": "Rock", "jazz": "Jazz"}
WIDTH, HEIGHT = 900, 300


def render(genre: str, seconds: float = 30.0) -> np.ndarray:
    tag = next(i for i, t in TAGS_BY_ID.items() if t["name"] == genre)
    params = dict.fromkeys(("intensity", "tempo", "tone", "variance", "rhythm"), 5)
    spec = gen_spec({"duration": seconds, "tags": [tag], "params": params, "method": "strict"})
    audio, _ = generate(spec)
    return audio.astype(np.float32).mean(axis=1) / 32767.0


def spectrogram(x: np.ndarray) -> np.ndarray:
    """(HEIGHT, WIDTH) dB image: 4096-point Hann frames, log-spaced frequency rows."""
    nfft = 4096
    hops = np.linspace(0, len(x) - nfft, WIDTH).astype(int)
    win = np.hanning(nfft).astype(np.float32)
    frames = np.stack([x[h : h + nfft] * win for h in hops])
    mag = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(nfft, 1.0 / SR)
    rows = np.geomspace(40.0, 16000.0, HEIGHT)
    img = np.stack([np.interp(rows, freqs, m) for m in mag], axis=1)
    db = 20 * np.log10(img + 1e-9)
    return np.clip((db - (db.max() - 80.0)) / 80.0, 0.0, 1.0)[::-1]  # low frequencies at bottom


def colour(v: np.ndarray) -> np.ndarray:
    """A dark-blue -> magenta -> yellow ramp, (h, w) 0..1 -> (h, w, 3) uint8."""
    stops = np.array([[0, 0, 10], [60, 10, 120], [190, 40, 110], [250, 150, 30], [255, 250, 190]])
    pos = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(v, pos, stops[:, c]) for c in range(3)], axis=-1).astype(np.uint8)


def write_png(path: Path, rgb: np.ndarray) -> None:
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
    path.write_bytes(png + chunk(b"IEND", b""))


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    out.mkdir(parents=True, exist_ok=True)
    for name, genre in PIECES.items():
        path = out / f"spectrogram-{name}.png"
        write_png(path, colour(spectrogram(render(genre))))
        print(path)


if __name__ == "__main__":
    main()

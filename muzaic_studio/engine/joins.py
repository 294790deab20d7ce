"""Where regions meet: a strict region's own ending, its tail, and tails ringing on.

A generate region is rendered past its boundary: its notes are released there and what
rings on (releases, the room) is its tail. The region's stored audio, hashed and copied
sample-exactly, ends with a short release into its boundary, right for silence, a gap
or the end of the soundtrack. The tail record keeps the open ending that release
replaced, so where music follows directly, the soundtrack mixes the open ending back
and lets the tail ring on into the next region: no fade-out and fade-in at the seam.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from muzaic_studio.engine import mixing
from muzaic_studio.engine.theory import SR

TAIL_S = 3.5  # what may ring on after a region's end: releases and the room
STRICT_RELEASE_S = 0.12  # a strict region's own ending when nothing follows it


def release(out: np.ndarray, tail: np.ndarray | None, duration: float) -> np.ndarray | None:
    """Give int16 region audio `out` its release into the boundary, in place; returns
    the tail record: the open ending it replaced, then `tail` (None stays None). A float
    `out` (a stem, stems.py) is released the same way, unrounded."""
    n = len(out)
    rel = min(n, round(min(STRICT_RELEASE_S, 0.25 * duration) * SR))
    if rel <= 0:
        return tail
    if tail is not None:
        tail = np.concatenate([out[n - rel :], tail])
    ramp = (0.5 + 0.5 * np.cos(np.pi * np.arange(rel) / rel)).astype(np.float32)
    end = out[n - rel :] * ramp[:, None]
    out[n - rel :] = np.rint(end) if out.dtype == np.int16 else end
    return tail


def trim_tail(x: np.ndarray, length: int | None = None, exact: bool = True) -> np.ndarray | None:
    """int16 tail up to where it has died away (under ~-70 dBFS), with a short fade;
    None if nothing rings on (a smart region's ending fades to silence). A stem's tail
    is cut at its mix's `length` and kept float (`exact` False): the stems' tails add up
    to the mix's."""
    if length is None:
        loud = np.flatnonzero(np.abs(x).max(axis=1) > 10.0)
        length = int(loud[-1]) + 1 if len(loud) else 0
    if length <= 0:
        return None
    x = x[:length].copy()
    mixing.fade(x, 0.0, min(0.05, 0.5 * len(x) / SR))
    return np.rint(x).astype(np.int16) if exact else x


def ring_on(
    out: np.ndarray,
    regions: list[dict[str, Any]],
    tails: list[np.ndarray | None],
    energies: np.ndarray | None,
    probe: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
    gains: dict[int, Any] | None = None,
) -> None:
    """Joins: a region with a tail that music follows directly (the next region starts on
    its last sample and is not silence) gets its open ending back and rings on into the
    next region, instead of releasing into its boundary; the sum is limited again. Before
    silence, a gap or the end, the region keeps its own release. `energies` (hop
    loudness, for normalising) are measured again where the mix changed.

    Stems (stems.py): `probe(lo, before, after)` sees each join's limiter on the mix, and
    a float stem `out` with `gains` (those gains by `lo`) gets that gain, not its own."""
    starts = {round(float(r["time"]) * SR): j for j, r in enumerate(regions)}
    for i, r in enumerate(regions):
        tail = tails[i]
        e = round((float(r["time"]) + float(r["duration"])) * SR)
        j = starts.get(e)
        if tail is None or j is None or regions[j]["action"] == "silence":
            continue
        if regions[j].get("continuation"):  # (extend) it already holds what followed,
            continue  # fading in from mid-music: the region keeps its release into it
        n_i = max(1, round(float(r["duration"]) * SR))
        rel = min(round(min(STRICT_RELEASE_S, 0.25 * float(r["duration"])) * SR), len(tail))
        nxt = min(len(out), e + max(1, round(float(regions[j]["duration"]) * SR)))
        ring = min(len(tail) - rel, nxt - e)
        lo, hi = e - min(rel, n_i), e + ring
        span = out[lo:hi].astype(np.float32)
        span[: e - lo] = tail[rel - (e - lo) : rel]
        rest = tail[rel : rel + ring].astype(np.float32)
        if ring < len(tail) - rel:  # the next region ends first: the tail fades with it
            mixing.fade(rest, 0.0, min(0.05, ring / SR))
        span[e - lo :] += rest
        if gains is not None:
            out[lo:hi] = span * gains.get(lo, 1.0)
            continue
        limited = mixing.limit(span / np.float32(32767.0)) * np.float32(32767.0)
        if probe is not None:
            probe(lo, span, limited)
        out[lo:hi] = np.rint(limited)
        if energies is not None:  # (hops past the mix's end keep what they had)
            hop = mixing.HOP
            h0, h1 = max(0, lo // hop - 1), min(len(energies), -(-hi // hop))
            new = mixing.hop_energies(out[h0 * hop : h1 * hop], parallel=False)
            energies[h0 + 1 : h0 + len(new)] = new[1:]

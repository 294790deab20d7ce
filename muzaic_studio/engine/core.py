"""One soundtrack render, shared by the in-process backend and the HTTP server.

request body -> canonical regions -> region audio (generated, copied or silent, via the
store) -> timeline mix -> optional loudness normalisation -> MP3.

Hashes: a region's hash is a digest of its canonical spec (without `time`, so moving a
region on the timeline keeps its music) and ENGINE_VERSION. The music's "theme" (key,
progressions, motifs) is seeded by the tags and the region's take alone, so a slider move
changes what that slider means and keeps the tune, and another take is another tune; equal
specs give equal audio and equal hashes, in any process.
"""

from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from muzaic_studio.contract.errors import Cancelled, InvalidRequest
from muzaic_studio.engine import heap, joins, mixing, pages
from muzaic_studio.engine.arrangement import Composer
from muzaic_studio.engine.compat import Canonical, canonicalize
from muzaic_studio.engine.fitting import fit, loop_seconds
from muzaic_studio.engine.form import GenSpec
from muzaic_studio.engine.loudnorm import CHUNK, Probe, Sink, normalize_int16
from muzaic_studio.engine.loudnorm import pool as _pool
from muzaic_studio.engine.store import RegionStore
from muzaic_studio.engine.tags import TAGS_BY_ID, conflicts, resolve_style
from muzaic_studio.engine.theory import SR, level, make_curve
from muzaic_studio.engine.version import ENGINE_VERSION
from muzaic_studio.model.region import KEYFRAMABLE, tokens_for
from muzaic_studio.model.validation import Problem

# Part of every region hash: bump it whenever the same spec renders different audio.
# Seeds the themes (key, progressions, motifs): bump it only when they should change, so
# an engine update that changes levels or timbres keeps every region's tune.
THEME_VERSION = "1"
API_VERSION = f"muzaic-studio-offline/{ENGINE_VERSION}"


def _digest(obj: Any, n: int = 32) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _spec_key(region: dict[str, Any]) -> dict[str, Any]:
    """The part of a canonical region that determines its audio."""
    action = region.get("action")
    key: dict[str, Any] = {
        "v": ENGINE_VERSION,
        "action": action,
        "duration": round(float(region.get("duration") or 0), 4),
    }
    if action == "silence":
        return key
    key["method"] = region.get("method") or "strict"
    if action == "copy":
        key["sourceHash"] = region.get("sourceHash")
        if region.get("continuation"):  # only then: plain copies keep their hashes
            key["continuation"] = True
        return key
    key["tags"] = list(region.get("tags") or [])
    key["params"] = region.get("params") or {}
    if region.get("take"):  # only then: take 0 keeps every hash made before takes
        key["take"] = int(region["take"])
    return key


def region_hash(region: dict[str, Any]) -> str:
    return _digest(_spec_key(region))


def tail_key(h: str) -> str:
    """Where the store keeps region h's tail (joins.release)."""
    return _digest(["tail", h])


def theme_seed(tags: list[int], take: int = 0) -> int:
    """The tags' theme; another take of the same tags gets a theme of its own."""
    parts: list[Any] = ["theme", THEME_VERSION, sorted(set(tags))]
    if take:  # only then: take 0 keeps every tune made before takes
        parts.append(int(take))
    return int(_digest(parts, 16), 16)


def gen_spec(region: dict[str, Any]) -> GenSpec:
    tags = list(region.get("tags") or [])
    style = resolve_style(tags)
    params = region["params"]
    curves = {name: make_curve(params[name], style.bonus[name]) for name in KEYFRAMABLE}
    tempo = level(float(params["tempo"]), style.bonus["tempo"])
    return GenSpec(
        duration=float(region["duration"]),
        method=region.get("method") or "strict",
        tempo=tempo,
        curves=curves,
        palette=style.palette,
        seed=theme_seed(tags, int(region.get("take") or 0)),
    )


@dataclass
class Rendered:
    samples: np.ndarray  # int16 (n, 2), the whole soundtrack
    hashes: list[str]
    status: list[str]
    tokens: int
    duration: float
    soundtrack_hash: str
    tempos: list[float | None]  # per region: its BPM (a copy: its source's), None if silent


def _generate(
    spec: GenSpec, cancel: threading.Event | None = None, out: np.ndarray | None = None
) -> tuple[np.ndarray, float, np.ndarray | None]:
    """arrangement.generate(), plus the region's tail record (joins.release): the open
    ending and what rings on past the boundary; None when nothing does (smart)."""
    comp = Composer(spec, cancel)
    audio, bar = comp.render(out)
    return audio, bar, comp.tail


def soundtrack_frames(regions: list[dict[str, Any]]) -> int:
    """Samples in the soundtrack of these canonical regions: up to the last one's end."""
    return max(1, round(max(float(r["time"]) + float(r["duration"]) for r in regions) * SR))


def token_cost(canonical: dict[str, Any]) -> int:
    """1 token per started second of generated audio; copy and silence are free."""
    return sum(tokens_for(r["duration"]) for r in canonical["regions"] if r["action"] == "generate")


class Renderer:
    """Stateless apart from the store; safe to call from several threads at once."""

    #: Regions whose loudness measurement is kept (a few KB each: one float per 100 ms).
    ENERGY_CACHE = 64

    def __init__(self, store: RegionStore) -> None:
        self.store = store
        # hash -> its audio's hop energies (mixing.hop_energies): "Render changes" sends
        # the unchanged regions as copies of their hashes, whose audio is the stored audio
        # itself, so normalising the soundtrack measures only the changed region. Exact:
        # equal hashes are equal audio, measured the same way.
        self._energies: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
        self._energies_lock = threading.Lock()

    def _energy_key(self, region: dict[str, Any], h: str) -> str:
        """The hash whose audio *region*'s is, sample for sample: a plain copy of a whole
        region plays its source's audio unchanged (`fit` returns it as it is)."""
        for _ in range(50):
            if region.get("action") != "copy" or region.get("continuation"):
                return h
            src = self._resolvable(region["sourceHash"])
            n = round(float(region["duration"]) * SR)
            if src is None or round(float(src["duration"]) * SR) != n:
                return h
            h, region = region["sourceHash"], src
        return h

    def energies(self, region: dict[str, Any], h: str, audio: np.ndarray) -> np.ndarray:
        """mixing.hop_energies of *region*'s audio, measured once per hash."""
        key = self._energy_key(region, h)
        with self._energies_lock:
            known = self._energies.get(key)
            if known is not None:
                self._energies.move_to_end(key)
        if known is not None and len(known) == len(audio) // mixing.HOP:
            return known
        measured = mixing.hop_energies(audio, parallel=False)
        with self._energies_lock:
            self._energies[key] = measured
            while len(self._energies) > self.ENERGY_CACHE:
                self._energies.popitem(last=False)
        return measured

    def prepare(self, body: Any) -> Canonical:
        """Canonicalise and check everything that can fail before any token is spent."""
        canon = canonicalize(body, region_hash)
        regions = canon.body["regions"]
        known_here: set[str] = set()
        problems: list[Problem] = []
        for i, r in enumerate(regions):
            unknown = [t for t in r["tags"] if t not in TAGS_BY_ID]
            if unknown:
                problems.append(Problem(i, r["time"], "tags",
                    f"unknown tag id(s) {', '.join(map(str, unknown))} (GET /getTags lists the known ones)"))  # fmt: skip
            if r["action"] == "copy":
                src = r["sourceHash"]
                if src not in known_here and self._resolvable(src) is None:
                    problems.append(Problem(i, r["time"], "sourceHash",
                        f"no audio is known for hash {src!r} (render its region first)"))  # fmt: skip
            known_here.add(region_hash(r))
        if problems:
            raise InvalidRequest("; ".join(str(p) for p in problems))
        return canon

    def _resolvable(self, h: str) -> dict[str, Any] | None:
        rec = self.store.recipe(h)
        if rec is None or rec.get("v") != ENGINE_VERSION:
            return None
        return rec

    # ------------------------------------------------------------------ regions

    def region_audio(
        self,
        region: dict[str, Any],
        h: str | None = None,
        cancel: threading.Event | None = None,
        out: np.ndarray | None = None,
    ) -> tuple[np.ndarray, float]:
        """(int16 audio of exactly the region's duration, bar seconds); stored under its hash.

        `out` (int16 (n, 2)): where a generated region may be rendered to (its slice of the
        soundtrack); the returned audio is then `out` itself. Stored or copied audio is
        returned as it is, not written to `out`."""
        h = h or region_hash(region)
        n = max(1, round(float(region["duration"]) * SR))
        action = region["action"]
        if action == "silence":
            self.store.put_recipe(h, {**_spec_key(region), "bar": 2.0, "loop": 0.0})
            return np.zeros((n, 2), dtype=np.int16), 2.0
        if action == "copy":
            src_audio, bar = self.audio_for_hash(region["sourceHash"])
            src_rec = self._resolvable(region["sourceHash"]) or {}
            audio = fit(src_audio, n, bar, region.get("method") or "strict", src_rec.get("loop"),
                        bool(region.get("continuation")))  # fmt: skip
            self.store.put_recipe(h, {**_spec_key(region), "bar": bar,
                                      "loop": loop_seconds(float(region["duration"]), bar, "strict")})  # fmt: skip
            return audio, bar
        cached = self.store.get_audio(h)
        rec = self.store.recipe(h)
        if cached is not None and rec is not None and len(cached) == n:
            return cached, float(rec["bar"])
        audio, bar, tail = _generate(gen_spec(region), cancel, out)
        loop = loop_seconds(float(region["duration"]), bar, region.get("method") or "strict")
        self.store.put_recipe(h, {**_spec_key(region), "bar": bar, "loop": loop, "region": region})
        if tail is not None:  # kept like its region: a long one's goes straight to disk
            self.store.put_audio(tail_key(h), tail, borrowed=out is not None)
        self.store.put_audio(h, audio, borrowed=out is not None)
        return audio, bar

    def tail_for_hash(self, h: str, depth: int = 0) -> np.ndarray | None:
        """The tail of region h's audio (joins.release), if it has one:
        a generate region's own, or its source's for a copy that plays the source whole."""
        rec = self._resolvable(h)
        if rec is None or depth > 50:
            return None
        if rec["action"] == "copy":
            src = self._resolvable(rec["sourceHash"])
            same = src is not None and round(float(src["duration"]) * SR) == round(
                float(rec["duration"]) * SR
            )
            if not same or rec.get("continuation"):
                return None
            return self.tail_for_hash(rec["sourceHash"], depth + 1)
        if rec["action"] != "generate":
            return None
        return self.store.get_audio(tail_key(h))

    def audio_for_hash(self, h: str, depth: int = 0) -> tuple[np.ndarray, float]:
        """Audio of any stored hash; regenerated from its recipe if the audio was evicted."""
        rec = self._resolvable(h)
        if rec is None or depth > 50:
            raise InvalidRequest(f"sourceHash: no audio is known for hash {h!r}")
        action = rec["action"]
        n = max(1, round(float(rec["duration"]) * SR))
        if action == "silence":
            return np.zeros((n, 2), dtype=np.int16), float(rec["bar"])
        if action == "copy":
            src, bar = self.audio_for_hash(rec["sourceHash"], depth + 1)
            src_rec = self._resolvable(rec["sourceHash"]) or {}
            method = rec.get("method") or "strict"
            cont = bool(rec.get("continuation"))
            return fit(src, n, bar, method, src_rec.get("loop"), cont), bar
        audio = self.store.get_audio(h)
        if audio is None:
            audio, _, tail = _generate(gen_spec(rec["region"]))
            self.store.put_audio(h, audio)
            if tail is not None:
                self.store.put_audio(tail_key(h), tail)
        return audio, float(rec["bar"])

    # ------------------------------------------------------------------ soundtrack

    def render(
        self,
        canon: Canonical,
        cancel: threading.Event | None = None,
        probe: Probe | None = None,
        sink: Sink | None = None,
    ) -> Rendered:
        """The soundtrack; `probe`: see normalize_int16. `sink` (e.g. an MP3 encoder's
        write) is given the finished soundtrack in order, piece by piece, as soon as each
        piece is final: while the last loudness pass still works on the pieces after it."""
        regions = canon.body["regions"]
        total_n = soundtrack_frames(regions)
        if 4 * total_n > self.store.borrow_bytes():
            heap.long_lived()  # minutes of segment buffers: each one back to the system
            # ... and the mix in a file mapping: finished stretches leave the process
            out = pages.zeros((total_n, 2), np.int16, self.store.root)
        else:
            out = np.zeros((total_n, 2), dtype=np.int16)
        hashes = [region_hash(r) for r in regions]
        status: list[str] = []
        done: dict[int, str] = {}
        bars: dict[int, float] = {}
        normalize = bool(canon.body.get("normalize"))
        hop = mixing.HOP
        energies = np.zeros(total_n // hop + 1)

        def make(i: int) -> tuple[np.ndarray, np.ndarray | None]:
            r = regions[i]
            start, n = round(float(r["time"]) * SR), max(1, round(float(r["duration"]) * SR))
            # a long generated region is rendered straight into its slice of the soundtrack
            # (regions never overlap): a 20-minute mix then holds no region arrays besides
            # itself; short ones keep their own array, cached in memory by the store
            dest = None
            big = 4 * n > self.store.borrow_bytes()
            if r["action"] == "generate" and big and start + n <= total_n:
                dest = out[start : start + n]
            audio, bar = self.region_audio(r, hashes[i], cancel, dest)
            if r["action"] != "silence":
                bars[i] = bar
            if big:  # its 30 s segments' buffers stay in this thread's malloc arena
                mixing.release_memory()
            # measured here, in the region's own thread, so normalising the mix needs
            # no loudness pass of its own
            return audio, (self.energies(r, hashes[i], audio) if normalize else None)

        def place(i: int, made: tuple[np.ndarray, np.ndarray | None]) -> None:
            audio, energy = made
            r = regions[i]
            start = round(float(r["time"]) * SR)
            k = min(len(audio), total_n - start)
            dest = out[start : start + k]
            if not np.may_share_memory(audio, dest):  # else it was rendered in place
                dest[:] = audio[:k]
            if energy is not None:
                h0 = round(start / hop)
                m = min(len(energy), len(energies) - h0)
                energies[h0 : h0 + m] += energy[:m]
            done[i] = {"generate": "generated", "copy": "copied", "silence": "silence"}[r["action"]]

        def check() -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Render cancelled.")

        # generate regions run in parallel (numpy and FluidSynth release the GIL), and so
        # do copies of audio stored before this request ("Render changes": the reused
        # regions are read and measured on the other core while the changed one renders);
        # copies of this request's own regions come last
        ready = [i for i, r in enumerate(regions) if r["action"] == "generate"
                 or (r["action"] == "copy" and self._resolvable(r["sourceHash"]) is not None)]  # fmt: skip
        check()
        if len(ready) > 1:
            # the longest generated regions first (a changed region does not wait behind
            # reused ones, two cores end together); placed in timeline order all the same
            costly = sorted(ready, key=lambda i: (regions[i]["action"] != "generate",
                                                  -float(regions[i]["duration"]), i))  # fmt: skip
            started = {i: _pool().submit(make, i) for i in costly}
            futures = {i: started[i] for i in ready}
            try:
                for i, fut in futures.items():
                    while True:
                        check()
                        try:
                            place(i, fut.result(timeout=0.05))
                            break
                        except concurrent.futures.TimeoutError:
                            continue
            finally:
                for fut in futures.values():
                    fut.cancel()
        for i, r in enumerate(regions):
            if i in done or (r["action"] == "copy"):
                continue
            check()
            place(i, make(i))
        for i, r in enumerate(regions):
            if r["action"] == "copy" and i not in done:
                check()
                place(i, make(i))
        check()
        tails = [self.tail_for_hash(h) for h in hashes]
        # a probe that also wants the joins' limiter gain (stems.SoundtrackGain) has `join`
        joins.ring_on(out, regions, tails, energies if normalize else None,
                      getattr(probe, "join", None))  # fmt: skip
        for i, r in enumerate(regions):
            words = [done[i], *canon.notes.get(i, [])]
            names = [
                f"{TAGS_BY_ID[a]['name']}/{TAGS_BY_ID[b]['name']}" for a, b in conflicts(r["tags"])
            ]
            if names:
                words.append("conflicting tags " + ", ".join(names))
            status.append("; ".join(words))
        if cancel is not None and cancel.is_set():
            raise Cancelled("Render cancelled.")
        if normalize:
            loud = mixing.gated_loudness(energies[: total_n // hop])
            out = normalize_int16(out, loud, probe, sink)
            if out.nbytes > self.store.borrow_bytes():
                mixing.release_memory()
        elif sink is not None:
            for s in range(0, total_n, CHUNK):
                sink(out[s : s + CHUNK])
                pages.release(out[s : s + CHUNK])
        sth = _digest(["soundtrack", ENGINE_VERSION, bool(canon.body.get("normalize")),
                       [(round(float(r["time"]), 4), h) for r, h in zip(regions, hashes, strict=True)]])  # fmt: skip
        tempos = [round(240.0 / bars[i], 2) if i in bars else None for i in range(len(regions))]
        return Rendered(out, hashes, status, token_cost(canon.body), total_n / SR, sth, tempos)

"""The one render use case, for the CLI and the GUI alike: no Qt, no printing.

    job = prepare(project, only_changes=..., origin=..., catalogue=...)  # or prepare_for(backend)
    outcome = execute(job, backend, history, ...)  # backend, keep the answer, audio, peaks
    record(project.apply_render, project.library, history, job, outcome, ...)  # apply

`prepare` is the pre-render check (prerender.py) plus validation, once, where the project
lives: tag names resolved against the rendering backend's /getTags (`CatalogueNeeded` when
it was not given), copies of another backend's hashes refused (`Blocked`, with the "render
its source here first" offers), and copies of a region whose source has no hash on this
backend turned into a first request that renders only those sources (`job.first`, its cost
in `job.note`); after it is recorded, `prepare` again gives the soundtrack request.
`prepare_for(project, backend)` is the blocking form (reads /getTags itself), for the CLI.
Every job knows its hash origin (`job.origin`): `record` and `keep_paid_hashes` stamp it on
the hashes they apply, since a hash is only worth copying on the backend that made it.

`execute` runs on the CLI's render thread or in the GUI's worker; `prepare` and `record`
run where the project is edited (the GUI thread). A paid answer is kept before anything
that can fail: its hashes and numbers go to the render history (``.answer.json``) first,
then its audio; every later failure (audio unreadable, shorter than the soundtrack) is a
`MuzaicError` whose ``partial`` carries the paid hashes, so the caller stores them with
`keep_paid_hashes` and a changes-only render gets the music back as free copies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from muzaic_studio.contract.backend import Backend
from muzaic_studio.contract.errors import BadResponse, Cancelled, InvalidRequest, MuzaicError
from muzaic_studio.contract.result import RenderResult
from muzaic_studio.model import Problem, Project, Region, RenderPlan, validate_request
from muzaic_studio.model.hash_origin import OFFLINE, backend_origin
from muzaic_studio.model.library import HashLibrary
from muzaic_studio.model.validation import ValidBody
from muzaic_studio.render.history import RenderHistory, RenderRecord
from muzaic_studio.render.prerender import Blocker, PreRender, link_copy_to_source, prepare_render

log = logging.getLogger(__name__)

#: Decoded audio may differ this much from the requested length (encoder padding, frames).
LENGTH_TOLERANCE = 0.5
THUMBNAIL_POINTS = 64

Progress = Callable[[float, str], None]
ApplyRender = Callable[..., None]  # Project.apply_render or ProjectDocument.apply_render


class UnsendableRequest(InvalidRequest):
    """The project's request breaks the contract: nothing was sent. `problems` name the
    regions (indices into `plan.regions`)."""

    def __init__(self, problems: list[Problem], plan: RenderPlan) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")
        self.problems = problems
        self.plan = plan


class Blocked(InvalidRequest):
    """The rendering backend lacks a tag name or a copy source the request uses: nothing
    was sent. `offers()`: (copy uid, source uid) of the "render its source here first" fixes
    (`link_copy_to_source`), [] when they would not be enough."""

    def __init__(self, pre: PreRender) -> None:
        super().__init__(pre.text())
        self.blockers: list[Blocker] = list(pre.blockers)
        self._pre = pre

    def offers(self) -> list[tuple[int, int]]:
        return self._pre.offers()


class CatalogueNeeded(Exception):
    """Regions name their tags and no /getTags of the rendering backend was given: read it
    (off the GUI thread), then prepare again."""


@dataclass(frozen=True)
class RenderJob:
    """One render, frozen when it starts: the user may edit regions while it runs."""

    plan: RenderPlan
    body: ValidBody  # plan.body, marked as validated (not a copy: the plan built it fresh)
    sent: list[Region]  # copies of the regions as sent, in request order
    only_changes: bool
    length: float  # the soundtrack's requested length: max(time + duration)
    #: Unchanged regions generated again because they have no hash of their own (the last
    #: answer had only a soundtrack hash): "Render changes" renders them in full.
    unhashed: int = 0
    #: Who will make the hashes ("offline" or the cloud's address; "" unknown), stamped on
    #: them when they are applied (model/hash_origin.py).
    origin: str = ""
    #: This request renders copy sources only (laid end to end from 0 s); the soundtrack
    #: request follows once its hashes are recorded (`prepare` again).
    first: bool = False
    note: str = ""  # for the confirmation: what the two requests cost
    rest_tokens: int = 0  # first: the estimate of the soundtrack request that follows


@dataclass
class RenderOutcome:
    """A completed render, as `execute` hands it back."""

    hashes: list[str]
    audio_path: Path
    audio_duration: float  # measured from the decoded audio
    tokens_used: int
    pyramid: Any
    thumbnails: dict[str, list[float]] = field(default_factory=dict)
    render_seconds: float = 0.0
    soundtrack_hash: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def audio_format(self) -> str:
        return self.audio_path.suffix.lstrip(".")


def requested_length(body: dict[str, Any]) -> float:
    return max((float(r["time"]) + float(r["duration"]) for r in body["regions"]), default=0.0)


def check(
    project: Project,
    *,
    only_changes: bool,
    origin: str = "",
    catalogue: Any = None,
    known_origins: dict[str, str] | None = None,
    resolve_tags: bool = True,
    known: Callable[[str], bool] | None = None,
) -> PreRender:
    """`prepare`'s checks, without building the job: what to send, or why not, raised as
    `CatalogueNeeded`, `Blocked` or `UnsendableRequest`. The editor runs it again after
    each edit while a refusal is shown (it drops the refusal's banner once this passes)."""
    if known is None and origin == OFFLINE and resolve_tags:  # the app's engine (child)
        from muzaic_studio.engine.version import offline_knower

        known = offline_knower()
    pre = prepare_render(
        project,
        only_changes=only_changes,
        origin=origin,
        catalogue=catalogue,
        known_origins=known_origins,
        resolve_tags=resolve_tags,
        known=known,
    )
    if pre.needs_catalogue:
        raise CatalogueNeeded()
    if pre.blockers or pre.plan is None:
        raise Blocked(pre)
    problems = validate_request(pre.plan.body)
    if problems:
        raise UnsendableRequest(problems, pre.plan)
    return pre


def prepare(
    project: Project,
    *,
    only_changes: bool,
    origin: str = "",
    catalogue: Any = None,
    known_origins: dict[str, str] | None = None,
    resolve_tags: bool = True,
    known: Callable[[str], bool] | None = None,
) -> RenderJob:
    """The request for the backend *origin* (hash_origin.backend_origin), checked and
    validated once. *catalogue*: that backend's GET /getTags body. resolve_tags=False keeps
    the tag ids as saved (`validate`, which talks to no backend).

    Raises `CatalogueNeeded`, `Blocked` (what the backend lacks) or `UnsendableRequest`
    (`check`). The offline engine's hashes are checked against its store: one it no longer
    holds (a cleared cache, a project from another machine, a new engine version) is
    rendered again, free, instead of sent as a copy the engine would refuse.
    """
    pre = check(
        project,
        only_changes=only_changes,
        origin=origin,
        catalogue=catalogue,
        known_origins=known_origins,
        resolve_tags=resolve_tags,
        known=known,
    )
    plan = pre.plan
    assert plan is not None
    unhashed = (
        sum(
            1
            for r in plan.regions
            if r.action == "generate" and not r.changed_since_render and not r.last_hash
        )
        if only_changes and not pre.first
        else 0
    )
    sent = [r.clone() for r in plan.regions]
    for region, spec in zip(sent, plan.body["regions"], strict=True):
        region.time = float(spec["time"])  # where its audio is (copy sources: from 0 s on)
    return RenderJob(
        plan=plan,
        body=ValidBody(plan.body),
        sent=sent,
        only_changes=only_changes,
        length=requested_length(plan.body),
        unhashed=unhashed,
        origin=origin,
        first=pre.first,
        note=pre.note,
        rest_tokens=pre.rest_tokens,
    )


def prepare_for(
    project: Project, backend: Any, *, only_changes: bool, link_sources: bool = False
) -> RenderJob:
    """`prepare` for *backend*, blocking: reads its /getTags when tag names need it (the
    CLI; the GUI reads it off its thread). link_sources accepts the "render its source
    here first" offers: those copies then name their source region (the project changes)."""
    origin = backend_origin(backend)
    known = getattr(backend, "knows_hash", None)  # an in-process engine with its own store
    try:
        return prepare(project, only_changes=only_changes, origin=origin, known=known)
    except CatalogueNeeded:
        catalogue = backend.tags()
    try:
        return prepare(
            project, only_changes=only_changes, origin=origin, catalogue=catalogue, known=known
        )
    except Blocked as exc:
        offers = exc.offers()
        if not (link_sources and offers):
            raise
        for copy_uid, source_uid in offers:
            link_copy_to_source(project.regions, copy_uid, source_uid)
    return prepare(
        project, only_changes=only_changes, origin=origin, catalogue=catalogue, known=known
    )


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def answer_record(result: RenderResult, job: RenderJob, backend: str) -> dict[str, Any]:
    """What is kept of an answer before its audio is touched (numbers only when finite)."""
    return {
        "receivedAt": time.time(),
        "backend": backend,
        "regionHashes": [str(h) for h in result.region_hashes],
        "soundtrackHash": result.soundtrack_hash,
        "tokensUsed": result.tokens_used if _finite(result.tokens_used) is not None else None,
        "audioDuration": _finite(result.audio_duration),
        "status": [str(s) for s in result.status],
        "apiVersion": result.api_version,
        "audioFormat": result.audio_format,
        "requestedLength": job.length,
        "request": job.body,
    }


def _paid(error: MuzaicError, partial: RenderResult) -> MuzaicError:
    error.partial = partial
    return error


def execute(
    job: RenderJob,
    backend: Backend,
    history: RenderHistory,
    *,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
    backend_name: str = "",
    peaks: Any = None,
) -> RenderOutcome:
    """Backend call, answer kept, audio written, decoded, checked and turned into peaks.

    *peaks*: an object with ``send(pyramid)`` (called on this thread with waveform
    snapshots while decoding) and ``focus`` (the seconds in view, decoded first)."""
    from muzaic_studio.audio.errors import AudioError
    from muzaic_studio.audio.errors import Cancelled as AudioCancelled
    from muzaic_studio.audio.peaks import build_pyramid, source_fingerprint

    cancel = cancel or threading.Event()
    report = progress or (lambda _f, _t: None)
    name = backend_name or str(getattr(backend, "name", type(backend).__name__))
    audio_path = history.new_audio_path()
    started = time.monotonic()
    report(0.0, "render")
    try:
        result = backend.render(job.body, cancel)
    except MuzaicError as exc:
        if exc.partial is not None:  # paid, audio lost: the hashes are what is left
            with contextlib.suppress(OSError):  # a full disk must not lose them from exc
                history.keep_answer(audio_path, answer_record(exc.partial, job, name))
        raise
    render_seconds = time.monotonic() - started
    # From here on the answer is paid for: every failure carries its hashes.
    paid = dataclasses.replace(result, mp3=b"", pyramid=None)
    made = result.pyramid  # the offline engine's, of the samples it encoded
    try:  # a full cache folder: both go to the history's spill folder (history.py)
        audio_path = history.keep_answer(audio_path, answer_record(result, job, name))
    except OSError as exc:  # was: a full cache disk lost the whole paid answer
        raise _paid(
            BadResponse(f"The render's answer could not be saved: {exc.strerror or exc}"), paid
        ) from None
    audio_path = audio_path.with_suffix("." + (result.audio_format or "mp3"))
    try:
        audio_path = history.keep_audio(audio_path, result.mp3)
    except OSError as exc:
        raise _paid(
            BadResponse(f"The render's audio could not be saved: {exc.strerror or exc}"), paid
        ) from None
    del result  # the file holds the audio now; its megabytes need not stay in memory
    hashes = [str(h) for h in paid.region_hashes]
    if hashes and len(hashes) != len(job.sent):
        raise BadResponse(
            f"The server returned {len(hashes)} region hashes for {len(job.sent)} regions; "
            "the render cannot be matched to the timeline."
        )
    if cancel.is_set():
        raise _paid(Cancelled("Render cancelled."), paid)
    report(0.0, "decode")
    try:
        if made is not None:  # nothing to decode: the waveform came with the audio
            made.source_key = source_fingerprint(audio_path)
            if peaks is not None:
                peaks.send(made)
        pyramid = (
            made
            if made is not None
            else build_pyramid(
                audio_path,
                progress=lambda f: report(f, "decode"),
                cancel=cancel,
                source_key=source_fingerprint(audio_path),  # what the history's cache check reads
                strict=False,  # the length is checked against the request instead, below
                focus=peaks.focus if peaks is not None else None,
                on_partial=peaks.send if peaks is not None else None,
            )
        )
    except AudioCancelled:
        raise _paid(Cancelled("Render cancelled."), paid) from None
    except AudioError as exc:
        raise _paid(BadResponse(f"The server's audio cannot be read: {exc}"), paid) from None
    actual = float(pyramid.duration)
    if abs(actual - job.length) > LENGTH_TOLERANCE:
        raise _paid(
            BadResponse(f"The server sent {actual:.1f} s of a {job.length:.1f} s soundtrack."),
            paid,
        )
    warnings = list(paid.warnings)  # the answer reader's: odd numbers it did not store
    # a full cache disk, said once: the history's files, else the engine's region store
    store = getattr(backend, "store", None)  # the in-process offline engine's
    full = [history.take_note(), getattr(store, "take_disk_problem", lambda: None)()]
    warnings.extend([n for n in full if n][:1])
    said = _finite(paid.audio_duration)  # None: absent (docs shape) or flagged above
    if said is not None and abs(said - actual) > LENGTH_TOLERANCE:
        warnings.append(
            f"The server gave the audio's length as {paid.audio_duration!r} s; the audio it "
            f"sent is complete ({actual:.1f} s)."
        )
        log.warning("render: %s", warnings[-1])
    with contextlib.suppress(OSError):  # a missing cache only means decoding again later
        pyramid.save(audio_path.with_name(audio_path.name + ".peaks.npz"))
    thumbnails = {
        h: region_thumbnail(pyramid, r.time, r.duration)
        for r, h in zip(job.sent, hashes, strict=False)
        if h and r.action == "generate" and r.duration > 0
    }
    return RenderOutcome(
        hashes=hashes,
        audio_path=audio_path,
        audio_duration=actual,
        tokens_used=int(paid.tokens_used),
        pyramid=pyramid,
        thumbnails=thumbnails,
        render_seconds=render_seconds,
        soundtrack_hash=paid.soundtrack_hash,
        warnings=warnings,
    )


def record(
    apply_render: ApplyRender,
    library: HashLibrary,
    history: RenderHistory,
    job: RenderJob,
    outcome: RenderOutcome,
    *,
    backend: str,
    audio_path: str | None = None,
) -> RenderRecord:
    """Apply a completed render to the project (hashes, library, thumbnails) and list it in
    the history (a soundtrack only: not the copy sources a job renders first). *audio_path*
    is what the project remembers (default: the history's file)."""
    spent = 0 if backend == "offline" else outcome.tokens_used  # counted, never charged
    apply_render(
        job.sent,
        outcome.hashes,
        tokens_used=spent,
        audio_duration=outcome.audio_duration,
        audio_path=audio_path or str(outcome.audio_path),
        reused=job.plan.reused_uids,
        soundtrack_hash=outcome.soundtrack_hash,
        tokens_estimated=job.plan.tokens,
        backend=job.origin,
        soundtrack=not job.first,
    )
    for hash_, thumb in outcome.thumbnails.items():
        entry = library.get(hash_)
        if entry is not None:
            entry.thumbnail = thumb
    entry_record = RenderRecord(
        file=history.file_name(outcome.audio_path),
        rendered_at=time.time(),
        duration=outcome.audio_duration,
        tokens=spent,
        tokens_saved=job.plan.tokens_saved if spent else 0,
        backend=backend,
        spans=[[r.time, r.duration, h] for r, h in zip(job.sent, outcome.hashes, strict=False)],
        only_changes=job.only_changes,
        estimate=job.plan.tokens,
    )
    if not job.first:  # copy sources rendered first are not a soundtrack to listen back
        history.add(entry_record)  # to; their hashes are in the project and the library
    return entry_record


def keep_paid_hashes(apply_render: ApplyRender, job: RenderJob, partial: RenderResult) -> bool:
    """Store the hashes of a paid render whose audio failed; False when there are none that
    can be matched to the regions."""
    hashes = [str(h) for h in partial.region_hashes]
    if not any(hashes) or len(hashes) != len(job.sent):
        return False
    tokens = partial.tokens_used if _finite(partial.tokens_used) is not None else 0
    apply_render(
        job.sent,
        hashes,
        tokens_used=int(tokens),
        audio_duration=_finite(partial.audio_duration) or job.length,
        audio_path=None,
        reused=job.plan.reused_uids,
        soundtrack_hash=partial.soundtrack_hash,
        tokens_estimated=job.plan.tokens,
        backend=job.origin,
        soundtrack=not job.first,
    )
    return True


def copies_charged(tokens_used: int, job: RenderJob) -> bool:
    """The server charged more than the generated seconds: it bills copies too."""
    return tokens_used > job.plan.tokens


def region_thumbnail(pyramid: Any, start: float, duration: float) -> list[float]:
    """A 0..1 peak envelope of [start, start+duration) for the hash library's sparkline."""
    import numpy as np

    peaks = pyramid.query(start, start + duration, THUMBNAIL_POINTS)
    level = np.maximum(np.abs(peaks.mins), np.abs(peaks.maxs))
    top = float(level.max()) if level.size else 0.0
    if top > 0:
        level = level / top
    return [round(float(v), 3) for v in level]

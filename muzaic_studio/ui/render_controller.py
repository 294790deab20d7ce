"""Render the open project: validate, confirm, call the backend off the GUI thread, show it.

The steps, in order, and who runs them:

1. GUI thread: build the request (`plan_render`: all regions, or only the changed ones with
   the rest sent as free copies), validate it; a problem selects the offending region and
   says what is wrong. Nothing is sent.
2. GUI thread: the summary (soundtrack length, tokens, tokens saved, balance) goes to the
   progress panel; with a `confirm` callback set (the cloud: real tokens) the user agrees
   first. The offline engine renders at once.
3. Worker thread: ``backend.render(body, cancel)``, then the audio is written into the
   project's render history and decoded into a peak pyramid (cached next to it), then one
   thumbnail per region is cut from the pyramid. Progress during the backend call is an
   estimate from the soundtrack length (the API reports none), timed by a GUI timer, so it
   moves even while the worker waits on a socket.
4. GUI thread: the document gets the waveform and the hashes, the hashes go into the
   project's and the user's hash library, the render joins the history.

The project is touched only in step 4, so a failed or cancelled render leaves it exactly as
it was. Cancel stops waiting at once (the worker's late result is dropped) and says the
server may still finish the job and charge for it. Regions edited while a render runs keep
their edit: they receive the hash of the spec that was sent, so they still show as changed.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from muzaic_studio.api.errors import (
    BadResponse,
    InsufficientTokens,
    InvalidRequest,
    MuzaicError,
    RateLimited,
    Unauthorized,
)
from muzaic_studio.atomic import atomic_write_bytes
from muzaic_studio.audio.errors import AudioError
from muzaic_studio.audio.errors import Cancelled as AudioCancelled
from muzaic_studio.model import Region, RenderPlan, plan_render, validate_request
from muzaic_studio.model.hash_origin import backend_origin
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.render_history import RenderHistory, RenderRecord
from muzaic_studio.ui.render_precheck import prepared_for_backend
from muzaic_studio.ui.workers import Task, TaskRunner

log = logging.getLogger(__name__)

CANCEL_MESSAGE = (
    "Render cancelled. The server may still finish it and charge tokens for it; "
    "the project was not changed."
)
OFFLINE_CANCEL_MESSAGE = "Render stopped. Nothing was charged; the project was not changed."
UNLIMITED = 10**8  # a balance this large (the offline engine's) reads "no token limit"
RENDER_SHARE = 0.85  # of the progress bar: the backend call; the rest is the waveform
THUMBNAIL_POINTS = 64


@dataclass
class Notice:
    """A non-blocking message for the window's banner, with the action that fixes it."""

    text: str
    kind: str = "info"  # "info", "success", "warning", "error"
    action_text: str | None = None
    action: Callable[[], None] | None = None


@dataclass
class RenderSummary:
    """What a render will send and cost, shown before and during it."""

    duration: float
    tokens: int
    tokens_saved: int
    reused: int
    regions: int
    balance: int | None
    backend: str
    only_changes: bool
    estimate: float  # seconds the render is expected to take
    note: str = ""  # e.g. that copy sources are rendered first, and what each request costs

    def text(self) -> str:
        minutes, seconds = divmod(round(self.duration), 60)
        parts = [f"{minutes}:{seconds:02d} of music", f"{self.tokens} tokens"]
        if self.tokens_saved:
            parts.append(
                f"{self.tokens_saved} saved by reusing {plural(self.reused, 'unchanged region')}"
            )
        if self.balance is not None:
            unlimited = self.balance >= UNLIMITED
            parts.append("no token limit" if unlimited else f"balance {self.balance}")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)

    @property
    def over_balance(self) -> bool:
        return self.balance is not None and self.tokens > self.balance


@dataclass
class RenderOutcome:
    """What the worker hands back to the GUI thread."""

    hashes: list[str]
    audio_path: Path
    audio_duration: float
    tokens_used: int
    pyramid: Any
    thumbnails: dict[str, list[float]] = field(default_factory=dict)
    render_seconds: float = 0.0


class SecondsPerSecond:
    """How long a backend takes per second of audio, learned from the last renders.

    Starts from the documented cloud speed (5-7 s per minute of audio, so ~0.1 s/s) and
    follows each finished render (exponential average), per backend name.
    """

    DEFAULT = 0.1
    OVERHEAD = 1.0

    def __init__(self) -> None:
        self._rate: dict[str, float] = {}

    def estimate(self, backend: str, duration: float) -> float:
        return self.OVERHEAD + self._rate.get(backend, self.DEFAULT) * max(0.0, duration)

    def learn(self, backend: str, duration: float, seconds: float) -> None:
        if duration <= 0:
            return
        rate = max(0.0, seconds - self.OVERHEAD) / duration
        old = self._rate.get(backend)
        self._rate[backend] = rate if old is None else 0.5 * old + 0.5 * rate


def region_of_server_message(message: str, count: int) -> int | None:
    """The region index a server's 400 text points at ("regions[2]" or "Region 3"), or None."""
    match = re.search(r"regions\[(\d+)\]", message) or re.search(r"[Rr]egion (\d+)", message)
    if not match:
        return None
    index = int(match.group(1)) - (0 if "[" in match.group(0) else 1)
    return index if 0 <= index < count else None


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def format_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)}:{int(seconds % 60):02d}"


class RenderController(QObject):
    """Owns the render job of one window. Everything public runs on the GUI thread."""

    started = Signal(object)  # RenderSummary
    progress = Signal(float, str)  # 0..1, text with elapsed time and estimate
    finished = Signal(bool)  # True on success (also emitted after cancel/failure: False)
    rendered = Signal(object)  # RenderOutcome, after the document was updated
    failed = Signal(object)  # the exception (typed MuzaicError, AudioError, ...)
    notice = Signal(object)  # Notice
    busyChanged = Signal(bool)
    problemAt = Signal(float)  # a region with a problem starts here: scroll it into view

    def __init__(self, parent: QObject | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.runner = runner or TaskRunner(self, max_threads=2)
        self.doc: ProjectDocument | None = None
        self.backend: Any = None
        self.balance: int | None = None
        self.history: RenderHistory | None = None
        #: Asked before spending tokens; returns True to go on. None: no question (offline).
        self.confirm: Callable[[RenderSummary], bool] | None = None
        #: Called after a render with the project's library (to merge it into the user's).
        self.on_library_changed: Callable[[], None] | None = None
        #: Opens the API key dialog (the fix offered for 401).
        self.open_key_dialog: Callable[[], None] | None = None
        #: Opens the backend preferences (the fix for a wrong API address).
        self.open_preferences: Callable[[], None] | None = None
        #: The active backend's GET /getTags body (tag names -> ids); None: fetched on render.
        self.tag_catalogue: Any = None
        self.speed = SecondsPerSecond()
        self.last_error: BaseException | None = None
        self._task: Task | None = None
        self._summary: RenderSummary | None = None
        self._succeeded = False
        self._phase = "render"
        self._phase_fraction = 0.0
        self._clock = QElapsedTimer()
        self._ticker = QTimer(self)
        self._ticker.setInterval(100)
        self._ticker.timeout.connect(self._tick)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(lambda: self.render(self._retry_only))
        self._retry_only = False
        self._last_request: bool | None = None  # only_changes of the last attempt

    # -- setup --------------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument | None) -> None:
        if self.busy:
            self.cancel(quiet=True)
        self.doc = doc
        self.history = RenderHistory.for_project(doc.project) if doc else None

    def set_backend(self, backend: Any, balance: int | None = None) -> None:
        self.backend = backend
        self.balance = balance
        self.tag_catalogue = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    @property
    def backend_name(self) -> str:
        return str(getattr(self.backend, "name", type(self.backend).__name__))

    # -- the plan -----------------------------------------------------------------------
    def plan(self, only_changes: bool) -> RenderPlan:
        assert self.doc is not None
        return plan_render(self.doc.project, only_changes=only_changes)

    def summary(self, plan: RenderPlan, only_changes: bool) -> RenderSummary:
        assert self.doc is not None
        duration = self.doc.project.duration
        return RenderSummary(
            duration=duration,
            tokens=plan.tokens,
            tokens_saved=plan.tokens_saved,
            reused=plan.reused,
            regions=len(plan.regions),
            balance=self.balance,
            backend=self.backend_name,
            only_changes=only_changes,
            estimate=self.speed.estimate(self.backend_name, duration),
        )

    # -- render -------------------------------------------------------------------------
    def render(self, only_changes: bool = False, *, confirmed: bool = False) -> bool:
        """Start a render; False (with a notice) when it did not start.

        confirmed: the user already agreed to this render's cost (the soundtrack request
        that follows a request rendering copy sources first)."""
        self._retry_timer.stop()
        if self.doc is None or self.backend is None:
            self._notify("Nothing to render: no project or no backend.", "error")
            return False
        if self.busy:
            self._notify("A render is already running; cancel it first.", "warning")
            return False
        doc = self.doc
        if (
            only_changes
            and doc.waveform is not None
            and not any(r.changed_since_render for r in doc.regions)
        ):
            self._notify("Nothing changed since the last render.", "info")
            return False
        pre = prepared_for_backend(self, only_changes)
        if pre is None or pre.plan is None:
            return pre is not None  # fetching the tag catalogue, then rendering
        if confirmed and pre.first:  # its source changed while it rendered: ask again
            self._notify("A copy source changed while it rendered; render again.", "warning")
            return False
        plan = pre.plan
        problems = validate_request(plan.body)
        if problems:
            self._show_problem(plan, problems[0], len(problems))
            return False
        summary = self.summary(plan, only_changes)
        summary.note = pre.note
        if not confirmed and self.confirm is not None and not self.confirm(summary):
            return False
        then = only_changes if pre.first else None
        origin = backend_origin(self.backend)
        self._last_request = only_changes
        # What was sent, frozen: the user may edit regions while the render runs.
        sent = copy.deepcopy(plan.regions)
        for region, spec in zip(sent, plan.body["regions"], strict=True):
            region.time = spec["time"]  # where its audio is (copy sources first: from 0 s)
        body = copy.deepcopy(plan.body)
        backend, history = self.backend, self.history
        assert history is not None
        audio_path = history.new_audio_path()

        def job(progress: Callable[[float, str], None], cancel: threading.Event) -> RenderOutcome:
            return _render_job(backend, body, sent, audio_path, progress, cancel)

        self._summary = summary
        self._phase, self._phase_fraction = "render", 0.0
        self.last_error = None
        self._task = self.runner.run(
            job,
            on_result=lambda out: self._on_result(doc, plan, sent, summary, out, then, origin),
            on_error=lambda exc: self._on_error(doc, plan, exc),
            on_progress=self._on_progress,
            on_finished=self._on_finished,
        )
        self._clock.start()
        self._ticker.start()
        self.busyChanged.emit(True)
        self.started.emit(summary)
        self._tick()
        return True

    def cancel(self, *, quiet: bool = False) -> None:
        """Stop waiting now; the worker's late answer is dropped, the project untouched."""
        if self._task is None:
            return
        self.runner.cancel(self._task)
        if not quiet:
            offline = getattr(self.backend, "name", None) == "offline"
            self._notify(OFFLINE_CANCEL_MESSAGE if offline else CANCEL_MESSAGE, "warning")

    def shutdown(self) -> None:
        self.cancel(quiet=True)
        self.runner.shutdown()

    # -- progress -----------------------------------------------------------------------
    def _on_progress(self, fraction: float, text: str) -> None:
        self._phase = text or self._phase
        self._phase_fraction = fraction
        self._tick()

    def progress_state(self) -> tuple[float, str]:
        """(fraction 0..1, text) now: elapsed time against the estimate from the length."""
        summary = self._summary
        elapsed = self._clock.elapsed() / 1000.0 if self._clock.isValid() else 0.0
        if summary is None:
            return 0.0, ""
        if self._phase == "decode":
            fraction = RENDER_SHARE + (1 - RENDER_SHARE) * self._phase_fraction
            text = f"Drawing the waveform... {elapsed:.1f} s"
        else:
            estimate = max(summary.estimate, 0.1)
            # Approaches the render share without reaching it while the server works.
            fraction = RENDER_SHARE * min(0.97, elapsed / estimate)
            if elapsed <= estimate:
                text = f"Rendering on {summary.backend}... {format_seconds(elapsed)} of about {format_seconds(estimate)}"
            else:
                text = f"Rendering on {summary.backend}... {format_seconds(elapsed)} (taking longer than the usual {format_seconds(estimate)})"
        return fraction, text

    def _tick(self) -> None:
        if self._task is None:
            return
        fraction, text = self.progress_state()
        self.progress.emit(fraction, text)

    def _on_finished(self) -> None:
        ok = self._succeeded
        self._task = None
        self._summary = None
        self._succeeded = False
        self._ticker.stop()
        self.busyChanged.emit(False)
        self.finished.emit(ok)

    # -- outcome ------------------------------------------------------------------------
    def _on_result(
        self,
        doc: ProjectDocument,
        plan: RenderPlan,
        sent: list[Region],
        summary: RenderSummary,
        out: RenderOutcome,
        then: bool | None = None,
        origin: str = "",
    ) -> None:
        """*then*: this rendered copy sources; the soundtrack follows (only_changes=then).
        *origin*: the backend that made the hashes (model/hash_origin.py)."""
        if doc is not self.doc or self.history is None:
            return  # the project was closed meanwhile; its render is of no use here
        self.speed.learn(summary.backend, summary.duration, out.render_seconds)
        if then is None:
            doc.set_waveform(out.pyramid, out.audio_path)
        doc.apply_render(
            sent,
            out.hashes,
            tokens_used=out.tokens_used,
            audio_duration=out.audio_duration,
            audio_path=str(out.audio_path),
            reused=plan.reused_uids,
            backend=origin,
        )
        library = doc.project.library
        for hash_, thumb in out.thumbnails.items():
            entry = library.get(hash_)
            if entry is not None:
                entry.thumbnail = thumb
        record = RenderRecord(
            file=out.audio_path.name,
            rendered_at=time.time(),
            duration=out.audio_duration,
            tokens=out.tokens_used,
            tokens_saved=plan.tokens_saved,
            backend=summary.backend,
            spans=[[r.time, r.duration, h] for r, h in zip(sent, out.hashes, strict=True)],
            only_changes=summary.only_changes,
        )
        self.history.add(record)
        if self.balance is not None:
            self.balance = max(0, self.balance - out.tokens_used)
        if self.on_library_changed:
            self.on_library_changed()
        self._succeeded = True
        if then is not None:
            self._notify(f"Rendered the copy sources ({out.tokens_used} tokens); now the "
                         "soundtrack.", "info")  # fmt: skip
            QTimer.singleShot(0, lambda: self.render(then, confirmed=True))
            return
        saved = (
            f", {plan.tokens_saved} saved by reusing {plural(plan.reused, 'unchanged region')}"
            if plan.tokens_saved
            else ""
        )
        self._notify(
            f"Rendered {format_seconds(out.audio_duration)} in {out.render_seconds:.1f} s: "
            f"{out.tokens_used} tokens used{saved}.",
            "success",
        )
        self.rendered.emit(out)

    def _on_error(self, doc: ProjectDocument, plan: RenderPlan, exc: BaseException) -> None:
        self.last_error = exc
        self.failed.emit(exc)
        if doc is not self.doc:
            return
        self._notify_error(plan, exc)

    def _notify_error(self, plan: RenderPlan, exc: BaseException) -> None:
        retry = self._retry_action()
        if isinstance(exc, Unauthorized):
            self._notify(exc.message, "error", "Set API key...", self.open_key_dialog)
        elif isinstance(exc, InsufficientTokens):
            needed = exc.needed if exc.needed is not None else plan.tokens
            if exc.balance is not None:
                text = f"Not enough tokens: {needed} needed, {exc.balance} left."
                self.balance = exc.balance
            else:
                text = f"Not enough tokens: {needed} needed. {exc.message}"
            if plan.tokens_saved == 0 and self.doc and any(r.last_hash for r in self.doc.regions):
                self._notify(text, "error", "Render changes only", lambda: self.render(True))
            else:
                self._notify(text, "error", "Retry", retry)
        elif isinstance(exc, RateLimited):
            wait = exc.retry_after
            if wait:
                self._notify(exc.message, "warning", f"Retry in {round(wait)} s",
                             lambda: self._retry_later(wait))  # fmt: skip
            else:
                self._notify(exc.message, "warning", "Retry", retry)
        elif isinstance(exc, InvalidRequest):
            index = region_of_server_message(exc.message, len(plan.regions))
            if index is not None and self.doc is not None:
                self.doc.select([plan.regions[index].uid])
                self.problemAt.emit(plan.regions[index].time)
            self._notify(f"The server refused the request: {exc.message}", "error")
        elif isinstance(exc, MuzaicError):
            # The button must do what it says: only fixes the app can perform get one.
            fix = exc.fix or "Retry"
            if fix == "Set API key...":
                self._notify(exc.message, "error", fix, self.open_key_dialog)
            elif fix.startswith("Use an https"):
                self._notify(exc.message, "error", "Preferences...", self.open_preferences)
            elif fix == "Retry":
                self._notify(exc.message, "error", fix, retry)
            else:
                self._notify(f"{exc.message} ({fix})", "error")
        elif isinstance(exc, AudioError):
            self._notify(
                f"The render arrived but its audio could not be read: {exc}",
                "error",
                "Retry",
                retry,
            )
        else:
            log.error("render failed: %s", getattr(exc, "__traceback_text__", exc))
            self._notify(f"Render failed: {type(exc).__name__}: {exc}", "error", "Retry", retry)

    def _retry_action(self) -> Callable[[], None]:
        only = bool(self._last_request)
        return lambda: self.render(only)

    def _retry_later(self, seconds: float) -> None:
        self._retry_only = bool(self._last_request)
        self._retry_timer.start(round(seconds * 1000))
        self._notify(f"Will render again in {round(seconds)} s.", "info")

    def _show_problem(self, plan: RenderPlan, problem: Any, count: int) -> None:
        assert self.doc is not None
        more = f" ({count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
        if problem.index is not None and problem.index < len(plan.regions):
            region = plan.regions[problem.index]
            self.doc.select([region.uid])
            self.doc.set_playhead(region.time)
            self.problemAt.emit(region.time)
        self._notify(f"Cannot render: {problem.user_text()}{more}", "error")

    def _notify(
        self,
        text: str,
        kind: str = "info",
        action_text: str | None = None,
        action: Callable[[], Any] | None = None,
    ) -> None:
        if action is None:
            action_text = None
        self.notice.emit(Notice(text, kind, action_text, action))


def _render_job(
    backend: Any,
    body: dict[str, Any],
    sent: list[Region],
    audio_path: Path,
    progress: Callable[[float, str], None],
    cancel: threading.Event,
) -> RenderOutcome:
    """The worker's part: backend call, audio file, peaks, thumbnails. No Qt here."""
    from muzaic_studio.api.errors import Cancelled
    from muzaic_studio.audio.peaks import build_pyramid

    started = time.monotonic()
    progress(0.0, "render")
    result = backend.render(body, cancel)
    render_seconds = time.monotonic() - started
    if cancel.is_set():
        raise Cancelled("Render cancelled.")
    if len(result.region_hashes) != len(sent):
        raise BadResponse(
            f"The server returned {len(result.region_hashes)} region hashes for "
            f"{len(sent)} regions; the render cannot be matched to the timeline."
        )
    suffix = getattr(result, "audio_format", "mp3") or "mp3"
    if suffix != audio_path.suffix.lstrip("."):
        audio_path = audio_path.with_suffix("." + suffix)
    atomic_write_bytes(audio_path, result.mp3)
    # The file is the source of truth from here on: let the megabytes of audio go before
    # the decode, so they and the decoder's buffers are never in memory together.
    hashes = [str(h) for h in result.region_hashes]
    audio_duration = float(result.audio_duration or 0.0)
    tokens_used = int(result.tokens_used)
    del result
    try:
        progress(0.0, "decode")
        pyramid = build_pyramid(
            audio_path,
            progress=lambda f: progress(f, "decode"),
            cancel=cancel,
            source_key=audio_path.name,
        )
        pyramid.save(audio_path.with_name(audio_path.name + ".peaks.npz"))
    except (AudioError, AudioCancelled, OSError):
        audio_path.unlink(missing_ok=True)
        raise
    thumbnails: dict[str, list[float]] = {}
    for region, hash_ in zip(sent, hashes, strict=True):
        if hash_ and region.action == "generate" and region.duration > 0:
            thumbnails[hash_] = region_thumbnail(pyramid, region.time, region.duration)
    return RenderOutcome(
        hashes=hashes,
        audio_path=audio_path,
        audio_duration=audio_duration or float(pyramid.duration),
        tokens_used=tokens_used,
        pyramid=pyramid,
        thumbnails=thumbnails,
        render_seconds=render_seconds,
    )


def region_thumbnail(pyramid: Any, start: float, duration: float) -> list[float]:
    """A 0..1 peak envelope of [start, start+duration) for the hash library's sparkline."""
    import numpy as np

    peaks = pyramid.query(start, start + duration, THUMBNAIL_POINTS)
    level = np.maximum(np.abs(peaks.mins), np.abs(peaks.maxs))
    top = float(level.max()) if level.size else 0.0
    if top > 0:
        level = level / top
    return [round(float(v), 3) for v in level]

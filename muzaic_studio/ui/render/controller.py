"""The GUI's hand-off for a render: the Qt side of `muzaic_studio.render`.

The render itself is the use case the CLI runs too (`muzaic_studio.render.job`):
`prepare` (plan, validate once) runs here on the GUI thread, `execute` (backend, keep the
answer, audio, peaks) in the window's worker, `record` back on the GUI thread. This class
adds only what a window needs: the confirmation before spending tokens, progress timed by
a GUI timer (the API reports none, so it is an estimate from the soundtrack's length and
moves even while the worker waits on a socket), cancel, and a notice with the action that
fixes each failure.

The project is touched only on the GUI thread. A failed render leaves it as it was, except
that the hashes of a paid answer whose audio failed are stored, exactly as in the CLI, so
"Render changes" gets the music back as free copies. Cancel stops waiting at once (the
worker's late result is dropped) and says the server may still finish the job and charge
for it. Regions edited while a render runs keep their edit: they receive the hash of the
spec that was sent, so they still show as changed.

The progress estimate is the controller's `RenderClock` (clock.py); what a failure says
and which fix it offers is `failures.notify_failure`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from muzaic_studio.contract.errors import MuzaicError
from muzaic_studio.malloc_tune import release_free_memory
from muzaic_studio.model import RenderPlan, plan_render
from muzaic_studio.model.hash_origin import backend_origin
from muzaic_studio.render import (
    Blocked,
    CatalogueNeeded,
    RenderHistory,
    RenderJob,
    RenderOutcome,
    UnsendableRequest,
    execute,
    keep_paid_hashes,
    prepare,
    record,
)
from muzaic_studio.render.summary import (
    UNLIMITED,
    RenderSummary,
    SecondsPerSecond,
    charge_text,
    last_copies_charged,
)
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.render.clock import RenderClock, busy_report
from muzaic_studio.ui.render.failures import notify_failure
from muzaic_studio.ui.render.peaks_feed import PeaksFeed
from muzaic_studio.ui.render.precheck import fetch_catalogue_then_render, show_refusal
from muzaic_studio.ui.workers import Task, TaskRunner
from muzaic_studio.wording import format_seconds, plural

__all__ = ["UNLIMITED", "Notice", "RenderController", "RenderOutcome", "RenderSummary"]

log = logging.getLogger(__name__)

CANCEL_MESSAGE = (
    "Render cancelled. The server may still finish it and charge tokens for it; "
    "the project was not changed."
)
OFFLINE_CANCEL_MESSAGE = "Render stopped. Nothing was charged; the project was not changed."
#: Cancelled while a 429's wait was counted down: the refused request cost nothing and
#: the next one was never sent, so the server has nothing to finish or charge.
BUSY_CANCEL_MESSAGE = (
    "Render cancelled while waiting for the busy server: the refused request cost nothing "
    "and was not sent again; the project was not changed."
)


def cancel_message(offline: bool, waiting: bool) -> str:
    """What a cancelled render says: offline nothing is spent; during a 429's wait no
    request is in flight; else the server may still finish (and charge) it."""
    if offline:
        return OFFLINE_CANCEL_MESSAGE
    return BUSY_CANCEL_MESSAGE if waiting else CANCEL_MESSAGE


@dataclass
class Notice:
    """A non-blocking message for the window's banner, with the action that fixes it."""

    text: str
    kind: str = "info"  # "info", "success", "warning", "error"
    action_text: str | None = None
    action: Callable[[], None] | None = None


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
        self._succeeded = False
        self.clock = RenderClock(self, self.progress.emit)
        self._retry_only = False
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(lambda: self.render(self._retry_only))
        self._last_request: bool | None = None  # only_changes of the last attempt
        self.refused_only = False  # only_changes of the last refused attempt (precheck.py)
        self._render_thread = 0  # threading.get_ident() of the render's worker

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

    def summary(self, plan: RenderPlan, only_changes: bool, unhashed: int = 0) -> RenderSummary:
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
            copies_charged=last_copies_charged(self.doc.project.last_render),
            unhashed=unhashed,
        )

    # -- render -------------------------------------------------------------------------
    def render(self, only_changes: bool = False, *, confirmed: bool = False) -> bool:
        """Start a render; False (with a notice) when it did not start.

        confirmed: the user already agreed to this render's cost (the soundtrack request
        that follows a request rendering copy sources first)."""
        self._retry_timer.stop()
        if self.doc is None or self.backend is None or self.history is None:
            self.notify("Nothing to render: no project or no backend.", "error")
            return False
        if self.busy:
            self.notify("A render is already running; cancel it first.", "warning")
            return False
        doc = self.doc
        # The last render's audio arrived (hashes kept from a paid render whose audio
        # failed leave no "audio": rendering their copies is not "nothing"). The soundtrack
        # after its copy sources (confirmed) is due, though they now look unchanged.
        heard = (
            not confirmed
            and doc.waveform is not None
            and "audio" in (doc.project.last_render or {})
        )
        if only_changes and heard and not any(r.changed_since_render for r in doc.regions):
            self.notify("Nothing changed since the last render.", "info")
            return False
        try:
            job = prepare(
                doc.project,
                only_changes=only_changes,
                origin=backend_origin(self.backend),
                catalogue=self.tag_catalogue,
            )
        except CatalogueNeeded:  # read off the GUI thread; the render starts again then
            fetch_catalogue_then_render(self, only_changes)
            return True
        except (Blocked, UnsendableRequest) as exc:
            show_refusal(self, exc, only_changes)
            return False
        if confirmed and job.first:  # its source changed while it rendered: ask again
            self.notify("A copy source changed while it rendered; render again.", "warning")
            return False
        summary = self.summary(job.plan, only_changes, job.unhashed)
        summary.note = job.note
        # copy sources first: the estimate (and the balance check) is of both requests
        summary.tokens += job.rest_tokens
        if not confirmed and self.confirm is not None and not self.confirm(summary):
            return False
        self._last_request = only_changes
        backend, history, name = self.backend, self.history, self.backend_name

        feed = None if job.first else PeaksFeed(doc)  # copy sources: not the soundtrack

        def work(progress: Callable[[float, str], None], cancel: threading.Event) -> RenderOutcome:
            # the cloud client's wait before retrying a 429: counted down in the progress
            waits = hasattr(backend, "on_retry")
            self._render_thread = me = threading.get_ident()  # the one "Try now" wakes
            if waits:  # (the client's other requests, on other threads, are not this one)
                backend.on_retry = lambda words, seconds: (
                    progress(*busy_report(words, seconds)) if threading.get_ident() == me else None
                )
            try:
                return execute(
                    job, backend, history, cancel=cancel, progress=progress, backend_name=name,
                    peaks=feed,
                )  # fmt: skip
            finally:
                if waits:
                    backend.on_retry = None

        def finished() -> None:
            if feed is not None:
                feed.close()
            self._on_finished()

        self.last_error = None
        self._task = self.runner.run(
            work,
            on_result=lambda out: self._on_result(doc, job, summary, out),
            on_error=lambda exc: self._on_error(doc, job, exc),
            on_progress=self.clock.on_progress,
            on_finished=finished,
        )
        self.clock.start(summary)
        self.busyChanged.emit(True)
        self.started.emit(summary)
        self.clock.tick()
        return True

    def cancel(self, *, quiet: bool = False) -> None:
        """Stop waiting now; the worker's late answer is dropped, the project untouched."""
        if self._task is None:
            return
        waiting = self.clock.waiting  # before the cancel stops the clock
        self.runner.cancel(self._task)
        if not quiet:
            offline = getattr(self.backend, "name", None) == "offline"
            self.notify(cancel_message(offline, waiting), "warning")

    def try_now(self) -> None:
        """ "Try now" during a busy server's wait: the refused request goes again at once."""
        retry_now = getattr(self.backend, "retry_now", None)
        if self.busy and self.clock.waiting and callable(retry_now):
            retry_now(self._render_thread)
            self.clock.end_wait()

    def shutdown(self) -> None:
        self.cancel(quiet=True)
        self.runner.shutdown()

    # -- finish ------------------------------------------------------------------------
    def _on_finished(self) -> None:
        ok = self._succeeded
        self._task = None
        self._succeeded = False
        self.clock.stop()
        self.busyChanged.emit(False)
        self.finished.emit(ok)
        # once the finished task has let go of its buffers: RSS, issue 17
        QTimer.singleShot(0, self, release_free_memory)

    # -- outcome ------------------------------------------------------------------------
    def _on_result(
        self, doc: ProjectDocument, job: RenderJob, summary: RenderSummary, out: RenderOutcome
    ) -> None:
        """A job that rendered copy sources first (`job.first`) is followed by the
        soundtrack request, already confirmed; its audio is not the soundtrack's."""
        if doc is not self.doc or self.history is None:
            return  # the project was closed meanwhile; its render is of no use here
        self.speed.learn(summary.backend, summary.duration, out.render_seconds)
        # The offline engine counts tokens like the API, but nothing is spent.
        spent = 0 if summary.backend == "offline" else out.tokens_used
        if not job.first:
            doc.set_waveform(out.pyramid, out.audio_path)
        record(
            doc.apply_render, doc.project.library, self.history, job, out, backend=summary.backend
        )
        if self.balance is not None:
            self.balance = max(0, self.balance - spent)
        if self.on_library_changed:
            self.on_library_changed()
        self._succeeded = True
        if job.first:
            charge = charge_text(out.tokens_used, job.plan.tokens, summary.backend)
            self.notify(f"Rendered the copy sources: {charge}; now the soundtrack.", "info")
            then = job.only_changes
            QTimer.singleShot(0, self, lambda: self.render(then, confirmed=True))
            return
        plan = job.plan
        if plan.tokens_saved and out.tokens_used > plan.tokens:
            saved = f"; reusing {plural(plan.reused, 'unchanged region')} saved nothing"
        elif plan.tokens_saved and summary.backend == "offline":  # nothing to save offline
            saved = f", {plural(plan.reused, 'unchanged region')} reused"
        elif plan.tokens_saved:
            saved = (
                f", {plural(plan.tokens_saved, 'token')} saved by reusing "
                f"{plural(plan.reused, 'unchanged region')}"
            )
        else:
            saved = ""
        warning = f" {' '.join(out.warnings)}" if out.warnings else ""
        self.notify(
            f"Rendered {format_seconds(out.audio_duration)} in {out.render_seconds:.1f} s: "
            f"{charge_text(out.tokens_used, plan.tokens, summary.backend)}{saved}.{warning}",
            "warning" if out.warnings else "success",
        )
        self.rendered.emit(out)

    def _on_error(self, doc: ProjectDocument, job: RenderJob, exc: BaseException) -> None:
        self.last_error = exc
        text = exc.message if isinstance(exc, MuzaicError) else str(exc)
        log.warning("render failed on %s: %s: %s", self.backend_name, type(exc).__name__, text)
        partial = getattr(exc, "partial", None)
        kept = (
            doc is self.doc
            and partial is not None
            and keep_paid_hashes(doc.apply_render, job, partial)
        )
        if kept and self.on_library_changed:
            self.on_library_changed()
        self.failed.emit(exc)
        if doc is not self.doc:
            return
        if kept:
            self.notify(
                f"{getattr(exc, 'message', exc)} The region hashes of this paid render were "
                "kept: Render Changes gets its music as copies, without generating again.",
                "error",
                "Render changes",
                lambda: self.render(True),
            )
            return
        notify_failure(self, job.plan, exc)

    def retry_action(self) -> Callable[[], Any]:
        """Render again as the last attempt did (all, or changes only)."""
        only = bool(self._last_request)
        return lambda: self.render(only)

    def retry_later(self, seconds: float) -> None:
        """A rate limit said when: render again then, by itself."""
        self._retry_only = bool(self._last_request)
        self._retry_timer.start(round(seconds * 1000))
        self.notify(f"Will render again in {round(seconds)} s.", "info")

    def notify(
        self,
        text: str,
        kind: str = "info",
        action_text: str | None = None,
        action: Callable[[], Any] | None = None,
    ) -> None:
        if action is None:
            action_text = None
        self.notice.emit(Notice(text, kind, action_text, action))

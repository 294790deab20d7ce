"""The open project as the GUI sees it: the model plus undo, selection, playhead and waveform.

Every edit goes through `edit()`, which records on the QUndoStack the regions it changed
(their states before and after) and the order of all regions, so undo restores every
state exactly while untouched regions are shared, not copied. Views listen to the signals
and never mutate the model directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from muzaic_studio.model import Project, Region
from muzaic_studio.model.region import fresh_takes

_MERGE_ID = 0x4D5A  # any constant: all mergeable edits share it and compare merge keys


class EditError(ValueError):
    """An edit the document refused (e.g. it would overlap); the message says why."""


def overlap_problem(
    regions: Iterable[Region], changed: Collection[int] | None = None
) -> str | None:
    """A sentence naming two overlapping regions, or None.

    With *changed* (uids of the regions an edit touched) only overlaps involving them
    count, and the sentence names the changed region first: that is the one the user
    moved or lengthened. An overlap already in the project (e.g. opened from a file)
    does not block unrelated edits.
    """
    ordered = sorted(regions, key=lambda r: r.time)
    if changed is None:
        for a, b in itertools.pairwise(ordered):
            if b.time < a.end - 1e-6:
                return (
                    f"'{b.label()}' at {b.time:.2f} s would overlap '{a.label()}' "
                    f"({a.time:.2f}-{a.end:.2f} s)"
                )
        suspects = ordered
    else:
        # one pass in time order (was every changed region against every region: minutes
        # for "select all, move" in a 20,000-region project): a region overlaps an
        # earlier one exactly when it starts before the latest end so far, so the
        # latest-ending region, and the latest-ending changed one, are all it can meet
        suspects = [r for r in ordered if r.uid in changed]
        last: Region | None = None  # the latest-ending region so far
        last_changed: Region | None = None  # ... and changed region
        for r in ordered:
            moved = r.uid in changed
            if moved and last is not None and r.time < last.end - 1e-6:
                return _overlap_sentence(r, last)
            if last_changed is not None and r.time < last_changed.end - 1e-6:
                return _overlap_sentence(last_changed, r)
            if last is None or r.end > last.end:
                last = r
            if moved and (last_changed is None or r.end > last_changed.end):
                last_changed = r
    for r in suspects:
        if r.time < 0:
            return f"'{r.label()}' would start before 0 s"
        if r.duration <= 0:
            return f"'{r.label()}' would have no length"
    return None


def _overlap_sentence(changed: Region, other: Region) -> str:
    return (
        f"'{changed.label()}' would overlap '{other.label()}' ({other.time:.2f}-{other.end:.2f} s)"
    )


class _RegionsEdit(QUndoCommand):
    """One edit as the regions it changed (their states before and after it) and the
    order of all regions (uids) on either side. Undo and redo put copies of those states
    in place and keep every other region as it is: one slider step in a 20,000-region
    project stores one region twice, not two snapshots of all 20,000."""

    def __init__(
        self,
        doc: ProjectDocument,
        text: str,
        order: tuple[list[int], list[int]],
        before: dict[int, Region],
        after: dict[int, Region],
        merge_key: Any = None,
    ) -> None:
        super().__init__(text)
        self._doc = doc
        self._order_before, self._order_after = order
        self._before = before  # never handed out: the live list gets clones
        self._after = after
        self._merge_key = merge_key

    def id(self) -> int:
        return _MERGE_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _RegionsEdit) or other._merge_key != self._merge_key:
            return False
        self._order_after = other._order_after
        self._after = {**self._after, **other._after}
        for uid, state in other._before.items():  # regions only the later edit changed
            self._before.setdefault(uid, state)
        self.setText(other.text())  # "Undo Set intensity to 8", not the drag's first value
        return True

    def redo(self) -> None:
        self._doc._restore(self._order_after, self._after)

    def undo(self) -> None:
        self._doc._restore(self._order_before, self._before)


class ProjectDocument(QObject):
    """One open project. Signals fire on the GUI thread after each change."""

    regionsChanged = Signal()
    selectionChanged = Signal()
    playheadChanged = Signal(float)
    waveformChanged = Signal()
    markersChanged = Signal()
    pathChanged = Signal()
    dirtyChanged = Signal(bool)
    settingsChanged = Signal()

    def __init__(self, project: Project | None = None, path: str | Path | None = None) -> None:
        super().__init__()
        self.project = project or Project()
        self.path: Path | None = Path(path) if path else None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._selection: set[int] = set()
        self._playhead = 0.0
        self._extra_dirty = False
        self._merge_epoch = 0
        self.waveform: Any = None  # audio.peaks.PeakPyramid of the last render, or None
        self.audio_path: Path | None = None  # the rendered MP3 the waveform is drawn from
        #: A snapshot of the waveform being decoded (`audio.peaks_partial`), drawn instead
        #: of `waveform` until the decode ends; nothing else reads it.
        self.preview_waveform: Any = None
        #: The span (seconds) the timeline last drew: a decode starts there. A plain tuple,
        #: read by decode threads.
        self.view_span: tuple[float, float] = (0.0, 60.0)
        self.markers: list[float] = []  # scene cuts and user markers, in seconds
        self.media_duration = 0.0  # the imported video's length; 0 without a video
        # spec digest -> hash of every render this session: undoing back to a rendered
        # state brings its hash back, so the region is not marked changed again.
        self._render_cache: dict[str, dict[str, str]] = {}  # with the backend that made it
        self._remember_rendered(self.project.regions)

    # -- regions ---------------------------------------------------------------------
    @property
    def regions(self) -> list[Region]:
        return self.project.regions

    def region(self, uid: int) -> Region | None:
        return next((r for r in self.project.regions if r.uid == uid), None)

    def edit(
        self,
        text: str,
        change: Callable[[list[Region]], None],
        *,
        merge_key: Any = None,
    ) -> None:
        """Apply *change* to a copy of the regions; push it as one undo step if valid.

        Raises EditError (and changes nothing) when the result would overlap. Edits with
        the same *merge_key* in a row merge into one step (one slider drag = one undo).
        """
        live = {r.uid: r for r in self.project.regions}
        after = [r.clone() for r in self.project.regions]
        change(after)
        # New regions (drawn, duplicated, pasted, split) get takes of their own, so equal
        # tags and params in one soundtrack still make different music.
        fresh_takes(after, {r.uid for r in after} - live.keys())
        changed = {r.uid for r in after if live.get(r.uid) != r}
        problem = overlap_problem(after, changed)
        if problem:
            raise EditError(problem)
        order = ([r.uid for r in self.project.regions], [r.uid for r in after])
        gone = live.keys() - set(order[1])
        if not changed and not gone and order[0] == order[1]:
            return
        before = {uid: live[uid].clone() for uid in (changed | gone) & live.keys()}
        states = {r.uid: r for r in after if r.uid in changed}
        key = None if merge_key is None else (self._merge_epoch, merge_key)
        self.undo_stack.push(_RegionsEdit(self, text, order, before, states, key))

    def end_merge(self) -> None:
        """Close the current merge run (e.g. on slider release), so the next drag is new."""
        self._merge_epoch += 1

    def _restore(self, order: list[int], states: dict[int, Region]) -> None:
        """The regions in *order*: clones of *states*, the live region for any other uid."""
        live = {r.uid: r for r in self.project.regions}
        restored = []
        for uid in order:
            if uid not in states:
                restored.append(live[uid])
                continue
            r = states[uid].clone()
            cached = self._render_cache.get(r.spec_digest())
            if cached and r.action != "silence":
                r.rendered = dict(cached)
            restored.append(r)
        self.project.regions = restored
        alive = {r.uid for r in restored}
        if self._selection - alive:
            self._selection &= alive
            self.selectionChanged.emit()
        self.regionsChanged.emit()

    def _remember_rendered(self, regions: Iterable[Region]) -> None:
        for r in regions:
            if r.rendered and r.rendered.get("hash") and r.rendered.get("spec"):
                self._render_cache[r.rendered["spec"]] = dict(r.rendered)

    def apply_render(self, sent: list[Region], hashes: list[str], **render_info: Any) -> None:
        """Record a finished render (not an undo step: it is a fact, not an edit).

        *sent* are the regions as they were sent (copies taken when the render started are
        fine: they are matched to the live regions by uid). Each hash is recorded with the
        spec that was sent, so a region edited while the render ran still shows as changed
        instead of claiming music it does not have.
        """
        live = {r.uid: r for r in self.project.regions}
        frozen = [r.clone() for r in sent]
        self.project.apply_render(frozen, hashes, **render_info)
        for region in frozen:
            target = live.get(region.uid)
            if target is not None and region.rendered:
                target.rendered = dict(region.rendered)
        self._remember_rendered(frozen)
        self.mark_dirty()
        self.regionsChanged.emit()
        self.settingsChanged.emit()

    # -- selection -------------------------------------------------------------------
    @property
    def selection(self) -> set[int]:
        return set(self._selection)

    def selected_regions(self) -> list[Region]:
        return [r for r in self.project.sorted_regions() if r.uid in self._selection]

    def select(self, uids: Iterable[int]) -> None:
        new = set(uids) & {r.uid for r in self.project.regions}
        if new != self._selection:
            self._selection = new
            self.selectionChanged.emit()

    # -- transport and view data -----------------------------------------------------
    @property
    def playhead(self) -> float:
        return self._playhead

    def set_playhead(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        if abs(seconds - self._playhead) > 1e-9:
            self._playhead = seconds
            self.playheadChanged.emit(seconds)

    def set_waveform(self, pyramid: Any, audio_path: Path | None = None) -> None:
        self.waveform = pyramid
        self.audio_path = audio_path
        self.preview_waveform = None
        self.waveformChanged.emit()

    def set_preview_waveform(self, pyramid: Any) -> None:
        """Show a partial waveform while decoding (None: back to `waveform`)."""
        if pyramid is not None or self.preview_waveform is not None:
            self.preview_waveform = pyramid
            self.waveformChanged.emit()

    @property
    def shown_waveform(self) -> Any:
        """What the timeline draws: the decode in progress, else the last render's."""
        return self.preview_waveform if self.preview_waveform is not None else self.waveform

    def set_media_duration(self, seconds: float) -> None:
        """The video's length: the timeline reaches at least this far (settingsChanged)."""
        seconds = max(0.0, float(seconds))
        if seconds != self.media_duration:
            self.media_duration = seconds
            self.settingsChanged.emit()

    @property
    def timeline_length(self) -> float:
        """How long the timeline is: the soundtrack's end or the video's, whichever is later."""
        return max(self.project.duration, self.media_duration)

    def set_markers(self, markers: Iterable[float]) -> None:
        self.markers = sorted(float(m) for m in markers)
        self.markersChanged.emit()

    # -- file state ------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._extra_dirty or not self.undo_stack.isClean()

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(self._extra_dirty or not clean)

    def mark_dirty(self) -> None:
        if not self._extra_dirty:
            self._extra_dirty = True
            self.dirtyChanged.emit(True)

    def save(self, path: str | Path | None = None) -> None:
        """Atomic save; raises muzaic_studio.atomic.WriteError with a user-facing message."""
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("No file name yet: use Save As.")
        self.project.save(target)
        if target != self.path:
            self.path = target
            self.pathChanged.emit()
        self.mark_clean()

    def mark_clean(self) -> None:
        """The file on disk holds this document (just saved, or the user chose to discard
        the changes): closing asks nothing."""
        self._extra_dirty = False
        self.undo_stack.setClean()
        self.dirtyChanged.emit(False)

    @property
    def display_name(self) -> str:
        return self.path.stem if self.path else (self.project.name or "Untitled")

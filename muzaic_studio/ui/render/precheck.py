"""The GUI's side of the pre-render check (render/prerender.py, run by `render.prepare`):
nothing is sent until the active backend is known to have every tag name and copy source
the request uses, and the request keeps the contract.

Kept out of controller.py: the tag catalogue of a backend that has not sent it yet
is fetched off the GUI thread, then the render starts again; what the backend lacks is
shown with the fix the app can make ("render its source first"). A refusal's banner
stays only while the refusal does: `refused_now` runs the same check after each edit or
undo (the window drops the banner once it passes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from muzaic_studio.model.hash_origin import backend_origin
from muzaic_studio.model.region import Region
from muzaic_studio.model.render_plan import RenderPlan
from muzaic_studio.model.validation import Problem
from muzaic_studio.render import Blocked, CatalogueNeeded, UnsendableRequest
from muzaic_studio.render.job import check
from muzaic_studio.render.prerender import link_copy_to_source

log = logging.getLogger(__name__)

#: How the banners of a refused render begin (show_blockers, show_problem, and the
#: warning on open in window/project_files.py): the banners `refused_now` re-checks.
REFUSED = ("Nothing was sent.", "Cannot render:", "This project can't be rendered")


#: Quiet time after the last edit before a refusal is checked again (see BannerRecheck).
RECHECK_MS = 250


class BannerRecheck(QObject):
    """Checks a refusal's banner again once the edits pause, not after every one: the
    check is the render's whole preparation (~1.2 s for 20,000 regions), and a slider
    drag or a run of Ctrl+Z would pay it per step on the GUI thread."""

    def __init__(self, bar: Any, controller: Callable[[], Any], parent: QObject) -> None:
        super().__init__(parent)
        self._bar, self._controller = bar, controller
        self._timer = QTimer(self, singleShot=True, interval=RECHECK_MS)
        self._timer.timeout.connect(self._check)

    def _about_render(self) -> bool:
        return bool(self._bar.isVisible() and self._bar.text.startswith(REFUSED))

    def schedule(self) -> None:
        if self._about_render():
            self._timer.start()  # restarted by each edit: one check after the last

    def stop(self) -> None:
        self._timer.stop()

    def _check(self) -> None:
        controller = self._controller()
        if self._about_render() and controller is not None and not refused_now(controller):
            self._bar.dismiss()


def fetch_catalogue_then_render(controller: Any, only_changes: bool) -> None:
    backend, doc = controller.backend, controller.doc

    def done(data: Any) -> None:
        if backend is controller.backend and doc is controller.doc:
            controller.tag_catalogue = data if isinstance(data, dict) else {}
            controller.render(only_changes)

    def failed(exc: BaseException) -> None:
        text = getattr(exc, "message", None) or str(exc)
        controller.last_error = exc  # a dead cloud: the window offers the offline engine
        controller.notify(
            f"Cannot read the tag list of {controller.backend_name}: {text}",
            "error",
            "Retry",
            lambda: controller.render(only_changes),
        )

    controller.runner.run(
        lambda _p, _c: backend.tags(), on_result=done, on_error=failed, exclusive=False
    )


def show_blockers(controller: Any, blocked: Blocked, only_changes: bool) -> None:
    """What this backend lacks, said before anything is sent; the fix when the app has one."""
    doc = controller.doc
    first = blocked.blockers[0]
    region = next((r for r in doc.regions if r.uid == first.region_uid), None)
    if region is not None:
        doc.select([region.uid])
        controller.problemAt.emit(region.time)
    offers = blocked.offers()
    text = f"Nothing was sent. {blocked.message}"
    if not offers:
        controller.notify(text, "error")
        return

    def render_sources_first() -> None:
        def link(regions: list[Region]) -> None:
            for copy_uid, source_uid in offers:
                link_copy_to_source(regions, copy_uid, source_uid)

        doc.edit("Copy from the source region", link)
        controller.render(only_changes)

    controller.notify(text, "error", "Render its source first", render_sources_first)


def show_refusal(controller: Any, refusal: Blocked | UnsendableRequest, only_changes: bool) -> None:
    """Why `prepare` refused the render, in the banner; remembered for `refused_now`."""
    controller.refused_only = only_changes
    if isinstance(refusal, Blocked):
        show_blockers(controller, refusal, only_changes)
    else:
        show_problem(controller, refusal.plan, refusal.problems[0], len(refusal.problems))


def show_problem(controller: Any, plan: RenderPlan, problem: Problem, count: int) -> None:
    """A request that breaks the contract: its first problem, its region selected."""
    doc = controller.doc
    more = f" ({count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    name = ""
    if problem.index is not None and problem.index < len(plan.regions):
        region = plan.regions[problem.index]
        name = region.name
        doc.select([region.uid])
        doc.set_playhead(region.time)
        controller.problemAt.emit(region.time)
    log.info("render refused: %s%s", problem.user_text(name), more)
    controller.notify(f"Cannot render: {problem.user_text(name)}{more}", "error")


def refused_now(controller: Any) -> bool:
    """Would the render the user last tried be refused now, for any reason the render
    itself checks (contract, copy sources, tags, hashes of another backend)? The render's
    own checks (`render.job.check`), run on the project as it is; tag names are left
    unchecked while the backend's list has not been read (the render reads it first)."""
    doc = controller.doc
    if doc is None or not doc.project.regions:
        return False
    origin = backend_origin(controller.backend)
    catalogue = controller.tag_catalogue
    for resolve_tags in (True, False):
        try:
            check(doc.project, only_changes=controller.refused_only, origin=origin,
                  catalogue=catalogue, resolve_tags=resolve_tags)  # fmt: skip
        except CatalogueNeeded:
            continue
        except (Blocked, UnsendableRequest):
            return True
        return False
    return False

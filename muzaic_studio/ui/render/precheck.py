"""The GUI's side of the pre-render check (render/prerender.py, run by `render.prepare`):
nothing is sent until the active backend is known to have every tag name and copy source
the request uses.

Kept out of controller.py: the tag catalogue of a backend that has not sent it yet
is fetched off the GUI thread, then the render starts again; what the backend lacks is
shown with the fix the app can make ("render its source first").
"""

from __future__ import annotations

from typing import Any

from muzaic_studio.model.region import Region
from muzaic_studio.render import Blocked
from muzaic_studio.render.prerender import link_copy_to_source


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

"""The GUI's side of the pre-render check (model/prerender.py): nothing is sent until the
active backend is known to have every tag name and copy source the request uses.

Kept out of render_controller.py so the controller has one call site: `render()` asks
`prepared_for_backend` for its plan. The tag catalogue of a backend that has not sent it
yet is fetched off the GUI thread, then the render starts again.
"""

from __future__ import annotations

from typing import Any

from muzaic_studio.model.hash_origin import backend_origin
from muzaic_studio.model.prerender import PreRender, link_copy_to_source, prepare_render
from muzaic_studio.model.region import Region


def prepared_for_backend(controller: Any, only_changes: bool) -> PreRender | None:
    """The request for the controller's backend; None after a notice saying why not.

    A PreRender without plan: the tag catalogue is being fetched; the render follows.
    """
    doc = controller.doc
    pre = prepare_render(
        doc.project,
        only_changes=only_changes,
        origin=backend_origin(controller.backend),
        catalogue=controller.tag_catalogue,
    )
    if pre.needs_catalogue:
        _fetch_catalogue_then_render(controller, only_changes)
        return PreRender(None)
    if pre.blockers:
        _show_blockers(controller, pre, only_changes)
        return None
    return pre


def _fetch_catalogue_then_render(controller: Any, only_changes: bool) -> None:
    backend, doc = controller.backend, controller.doc

    def done(data: Any) -> None:
        if backend is controller.backend and doc is controller.doc:
            controller.tag_catalogue = data if isinstance(data, dict) else {}
            controller.render(only_changes)

    def failed(exc: BaseException) -> None:
        text = getattr(exc, "message", None) or str(exc)
        controller._notify(
            f"Cannot read the tag list of {controller.backend_name}: {text}",
            "error",
            "Retry",
            lambda: controller.render(only_changes),
        )

    controller.runner.run(
        lambda _p, _c: backend.tags(), on_result=done, on_error=failed, exclusive=False
    )


def _show_blockers(controller: Any, pre: PreRender, only_changes: bool) -> None:
    """What this backend lacks, said before anything is sent; the fix when the app has one."""
    doc = controller.doc
    first = pre.blockers[0]
    region = next((r for r in doc.regions if r.uid == first.region_uid), None)
    if region is not None:
        doc.select([region.uid])
        controller.problemAt.emit(region.time)
    offers = pre.offers()
    text = f"Nothing was sent. {pre.text()}"
    if not offers:
        controller._notify(text, "error")
        return

    def render_sources_first() -> None:
        def link(regions: list[Region]) -> None:
            for copy_uid, source_uid in offers:
                link_copy_to_source(regions, copy_uid, source_uid)

        doc.edit("Copy from the source region", link)
        controller.render(only_changes)

    controller._notify(text, "error", "Render its source first", render_sources_first)

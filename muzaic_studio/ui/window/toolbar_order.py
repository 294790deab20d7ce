"""The toolbar's order: transport first, so a narrow window keeps what is used most.

QToolBar sends the buttons that do not fit to its » overflow menu from the end. The
render workflow appends its actions (backend chooser, Render, Changes, Play, Loop, Export)
after the editor's own, so at 1024 px they were the ones hidden. `order_transport` moves
them, with the playhead's time next to Play/Loop, in front of the drawing tools; the less
used editing and view buttons go to the overflow instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar, QToolButton, QWidget

TRANSPORT = ("render.render", "render.changes", "render.play", "render.loop", "file.export")
WITH_TEXT = ("render.render", "render.changes")  # shown with their word, as the tools are


def order_transport(toolbar: QToolBar, playhead_label: QWidget, before: QAction) -> None:
    """Move the backend chooser and the TRANSPORT actions in front of *before*."""
    combo = toolbar.findChild(QWidget, "backendCombo")
    moving = [a for a in toolbar.actions() if a.objectName() in TRANSPORT
              or (combo is not None and toolbar.widgetForAction(a) is combo)]  # fmt: skip
    moving.sort(
        key=lambda a: TRANSPORT.index(a.objectName()) if a.objectName() in TRANSPORT else -1
    )
    if not moving:
        return
    for action in moving:
        toolbar.insertAction(before, action)
        if action.objectName() == "render.loop":
            toolbar.insertWidget(before, playhead_label).setToolTip(playhead_label.toolTip())
        button = toolbar.widgetForAction(action)
        if action.objectName() in WITH_TEXT and isinstance(button, QToolButton):
            # a moved action gets a new button
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.insertSeparator(before)
    last = toolbar.actions()[-1]
    if last.isSeparator():  # the one that came before the moved group
        toolbar.removeAction(last)

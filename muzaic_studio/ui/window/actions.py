"""Every editor command in one table: text, shortcut(s), tooltip, icon, menu.

The main window builds QActions from this table and wires them to handlers by key; the
Help > Keyboard shortcuts dialog lists the window's actions (these and any added later by
other parts of the app), so the list can never disagree with what the keys do.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from muzaic_studio.ui.icons import icon


@dataclass(frozen=True)
class Spec:
    key: str
    text: str
    shortcuts: tuple[str, ...]
    tip: str
    icon: str = ""
    checkable: bool = False
    timeline_only: bool = False  # single keys that inputs need (arrows): timeline focus only


SPECS: tuple[Spec, ...] = (
    # File
    Spec("file.new", "&New", ("Ctrl+N",), "Start a new, empty project", "new"),
    Spec("file.open", "&Open...", ("Ctrl+O",), "Open a .muzaic project file", "open"),
    Spec("file.restore", "Restore &Unsaved Work...", (), "Open the unsaved changes autosaved by a session that did not close properly"),
    Spec("file.save", "&Save", ("Ctrl+S",), "Save the project", "save"),
    Spec("file.save_as", "Save &As...", ("Ctrl+Shift+S",), "Save the project under a new name"),
    Spec("file.quit", "&Quit", ("Ctrl+Q",), "Close Muzaic Studio"),
    # Edit
    Spec("edit.undo", "&Undo", ("Ctrl+Z",), "Undo the last change", "undo"),
    Spec("edit.redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the change undone last", "redo"),
    Spec("edit.cut", "Cu&t", ("Ctrl+X",), "Cut the selected regions to the clipboard", "cut"),
    Spec("edit.copy", "&Copy", ("Ctrl+C",), "Copy the selected regions to the clipboard", "copy"),
    Spec("edit.paste", "&Paste", ("Ctrl+V",), "Paste regions at the playhead", "paste"),
    Spec("edit.duplicate", "D&uplicate", ("Ctrl+D",), "Duplicate the selection after itself", "duplicate"),
    Spec("edit.delete", "&Delete", ("Delete", "Backspace"), "Delete the selected regions", "delete"),
    Spec("edit.split", "&Split at Playhead", ("S",), "Split the regions under the playhead in two", "split"),
    Spec("edit.another_take", "Another &Take", ("Ctrl+Shift+T",), "New music for the selected generate regions at the next render (costs tokens)"),
    Spec("edit.select_all", "Select &All", ("Ctrl+A",), "Select every region"),
    Spec("edit.deselect", "Select &None", ("Escape",), "Clear the selection"),
    Spec("edit.nudge_left", "Nudge Left", ("Left",), "Move the selection left by one grid step (Shift: 1 s)", timeline_only=True),
    Spec("edit.nudge_right", "Nudge Right", ("Right",), "Move the selection right by one grid step (Shift: 1 s)", timeline_only=True),
    Spec("edit.nudge_left_big", "Nudge Left 1 s", ("Shift+Left",), "Move the selection left by one second", timeline_only=True),
    Spec("edit.nudge_right_big", "Nudge Right 1 s", ("Shift+Right",), "Move the selection right by one second", timeline_only=True),
    Spec("edit.select_prev", "Select Previous", ("Alt+Left",), "Select the region before the selection"),
    Spec("edit.select_next", "Select Next", ("Alt+Right",), "Select the region after the selection"),
    # Tools: what a drag on empty timeline does
    Spec("tool.select", "Select Tool", ("V",), "Drag on empty space to select regions (rubber band)", "select", True),
    Spec("tool.generate", "Draw Generate", ("G",), "Drag on empty space to draw a region that generates music", "generate", True),
    Spec("tool.copy", "Draw Copy", ("C",), "Drag on empty space to draw a region that reuses earlier music by hash", "copy", True),
    Spec("tool.silence", "Draw Silence", ("Shift+M",), "Drag on empty space to draw a silent region", "silence", True),
    # View
    Spec("view.zoom_in", "Zoom &In", ("+", "=", "Ctrl++"), "Zoom in on the timeline (Ctrl+wheel)", "zoom-in"),
    Spec("view.zoom_out", "Zoom &Out", ("-", "Ctrl+-"), "Zoom out of the timeline (Ctrl+wheel)", "zoom-out"),
    Spec("view.zoom_fit", "Zoom to &Fit", ("F", "Ctrl+0"), "Show the whole soundtrack", "zoom-fit"),
    Spec("view.snap", "S&nap", ("N",), "Snap edges to grid, playhead, markers and neighbours (hold Shift to skip)", "snap", True),
    Spec("view.grid_off", "Grid: Off", ("Ctrl+Alt+0",), "No grid lines; snap only to playhead, markers and edges", checkable=True),
    Spec("view.grid_seconds", "Grid: Seconds", ("Ctrl+Alt+1",), "Grid lines at the ruler's seconds", checkable=True),
    Spec("view.grid_bars", "Grid: Bars", ("Ctrl+Alt+2",), "Grid lines at bars and beats of the project tempo", "grid", True),
    Spec("view.playhead_start", "Playhead to Start", ("Home",), "Move the playhead to 0:00"),
    Spec("view.playhead_end", "Playhead to End", ("End",), "Move the playhead to the end of the soundtrack"),
    Spec("view.playhead_prev", "Playhead to Previous Edge", ("Ctrl+Left",), "Move the playhead to the previous region edge"),
    Spec("view.playhead_next", "Playhead to Next Edge", ("Ctrl+Right",), "Move the playhead to the next region edge"),
    # Help
    Spec("help.shortcuts", "&Keyboard Shortcuts", ("F1", "Ctrl+/"), "List every keyboard shortcut", "keyboard"),
    Spec("help.about", "&About Muzaic Studio", ("Shift+F1",), "Version and credits", "help"),
)  # fmt: skip

SPEC_BY_KEY = {s.key: s for s in SPECS}


def create_actions(parent: QObject) -> dict[str, QAction]:
    """QActions for every Spec, parented to *parent*; tooltips show the shortcut."""
    actions: dict[str, QAction] = {}
    for spec in SPECS:
        action = QAction(spec.text, parent)
        action.setObjectName(spec.key)
        action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
        if spec.shortcuts:
            first = QKeySequence(spec.shortcuts[0]).toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{spec.tip} ({first})")
        else:
            action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
        action.setCheckable(spec.checkable)
        if spec.icon:
            action.setIcon(icon(spec.icon))
        if spec.timeline_only:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        actions[spec.key] = action
    return actions


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str, str]]:
    """(command, keys, description) for every action with a shortcut, in menu order."""
    rows = []
    seen = set()
    for a in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts()]
        keys = [k for k in keys if k]
        if not keys or id(a) in seen:
            continue
        seen.add(id(a))
        text = a.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        rows.append((text, ", ".join(keys), a.statusTip() or a.toolTip()))
    return rows

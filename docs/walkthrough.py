"""A new user's walk through the editor in a REAL X window, with a screenshot per step.

    Xvfb :21 -screen 0 1920x1080x24 &
    DISPLAY=:21 PYTHONPATH=$PWD python docs/walkthrough.py 1024 700 /tmp/walk

Starts on the demo, renders, plays, changes a region, opens Export (which warns that the
render is out of date), renders the changes from there, and ends with a region selected:
that last picture is the README's docs/screenshot.png (1920x1080) and
docs/editor-1024x700.png. Runs in a throw-away
home folder. The screen is grabbed whole, dialogs included (Xvfb has no window manager,
so there are no title bars).
"""

import os
import sys
import tempfile

os.environ["MUZAIC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="muzaic-walk-")
os.environ.pop("MUZAIC_API_KEY", None)

from PySide6.QtCore import QTimer

from muzaic_studio.ui.app import make_app, open_window

W, H, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
app = make_app()
win = open_window("muzaic_studio/data/demo.muzaic")
win.resize(W, H)
win.move(0, 0)
win.show()
win.timeline.zoom_to_fit()
QTimer.singleShot(0, win.after_show)
wf = win.render_workflow
wf.ask_before_spending = False


def grab(name):
    app.primaryScreen().grabWindow(0, 0, 0, W, H).save(f"{prefix}-{name}.png")
    print("saved", name, flush=True)


steps = []


def step(ms, fn):
    steps.append((ms, fn))


step(3000, lambda: grab("1-start"))
step(500, lambda: wf.render(False))
step(1500, lambda: grab("2-rendering"))
step(9000, lambda: grab("3-rendered"))
step(200, lambda: (win.doc.set_playhead(5.0), wf.player.playing or wf.transport.toggle_play()))
step(2500, lambda: grab("4-playing"))


def change():
    if wf.player.playing:  # a render starts playing by itself where there is a device
        wf.transport.toggle_play()
    theme = next(r for r in win.doc.regions if r.name == "Theme")
    win.doc.select([theme.uid])
    win.inspector.rows["tone"].slider.setValue(3)


step(300, change)
step(800, lambda: grab("5-changed"))
step(200, lambda: wf.open_export())
step(1500, lambda: grab("6-export-stale"))
step(200, lambda: wf.export_dialog.render_first_button.click())
step(9000, lambda: grab("7-export-fresh"))


def final():
    d = getattr(wf, "export_dialog", None)
    if d:
        d.reject()
    win.message_bar.dismiss()
    theme = next(r for r in win.doc.regions if r.name == "Theme")
    win.doc.select([theme.uid])
    win.doc.set_playhead(36.0)


step(300, final)
step(1500, lambda: grab("8-final"))


def bye():
    win.files.maybe_save = lambda: True
    win.close()
    app.quit()


step(300, bye)


def run(i=0):
    if i < len(steps):
        ms, fn = steps[i]

        def go():
            fn()
            run(i + 1)

        QTimer.singleShot(ms, go)


run()
app.exec()

"""Fixtures shared by the UI tests."""

from __future__ import annotations

# Loaded now, before pytest-qt installs its (Python) Qt message handler and before any
# worker thread runs. Loading QtMultimedia logs from inside dlopen (Qt's "Couldn't load
# pipewire-0.3 library"); the handler then needs the GIL, while a worker thread holding
# the GIL (the backend build's first `import keyring`) waits for the loader's lock in its
# own dlopen: both waited for ever (a hung tests/ui run, seen with py-spy --native: the
# GUI thread in dlopen > QDebug > qt_message_output > PySide, the worker in dlopen >
# pthread_mutex_lock). The app installs no Python handler, so only the suite can hang.
import PySide6.QtMultimedia  # noqa: F401
import pytest

from tests.ui.render_support import EngineServer


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_gui_thread(qapp):
    """As the app does (ui/gui_gc.py): garbage cycles holding Qt objects are collected on
    the GUI thread, never on a worker (a freeze seen in CI before)."""
    from muzaic_studio.ui.gui_gc import collect_on_gui_thread

    collect_on_gui_thread(qapp)


@pytest.fixture(scope="module")
def engine_url():
    """The offline engine's loopback server, one per test module, unlimited tokens."""
    with EngineServer(tokens=None) as server:
        yield server.url


@pytest.fixture
def app_style(qapp):
    """The app's own style for pictures and style checks; the test app's look is restored after."""
    from muzaic_studio.ui.style import apply_style

    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    apply_style(qapp)
    yield
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


@pytest.fixture
def saved_settings():
    """For tests that choose a backend (a saved setting): the suite's choice is restored
    after, so later windows do not start on the cloud without a key."""
    from muzaic_studio.ui.dialogs.preferences import BackendSettings

    before = BackendSettings.load()
    yield
    before.save()


@pytest.fixture(autouse=True)
def fresh_settings(fresh_saved_settings):
    """Every UI test starts with the app's settings as on a first start: a window state,
    dock size or backend saved by an earlier test never shapes the next one. The declared
    settings (settings.json) are removed by tests/conftest.py's fresh_saved_settings, the
    Qt-only ones (window geometry and state, in QSettings) here; both live in the test
    home (MUZAIC_STUDIO_HOME), never in the user's config folder."""
    from muzaic_studio.settings.store import QT_INI_NAME
    from muzaic_studio.ui.settings import app_settings

    settings = app_settings()
    assert settings.fileName().endswith(QT_INI_NAME)
    settings.clear()
    settings.sync()
    yield


#: Threads of a pool made once and kept for the whole process by design, not a leak: the
#: in-process offline engine's region pool (engine/core.py), shared by every render.
PROCESS_POOLS = ("engine-region",)


@pytest.fixture(autouse=True)
def no_work_left_running(qapp):
    """A test that leaves a background job or a thread (a QThread too) running fails,
    naming it.

    Set up before the test's own fixtures, so it checks after qtbot has closed the test's
    widgets: whatever still runs then would run into the next test (a late result landing
    in another window, a pool starved for the next render). What is still working (using
    CPU, or waiting for a child process that does) gets up to leaks.CAP seconds to end; what
    is idle, e.g. an event loop nobody quits, fails after leaks.GRACE (was: 15 s each).
    """
    import threading

    from muzaic_studio.ui.workers import shared_pool
    from tests.ui.leaks import CAP, GRACE, QThreadWatch, settle, tasks

    before = set(threading.enumerate())
    qthreads = QThreadWatch()
    qthreads.start()
    try:
        yield
    finally:
        qthreads.stop()
    pool = shared_pool()
    left = [
        t
        for t in threading.enumerate()
        if t not in before and not t.daemon and not t.name.startswith(PROCESS_POOLS)
    ]

    def done() -> bool:
        return (
            not pool.activeThreadCount()
            and not any(t.is_alive() for t in left)
            and (not qthreads.running())
        )

    def tids() -> set[int]:
        ids = {t.native_id for t in left if t.is_alive() and t.native_id} | qthreads.tids()
        if pool.activeThreadCount():  # the pool's threads are Qt's: any but this one
            ids |= tasks() - {threading.get_native_id()}
        return ids

    outcome = settle(done, tids)
    why = f"idle for {GRACE:g} s" if outcome == "stalled" else f"still busy after {CAP:g} s"
    if pool.activeThreadCount():
        pytest.fail(f"{pool.activeThreadCount()} background job(s) still running ({why})")
    alive = [t.name for t in left if t.is_alive()] + qthreads.running()
    if alive:
        pytest.fail(f"the test left thread(s) running ({why}): {alive}")


@pytest.fixture(scope="module")
def sound_server(tmp_path_factory):
    """A private PulseAudio with a null sink, one per test module; CI must have one."""
    import os

    from tests.sound_server import SoundServer, missing_reason

    reason = missing_reason()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must test playback through a sound server: {reason}")
        pytest.skip(f"no private sound server on this machine: {reason}")
    server = SoundServer(tmp_path_factory.mktemp("pulse"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_timer_left_running(request, qapp):
    """A test that leaves a QTimer ticking fails, naming the timer's owner (leaks.py).

    Checked after qtbot has closed the test's widgets (set up before the test's own
    fixtures), before Qt deletes them: a closed window must stop its timers itself, since
    a banner's timeout or an autosave firing after the window closed acts on a document the
    user has left. A test that means to keep one running says why with
    ``@pytest.mark.timer_outlives_test(reason)``.
    """
    from tests.ui.leaks import TimerWatch, describe

    if request.node.get_closest_marker("timer_outlives_test"):
        yield
        return
    watch = TimerWatch()
    watch.start()
    try:
        yield
    finally:
        watch.stop()
    running = watch.running()
    if running:
        names = sorted(describe(t) for t in running)
        for timer in running:
            timer.stop()  # the next test starts without them
        pytest.fail(f"the test left {len(running)} timer(s) running: {names}")

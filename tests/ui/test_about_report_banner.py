"""Help > About, Help > Report a problem, the first-run banner and the smoke hook."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

import muzaic_studio
from muzaic_studio import diagnostics, logging_setup, paths
from muzaic_studio.ui import smoke
from muzaic_studio.ui.app_extras import install_app_extras
from muzaic_studio.ui.dialogs import first_run
from muzaic_studio.ui.dialogs import report as report_dialog
from muzaic_studio.ui.dialogs.about import AboutDialog
from muzaic_studio.ui.dialogs.report import ReportDialog

KEY = "mz-test-KEY-0123456789abcdef"


class MessageBar(QWidget):
    kind = "info"


class Window(QMainWindow):
    """The parts of MainWindow that install_app_extras relies on."""

    def __init__(self) -> None:
        super().__init__()
        self.menus = {"help": self.menuBar().addMenu("&Help")}
        self.menus["help"].addAction("Keyboard shortcuts")
        self.messages: list[tuple] = []
        self.message_bar = MessageBar()
        self.setCentralWidget(self.message_bar)
        self.message_bar.hide()

    def show_message(self, text, kind="info", action_text=None, action=None) -> None:
        self.messages.append((text, kind, action_text, action))
        self.message_bar.kind = kind
        self.message_bar.show()


class WindowWithAbout(Window):
    """MainWindow as it is: a help.about action (with its shortcut) that app extras serve."""

    def __init__(self) -> None:
        super().__init__()
        about = QAction("&About Muzaic Studio", self)
        about.setShortcut("Shift+F1")
        self.action_map = {"help.about": about}
        self.menus["help"].addAction(about)


@pytest.fixture
def window(qtbot):
    win = Window()
    qtbot.addWidget(win)
    return win


@pytest.fixture
def logged_key(monkeypatch):
    """Logging set up in the test home, with a key in the environment and in the log calls."""
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    path = logging_setup.setup_logging()
    logging.getLogger("muzaic_studio.test").warning(
        "sending with headers %s", {"MuzaicAPI-Secret-Key": KEY}
    )
    yield path
    logging_setup.forget_secrets()


def _form_rows(dialog: AboutDialog) -> dict[str, str]:
    rows = {}
    for row in range(dialog.form.rowCount()):
        label = dialog.form.itemAt(row, dialog.form.ItemRole.LabelRole)
        field = dialog.form.itemAt(row, dialog.form.ItemRole.FieldRole)
        if label and field:
            rows[label.widget().text().rstrip(":")] = field.widget().text()
    return rows


def test_about_shows_app_qt_engine_and_api_versions(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    # At once: everything but the two slow ones, which the background call fills in.
    first = _form_rows(dialog)
    assert first["Muzaic Studio"] == muzaic_studio.__version__
    assert first["Offline engine"] == first["ffmpeg"] == diagnostics.PENDING
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled(), timeout=10_000)
    rows = _form_rows(dialog)
    assert rows["Muzaic Studio"] == muzaic_studio.__version__
    assert rows["API contract"] == muzaic_studio.API_VERSION
    from PySide6.QtCore import qVersion

    assert rows["Qt"] == qVersion()
    assert rows["Offline engine"] not in (diagnostics.PENDING, "")
    assert rows["ffmpeg"].startswith("ffmpeg version")
    dialog.copy_versions()
    assert f"Muzaic Studio: {muzaic_studio.__version__}" in QGuiApplication.clipboard().text()
    titles = [w.text() for w in dialog.findChildren(QLabel)]
    assert any(muzaic_studio.__version__ in t and "Muzaic Studio" in t for t in titles)


def test_report_has_versions_and_log_path_but_never_the_key(qtbot, logged_key):
    dialog = ReportDialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled(), timeout=10_000)
    report = dialog.report()
    assert str(logged_key) in report
    assert muzaic_studio.__version__ in report
    assert "sending with headers" in report  # the log tail is there ...
    assert KEY not in report  # ... without the key
    dialog.copy_report()
    assert QGuiApplication.clipboard().text() == report


def test_open_log_folder_opens_the_log_dir(qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(report_dialog, "open_folder", lambda p: opened.append(p) or True)
    dialog = ReportDialog()
    qtbot.addWidget(dialog)
    dialog.log_button.click()
    assert opened == [paths.log_dir()]
    monkeypatch.setattr(report_dialog, "open_folder", lambda p: False)
    dialog.log_button.click()
    assert str(paths.log_dir()) in dialog.feedback.text()
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled(), timeout=10_000)


def test_install_app_extras_adds_help_actions_after_existing_ones(qtbot, window):
    extras = install_app_extras(window, first_run_check=False)
    texts = [a.text() for a in window.menus["help"].actions() if not a.isSeparator()]
    assert texts == ["Keyboard shortcuts", "Report a &problem…", "&About Muzaic Studio"]
    assert logging_setup.is_set_up()

    extras.about_action.trigger()
    assert extras.about_dialog is not None and extras.about_dialog.isVisible()
    extras.report_action.trigger()
    assert extras.report_dialog is not None and extras.report_dialog.isVisible()
    for dialog in (extras.about_dialog, extras.report_dialog):
        qtbot.waitUntil(lambda d=dialog: d.copy_button.isEnabled(), timeout=10_000)
        dialog.close()


def test_install_app_extras_reuses_the_windows_about_action(qtbot):
    win = WindowWithAbout()
    qtbot.addWidget(win)
    extras = install_app_extras(win, first_run_check=False)
    texts = [a.text() for a in win.menus["help"].actions()]
    assert texts == ["Keyboard shortcuts", "Report a &problem…", "&About Muzaic Studio"]
    assert extras.about_action is win.action_map["help.about"]
    assert extras.about_dialog is None
    win.action_map["help.about"].trigger()
    assert extras.about_dialog is not None and extras.about_dialog.isVisible()
    qtbot.waitUntil(lambda: extras.about_dialog.copy_button.isEnabled(), timeout=10_000)
    # A second Report a problem reuses the dialog and collects again.
    first = extras.show_report()
    qtbot.waitUntil(lambda: first.copy_button.isEnabled(), timeout=10_000)
    assert extras.show_report() is first
    assert not first.copy_button.isEnabled()
    qtbot.waitUntil(lambda: first.copy_button.isEnabled(), timeout=10_000)


def test_install_app_extras_creates_help_menu_when_missing(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    extras = install_app_extras(win, first_run_check=False)
    menu = extras.help_menu()
    assert extras.about_action in menu.actions()
    assert menu.title() == "&Help"


@pytest.mark.parametrize("key_found", [False, True])
def test_first_run_banner_only_without_key(qtbot, window, key_found):
    done = []
    first_run.check_first_run(window, key_check=lambda: key_found, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert done == [not key_found]
    assert window.messages == ([] if key_found else [(first_run.BANNER, "info", None, None)])


def test_first_run_banner_offers_the_key_action(qtbot, window):
    opened = []
    key_action = QAction("API key", window)
    key_action.setObjectName(first_run.KEY_ACTION)
    key_action.triggered.connect(lambda: opened.append(True))
    done = []
    first_run.check_first_run(window, key_check=lambda: False, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    [(text, kind, action_text, action)] = window.messages
    assert (text, kind, action_text) == (first_run.BANNER, "info", first_run.ACTION_TEXT)
    action()
    assert opened == [True]


def test_first_run_banner_does_not_hide_a_warning(qtbot, window):
    window.show()
    window.show_message("Cloud chosen but no key", "warning")
    window.messages.clear()
    done = []
    first_run.check_first_run(window, key_check=lambda: False, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert done == [False]
    assert window.messages == []


def test_first_run_banner_when_key_check_fails_and_status_bar_fallback(qtbot):
    win = QMainWindow()  # no show_message: the status bar carries the banner
    qtbot.addWidget(win)
    done = []

    def broken() -> bool:
        raise RuntimeError("keyring exploded")

    first_run.check_first_run(win, key_check=broken, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert win.statusBar().currentMessage() == first_run.BANNER
    assert "\n" not in first_run.BANNER
    assert "key set" in first_run.BANNER


def test_has_key_follows_environment(monkeypatch):
    monkeypatch.delenv("MUZAIC_API_KEY", raising=False)
    assert first_run.has_key() is False  # the suite's keyring is the failing backend
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    assert first_run.has_key() is True


def test_has_key_registers_a_keyring_key_for_redaction(monkeypatch):
    import keyring

    from muzaic_studio.api import credentials
    from tests.fake_keyring import MemoryKeyring

    stored = "mzk-only-in-the-keyring-4242"
    ring = MemoryKeyring()
    ring.set_password(credentials.SERVICE, credentials.ACCOUNT, stored)
    monkeypatch.delenv("MUZAIC_API_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    try:
        assert first_run.has_key() is True
        assert logging_setup.redact(f"got {stored} back") == "got [redacted] back"
    finally:
        keyring.set_keyring(previous)
        logging_setup.forget_secrets()


def test_smoke_hook_off_by_default_and_checks_window(qtbot, window, monkeypatch, capsys):
    monkeypatch.delenv(smoke.ENV, raising=False)
    assert smoke.install(window) is False
    monkeypatch.setenv(smoke.ENV, "soon")
    assert smoke.quit_after_ms() is None

    assert smoke.check(window) == smoke.EXIT_NO_WINDOW  # not shown yet
    window.show()
    qtbot.waitExposed(window)
    assert smoke.check(window) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "window=shown" in out and "first_run=not-installed" in out
    install_app_extras(window)
    smoke.check(window)
    assert "first_run=pending" in capsys.readouterr().out


def test_smoke_hook_quits_the_app_with_the_check_result(qtbot, window, monkeypatch):
    codes = []
    monkeypatch.setattr(smoke.QApplication, "exit", staticmethod(codes.append))
    monkeypatch.setenv(smoke.ENV, "10")
    window.show()
    assert smoke.install(window) is True
    qtbot.waitUntil(lambda: bool(codes), timeout=5_000)
    assert codes == [0]
    assert QApplication.instance() is not None


def test_banner_waits_for_the_first_show(qtbot, window):
    done = []
    banner = first_run.FirstRunBanner(window, key_check=lambda: False, on_done=done.append)
    qtbot.wait(100)
    assert not banner.started and done == [] and window.messages == []
    window.show()
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert done == [True] and banner.shown is True
    assert [m[0] for m in window.messages] == [first_run.BANNER]
    window.hide()
    window.show()  # a second show does not ask again
    qtbot.wait(100)
    assert done == [True]


def test_banner_gives_way_to_a_message_shown_meanwhile(qtbot, window):
    done = []
    release = threading.Event()

    def slow_check() -> bool:
        release.wait(5)
        return False

    first_run.FirstRunBanner(window, key_check=slow_check, on_done=done.append)
    window.show()
    window.show_message("Could not open the project.", "error")
    window.message_bar.hide()  # the user closed it
    release.set()
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert done == [False]
    assert [m[0] for m in window.messages] == ["Could not open the project."]


def test_banner_gives_way_to_a_message_given_before_show(qtbot, window):
    done = []
    first_run.FirstRunBanner(window, key_check=lambda: False, on_done=done.append)
    window.show_message("Could not open the project.", "error")  # before window.show()
    window.show()
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert done == [False]


def test_install_app_extras_arms_the_banner_for_first_show(qtbot, window):
    extras = install_app_extras(window)
    assert extras.first_run is not None and not extras.first_run.started
    window.show()
    qtbot.waitUntil(lambda: bool(window.messages), timeout=5_000)
    assert window.messages[0][0] == first_run.BANNER


def test_real_main_window_has_about_report_and_banner(qtbot):
    from muzaic_studio.ui.dialogs.about import AboutDialog as About
    from muzaic_studio.ui.window.main_window import MainWindow

    win = MainWindow(autosave=False)
    qtbot.addWidget(win)
    extras = win.app_extras
    help_actions = [a for a in win.menus["help"].actions() if not a.isSeparator()]
    assert extras.report_action in help_actions
    assert sum("About" in a.text() for a in help_actions) == 1
    win.show()
    qtbot.waitUntil(lambda: win.message_bar.isVisible(), timeout=5_000)
    assert first_run.BANNER in win.message_bar.text
    win.action_map["help.about"].trigger()
    assert isinstance(extras.about_dialog, About) and extras.about_dialog.isVisible()
    qtbot.waitUntil(lambda: extras.about_dialog.copy_button.isEnabled(), timeout=10_000)
    extras.about_dialog.close()

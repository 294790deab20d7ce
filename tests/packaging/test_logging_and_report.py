"""The log file never gets a key; the problem report has versions and paths, no key."""

from __future__ import annotations

import logging
import os
import platform
import subprocess
import sys

import pytest

import muzaic_studio
from muzaic_studio import diagnostics, logging_setup, paths

ENV_KEY = "mzk_ENV_0123456789abcdefXYZ"
STORED_KEY = "mzk_KEYRING_9876543210zyxwvu"
HEADER_ONLY_KEY = "mzk_HEADER_ONLY_55aa55aa55"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MUZAIC_STUDIO_HOME", str(tmp_path))
    monkeypatch.setenv("MUZAIC_API_KEY", ENV_KEY)
    yield tmp_path
    logging_setup.shutdown_logging()
    logging_setup.forget_secrets()


def log_everything_with_keys(log: logging.Logger) -> None:
    log.info("using key %s for the request", ENV_KEY)
    log.warning("request headers: %r", {"MuzaicAPI-Secret-Key": ENV_KEY, "Accept": "*/*"})
    log.info(f"keyring returned {STORED_KEY}")
    log.error("raw header line MuzaicAPI-Secret-Key: %s", HEADER_ONLY_KEY)
    log.info('{"MuzaicAPI-Secret-Key": "%s", "origin": "demo"}', HEADER_ONLY_KEY)
    try:
        raise RuntimeError(f"Invalid header value b'{ENV_KEY}'")
    except RuntimeError:
        log.exception("send failed")
    log.info("stack check", stack_info=True)


def test_log_file_never_contains_a_key(home):
    path = logging_setup.setup_logging()
    assert path.parent == paths.log_dir() == home / "log"
    logging_setup.register_secret(STORED_KEY)
    log_everything_with_keys(logging.getLogger("muzaic_studio.api.cloud"))
    text = path.read_text(encoding="utf-8")
    for key in (ENV_KEY, STORED_KEY, HEADER_ONLY_KEY):
        assert key not in text
    # ... while everything else was logged (a test of an empty file proves nothing).
    for expected in ("using key [redacted]", "'Accept': '*/*'", "send failed",
                     "RuntimeError: Invalid header value", "Traceback", "stack check",
                     '"origin": "demo"', "muzaic_studio.api.cloud"):  # fmt: skip
        assert expected in text, expected


def test_verbose_logs_debug_and_rerunning_setup_does_not_duplicate(home):
    logging_setup.setup_logging()
    path = logging_setup.setup_logging(verbose=True)
    logging.getLogger("muzaic_studio.engine").debug("debug line %d", 1)
    lines = path.read_text().splitlines()
    assert sum("debug line 1" in ln for ln in lines) == 1


def test_log_rotates_at_the_size_limit(home, monkeypatch):
    monkeypatch.setattr(logging_setup, "MAX_BYTES", 20_000)
    path = logging_setup.setup_logging()
    log = logging.getLogger("muzaic_studio.test")
    for i in range(2_000):
        log.info("line %05d %s", i, "x" * 40)
    files = sorted(path.parent.glob("muzaic-studio.log*"))
    assert len(files) == logging_setup.BACKUPS + 1
    assert all(f.stat().st_size <= 20_000 + 200 for f in files)


def test_redact_keeps_ordinary_text():
    text = "rendered 3 regions in 0.8 s; key set in keyring (****abcd)"
    assert logging_setup.redact(text) == text
    assert logging_setup.redact("api_key=abcdef123") == "api_key=[redacted]"


def test_report_has_versions_paths_and_log_but_no_key(home):
    logging_setup.setup_logging()
    logging_setup.register_secret(STORED_KEY)
    log_everything_with_keys(logging.getLogger("muzaic_studio.api.cloud"))
    logging.getLogger("muzaic_studio.ui").warning("the last thing that happened")
    report = diagnostics.collect_report()
    for key in (ENV_KEY, STORED_KEY, HEADER_ONLY_KEY):
        assert key not in report
    assert f"Muzaic Studio  : {muzaic_studio.__version__}" in report
    assert f"API contract   : {muzaic_studio.API_VERSION}" in report
    assert platform.python_version() in report
    assert "Offline engine :" in report
    assert "ffmpeg version" in report
    assert str(logging_setup.log_path()) in report
    assert str(paths.cache_dir()) in report and str(paths.data_dir()) in report
    assert "API key in environment : yes" in report
    assert report.rstrip().endswith("the last thing that happened")  # the log tail


def test_report_says_which_settings_are_in_effect_and_why(home, monkeypatch):
    from muzaic_studio import settings
    from muzaic_studio.settings.declared import BACKEND, RECENT_FILES

    settings.save({BACKEND: "cloud", RECENT_FILES: ["/home/someone/secret-film.muzaic"]})
    monkeypatch.setenv("MUZAIC_ORIGIN", "web")
    report = diagnostics.collect_report()
    assert "backend.kind              : 'cloud' (saved)" in report
    assert "backend.origin            : 'web' ($MUZAIC_ORIGIN)" in report
    assert "autosave.interval_seconds : 30 (default)" in report
    assert "secret-film" not in report  # recent files name the user's projects


def test_report_without_a_log_says_so(home):
    report = diagnostics.collect_report()
    assert "(the log is empty)" in report


def test_versions_report_the_engine_version(monkeypatch):
    import muzaic_studio.engine as engine

    monkeypatch.setattr(engine, "ENGINE_VERSION", "9.9.9-test", raising=False)
    assert diagnostics.versions()["Offline engine"] == "9.9.9-test"


def test_report_in_a_cli_process_does_not_import_qt(tmp_path):
    """Only muzaic_studio/ui imports Qt: a CLI `collect_report()` must not load it."""
    code = (
        "import sys; from muzaic_studio import diagnostics as d; r = d.collect_report(); "
        "assert 'PySide6' not in sys.modules, 'Qt imported'; "
        "print([ln for ln in r.splitlines() if ln.startswith(('Qt ', 'PySide6 '))])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "MUZAIC_STUDIO_HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "not loaded" in proc.stdout
